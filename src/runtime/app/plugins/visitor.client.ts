// Browser side of the handoff: start from exactly what the server rendered, then, once hydrated,
// reconcile the cookie with localStorage and serve a visitor where the server did not.
import { defineNuxtPlugin, refreshNuxtData } from '#app'
import { endHydration, startHydration, useAppVisitorSession } from '../app-session'
import { forgetLoggedOut, localStorageKey, readCookieSession, readLocalSession, readSharedSession } from '../browser-storage'
import { chooseStoredSession, isSameSession, isSameVisitor, visitorMarker } from '../../stored-session'
import { isAccessTokenExpired } from '../../tokens'
import { readHandoff, renderedView } from '../handoff'
import type { Tokens } from '../../types'
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
    const unchanged = (a: Tokens | null, b: Tokens | null) => a === b || isSameSession(a, b)
    // Token calls use the visitor this browser keeps from the start, even during hydration.
    session.resume(chooseStoredSession(cookie, local, !!handoff?.minted))

    const serveVisitor = async () => {
      if (!unchanged(cookie, session.tokens) || !unchanged(local, session.tokens)) session.save()
      try {
        await session.ensureTokens()
      }
      catch {
        // The failure is in the session's error; the next call tries again.
      }
      // The server's cookie never arrived, or the browser refused the one written here just now.
      // (A page outside the cookie's path cannot read it: nothing to tell there.)
      const refused = !!options.cookie && window.location.pathname.startsWith(options.cookie.path)
        && !!session.tokens && !session.error && !readCookieSession(options)
      if (cookieLost || refused) {
        session.report({ message: 'nuxt-wix-visitor: this browser does not keep the session cookie (a Secure cookie over plain HTTP, a cookie over the size limit, or a blocked cookie); the session lives in localStorage only', status: null, transient: false, reason: 'cookie_lost' })
      }
      // The server rendered the data of another visitor, or of none (its token request failed): fetch it
      // again for the visitor the browser has now.
      if (marker !== undefined && marker !== visitorMarker(session.tokens)) await refreshNuxtData()
      await followWixReturn()
    }

    // Back from a Wix-hosted page: a login's failure is shown; a member who logged in there (during a
    // checkout, say) is logged in here too, silently.
    const followWixReturn = async () => {
      const search = window.location.search
      // Most page loads come from elsewhere: the login's code is loaded only for a return that needs it.
      if (!search.includes('wixAuthError=') && !search.includes('wixMemberLoggedIn=')) return
      const { authErrorOf, authRoute, withQuery } = await import('../../auth-routes')
      const query = new URLSearchParams(search)
      const failure = authErrorOf(search)
      if (failure && !session.error) session.report(failure)
      if (query.get('wixMemberLoggedIn') !== 'true' || session.tokens?.refreshToken.role === 'member' || !options.auth) return
      query.delete('wixMemberLoggedIn')
      const rest = query.toString()
      const returnTo = `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`
      window.location.assign(withQuery(authRoute(options, 'login'), { returnTo, prompt: 'none' }))
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
