// Browser side of the handoff: start from exactly what the server rendered, then, once hydrated,
// reconcile the cookie with localStorage and serve a visitor where the server did not (serve-visitor.ts).
import { defineNuxtPlugin, refreshNuxtData } from '#app'
import { endHydration, startHydration, useAppVisitorSession } from '../app-session'
import { forgetLoggedOut, localStorageKey, readCookieSession, readLocalSession, readSharedSession } from '../browser-storage'
import { chooseStoredSession, isSameSession as unchanged, isSameVisitor, visitorMarker } from '../../stored-session'
import { isAccessTokenExpired } from '../../tokens'
import { readHandoff, renderedView } from '../handoff'
import { configuredOptions } from '../../configured-options'

/** `true` for this document's localStorage (not sessionStorage, whose events same-tab frames also get). */
function isLocalStorage(area: Storage | null): boolean {
  try {
    return area === window.localStorage
  }
  catch {
    return false
  }
}

export default defineNuxtPlugin({
  name: 'wix-visitor:client',
  setup(nuxtApp) {
    const options = configuredOptions(nuxtApp.$config.public)
    const session = useAppVisitorSession(nuxtApp)
    forgetLoggedOut(options)
    const cookie = readCookieSession(options)
    const local = readLocalSession(options)
    // What the server rendered: the cookie, if it holds that visitor. A marker with no cookie at all means
    // the Set-Cookie never reached this browser (Secure over plain HTTP, too large, blocked).
    const handoff = readHandoff(nuxtApp)
    const marker = handoff?.rendered
    const rendered = marker ? [cookie, local].find(stored => visitorMarker(stored) === marker) ?? null : null
    const cookieLost = !!marker && !cookie && !!options.cookie
    // Token calls use the visitor this browser keeps from the start, even during hydration.
    session.resume(chooseStoredSession(cookie, local, !!handoff?.minted))

    // A returning visitor whose page shows the rendered visitor, stored alike in both copies with a valid
    // token, needs nothing more; anything else loads the code that serves it.
    const serveVisitor = async () => {
      const tokens = session.tokens
      const search = window.location.search
      // Back from a Wix-hosted page with a login's outcome, or a member who logged in there.
      const wixReturn = search.includes('wixAuthError=') || search.includes('wixMemberLoggedIn=')
      const settled = !session.needsTokens && !cookieLost && !wixReturn
        && (!options.cookie || unchanged(cookie, tokens)) && (!localStorageKey(options) || unchanged(local, tokens))
        && (marker === undefined || marker === visitorMarker(tokens))
      if (settled) return
      let serve: typeof import('../serve-visitor').serveVisitor
      try {
        ({ serveVisitor: serve } = await import('../serve-visitor'))
      }
      catch {
        // A dropped connection or a deploy that replaced the file: the page goes on with what it has.
        session.report({ message: 'nuxt-wix-visitor: the code that serves the visitor could not be loaded; the next page view tries again', status: null, transient: true })
        return
      }
      await serve(session, options, { cookie, local, marker, cookieLost, wixReturn }, refreshNuxtData)
    }

    // Another tab changed the session (a renewal, a new visitor, a clear): this tab follows what the tabs share
    // now (the event may be older than a write of this tab's own). Where a script emptied all of localStorage
    // (no key in the event), the cookie, untouched by it, still holds the visitor.
    const refreshWhenHydrated = () => nuxtApp.isHydrating ? nuxtApp.hooks.hookOnce('app:suspense:resolve', () => refreshNuxtData()) : refreshNuxtData()
    if (localStorageKey(options)) {
      window.addEventListener('storage', (event) => {
        if (event.key !== localStorageKey(options) && event.key !== null) return
        if (!isLocalStorage(event.storageArea)) return
        const shared = readSharedSession(options, event.key === null)
        const current = session.getTokens()
        if (unchanged(shared, current)) return
        session.follow(shared)
        if (!isSameVisitor(shared, current)) void refreshWhenHydrated()
      })
    }

    // Both this tab and one of the app's server routes may mint for a browser that had no cookie. When the
    // route's Set-Cookie lands after this tab's own new visitor, the tab takes the route's visitor (the
    // route may have put things in its cart) and stores it for the other tabs; an older visitor stays.
    const adoptServerVisitor = () => {
      const current = session.getTokens()
      if (!session.isOwnMint(current)) return
      const arrived = readCookieSession(options)
      if (!arrived || isSameVisitor(arrived, current) || isAccessTokenExpired(arrived)) return
      session.follow(arrived)
      session.save()
      void refreshWhenHydrated()
    }
    if (options.cookie) {
      (globalThis as { cookieStore?: EventTarget }).cookieStore?.addEventListener('change', adoptServerVisitor)
      window.addEventListener('focus', adoptServerVisitor)
    }

    if (!nuxtApp.payload.serverRendered) {
      // Nothing to hydrate: the page starts with the visitor; a mint, if any, is not awaited.
      void serveVisitor()
      return
    }
    // Hydration must see what the server saw; the page shows the browser's visitor once it is done.
    startHydration(nuxtApp, rendered ?? (handoff ? renderedView(handoff) : null))
    nuxtApp.hooks.hookOnce('app:suspense:resolve', () => {
      endHydration(nuxtApp)
      return serveVisitor()
    })
  },
})
