// The visitor session of one app instance: on the server the request's (shared with Nitro handlers, made
// for the page's render), in the browser one per tab. Its end of a member session is the app's
// `wix-visitor:member-ended` hook. The Pinia store shows it; while the page hydrates,
// the store shows what the server rendered instead.
import type { NuxtApp } from '#app'
import { useNuxtApp } from '#imports'
import { VisitorSession } from '../session'
import { useRequestVisitorSession } from '../server/visitor-session'
import { configuredOptions } from '../configured-options'
import { writeBrowserSession } from './browser-storage'
import type { Tokens } from '../types'

interface AppVisitor {
  session: VisitorSession
  /** While the page hydrates: the tokens the server rendered, which the store shows meanwhile. */
  rendered?: { tokens: Tokens | null }
  /** Brings the store (if one was made) up to date with what it should show. */
  showSession?: () => void
}

type WithVisitor = NuxtApp & { _wixVisitor?: AppVisitor }

function appVisitor(nuxtApp: NuxtApp): AppVisitor {
  const app = nuxtApp as WithVisitor
  if (app._wixVisitor) return app._wixVisitor
  const options = configuredOptions(nuxtApp.$config.public)
  // A ternary on import.meta.server itself, so the browser build drops the server's imports.
  const session = import.meta.server
    ? useRequestVisitorSession(nuxtApp.ssrContext!.event, options, { pageRender: true })
    : new VisitorSession({
        ...options,
        tokens: null,
        persist: tokens => writeBrowserSession(options, tokens),
        // The cross-tab lock is loaded with the first mint: a returning visitor never needs it.
        mintExclusively: async (mint, replacing) => (await import('./browser-mint')).mintOncePerBrowser(options, mint, replacing),
      })
  // Wix refused a member's refresh token: the app hears it as its runtime hook, on the server and in the browser.
  session.subscribe((change) => {
    if (change === 'member-ended') void nuxtApp.callHook('wix-visitor:member-ended')
  })
  app._wixVisitor = { session }
  return app._wixVisitor
}

/**
 * Leaving for a Wix-hosted page during SSR, and the request's origin: Nuxt's `navigateTo` and
 * `useRequestURL`, handed over by the server plugin. Pages import the composable, and a page's chunk that
 * imports Nuxt's router or URL code, even code it never runs in the browser, makes the bundler split Nuxt's
 * entry into several files that every page then loads.
 */
export interface ServerExit {
  origin: (nuxtApp: NuxtApp) => string
  leave: (nuxtApp: NuxtApp, url: string) => Promise<false | undefined>
}

let serverExit: ServerExit | undefined

/** Called once by the server plugin's module. */
export function handOverServerExit(exit: ServerExit): void {
  serverExit = exit
}

/** Leaving and the origin, server side; see `ServerExit`. */
export function useServerExit(): ServerExit {
  if (!serverExit) throw new Error('nuxt-wix-visitor: the server plugin did not load')
  return serverExit
}

/** The visitor session of this app instance. */
export function useAppVisitorSession(nuxtApp: NuxtApp = useNuxtApp()): VisitorSession {
  return appVisitor(nuxtApp).session
}

/** The tokens the store shows: the rendered ones while the page hydrates, else the session's. */
export function shownTokens(nuxtApp: NuxtApp): Tokens | null {
  const visitor = appVisitor(nuxtApp)
  return visitor.rendered ? visitor.rendered.tokens : visitor.session.tokens
}

/** `true` while the store shows what the server rendered rather than the session. */
export function isShowingRendered(nuxtApp: NuxtApp): boolean {
  return !!appVisitor(nuxtApp).rendered
}

/** Lets the store bring itself up to date when hydration starts or ends. */
export function onShowSession(nuxtApp: NuxtApp, show: () => void): void {
  appVisitor(nuxtApp).showSession = show
}

/** Shows `rendered` in the store until `endHydration()`, so hydration matches the server's HTML. */
export function startHydration(nuxtApp: NuxtApp, rendered: Tokens | null): void {
  const visitor = appVisitor(nuxtApp)
  visitor.rendered = { tokens: rendered }
  // A store made before this (by a plugin that ran earlier) shows the rendered tokens too.
  visitor.showSession?.()
}

/** Shows the session as it is, once hydration is done. */
export function endHydration(nuxtApp: NuxtApp): void {
  const visitor = appVisitor(nuxtApp)
  visitor.rendered = undefined
  visitor.showSession?.()
}
