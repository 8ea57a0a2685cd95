// Browser side of the handoff: start from exactly what the server rendered, then, once hydrated,
// reconcile the cookie with localStorage and serve a visitor where the server did not.
import { defineNuxtPlugin, refreshNuxtData, useRuntimeConfig } from '#app'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { readCookieSession, readLocalSession } from '../browser-storage'
import { chooseStoredSession, isSameSession, isSameVisitor } from '../../stored-session'
import type { WixVisitorRuntimeOptions } from '../../types'

export default defineNuxtPlugin({
  name: 'wix-visitor:client',
  dependsOn: ['pinia'],
  setup(nuxtApp) {
    const options = useRuntimeConfig().public.wixVisitor as WixVisitorRuntimeOptions
    const store = useWixVisitorStore()
    const cookie = readCookieSession(options)
    const local = readLocalSession(options)
    const chosen = chooseStoredSession(cookie, local, store.mintedOnServer)
    const rendered = store.resolvedOnServer ? cookie : null

    const serveVisitor = async () => {
      // Code that ran during hydration may have renewed the rendered visitor already: of one visitor, the
      // longer-lasting tokens win; of two, the stored choice does.
      const winner = chooseStoredSession(chosen, store.tokens, false)
      if (winner && !(isSameSession(winner, cookie) && isSameSession(winner, local))) store.setTokens(winner)
      else if (!isSameSession(winner, store.tokens)) store.resume(winner)
      try {
        await store.ensureTokens()
      }
      catch {
        // The failure is in store.error; the next call tries again.
      }
      // The server rendered another visitor's data: fetch it again for the visitor that won.
      if (rendered && !isSameVisitor(rendered, store.tokens)) await refreshNuxtData()
    }

    if (!nuxtApp.payload.serverRendered) {
      // Nothing to hydrate: restore before the first render; a mint, if any, is not awaited.
      void serveVisitor()
      return
    }
    // Hydration must see what the server saw; any change waits until it is done.
    store.resume(rendered)
    nuxtApp.hooks.hookOnce('app:suspense:resolve', serveVisitor)
  },
})
