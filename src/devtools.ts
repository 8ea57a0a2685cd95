// The "Wix visitor" tab of Nuxt DevTools, under `nuxt dev` only: a page of the app itself, shown in the
// tab's iframe, and a client plugin that records the visitor's token requests for it. A production build
// gets none of it.
import { addPlugin, extendPages, useLogger } from '@nuxt/kit'
import { addCustomTab } from '@nuxt/devtools-kit'
import type { Nuxt } from '@nuxt/schema'

/** The path of the DevTools page (under `app.baseURL`); it exists under `nuxt dev` only. */
export const DEVTOOLS_ROUTE = '/__wix-visitor-devtools'

function pagesEnabled(nuxt: Nuxt): boolean {
  const { pages } = nuxt.options
  return typeof pages === 'object' && pages !== null ? pages.enabled !== false : pages !== false
}

/**
 * Adds the DevTools tab in development; does nothing otherwise. `resolve` resolves paths against the
 * module's own directory (the `resolve` of `createResolver(import.meta.url)` in the module).
 */
export function setupDevtools(nuxt: Nuxt, resolve: (path: string) => string): void {
  if (!nuxt.options.dev) return
  // The tab shows a page of the app, so it needs the app's router.
  if (!pagesEnabled(nuxt)) {
    useLogger('nuxt-wix-visitor').info('The Wix visitor DevTools tab needs pages (the app has no pages/ directory); it is not added.')
    return
  }

  extendPages((pages) => {
    pages.push({
      name: 'wix-visitor-devtools',
      path: DEVTOOLS_ROUTE,
      file: resolve('./runtime/devtools/DevtoolsPage.vue'),
      meta: { layout: false },
    })
  })
  addPlugin({ src: resolve('./runtime/devtools/request-log.client'), mode: 'client' })

  addCustomTab({
    name: 'wix-visitor',
    title: 'Wix visitor',
    icon: 'carbon:user-identification',
    view: {
      type: 'iframe',
      src: `${nuxt.options.app.baseURL.replace(/\/+$/, '')}${DEVTOOLS_ROUTE}`,
    },
  }, nuxt)
}
