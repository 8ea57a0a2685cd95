// Server side of the handoff: resolve the request's visitor from its cookie before the render, so the
// render already sees it and the renewed or minted session goes out as Set-Cookie with this response.
import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig } from '#app'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { isSharedResponse, useRequestVisitorSession } from '../../server/visitor-session'
import { AUTH_ERROR_PARAM, authErrorOf } from '../../auth-routes'
import { visitorMarker } from '../../stored-session'
import type { WixVisitorRuntimeOptions } from '../../types'

export default defineNuxtPlugin({
  name: 'wix-visitor:server',
  dependsOn: ['pinia'],
  async setup(nuxtApp) {
    const event = useRequestEvent()
    // What is prerendered or cached is served to other visitors too: it gets no visitor of its own.
    if (!event || nuxtApp.payload.prerenderedAt || isSharedResponse(event)) return

    const store = useWixVisitorStore()
    const session = useRequestVisitorSession(event, useRuntimeConfig().public.wixVisitor as WixVisitorRuntimeOptions)
    try {
      await store.ensureTokens()
    }
    catch {
      // The failure is in store.error; the page still renders, and the next call tries again.
    }
    // A login or logout that came back with a failure says why (a cheap test first: this runs on every page).
    if (event.path.includes(AUTH_ERROR_PARAM)) {
      const failure = authErrorOf(event.path.slice(event.path.indexOf('?')))
      if (failure) store.report(failure)
    }
    // Said once the render is done, so a session the page itself created counts too.
    nuxtApp.hooks.hookOnce('app:rendered', () => {
      store.renderedVisitor = visitorMarker(store.tokens)
      store.mintedOnServer = !session.initialTokens && !!store.tokens
    })
  },
})
