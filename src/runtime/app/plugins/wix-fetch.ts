// Provides `$wixFetch`: the authenticated fetch of this app instance's visitor session. On the server it
// draws on the request's session directly, so a page that never calls Wix creates nothing for it.
import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig } from '#app'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { useRequestVisitorSession } from '../../server/visitor-session'
import { createWixFetch } from '../../wix-fetch'
import type { AccessTokenSource } from '../../wix-fetch'
import type { WixVisitorRuntimeOptions } from '../../types'

export default defineNuxtPlugin({
  name: 'wix-visitor:fetch',
  dependsOn: ['pinia'],
  setup(nuxtApp) {
    const options = useRuntimeConfig().public.wixVisitor as WixVisitorRuntimeOptions
    const event = import.meta.server ? useRequestEvent() : undefined
    // A ternary on import.meta.server itself, so the client build drops the server branch and its imports.
    const source: () => AccessTokenSource = import.meta.server
      ? () => useRequestVisitorSession(event!, options)
      : () => useWixVisitorStore(nuxtApp.$pinia as never)
    const wixFetch = createWixFetch({
      getAccessToken: () => source().getAccessToken(),
      recoverFromUnauthorized: sentToken => source().recoverFromUnauthorized(sentToken),
    }, options.apiBaseUrl)
    return { provide: { wixFetch } }
  },
})
