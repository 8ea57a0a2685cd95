// What the browser does once the page has hydrated, unless the page simply goes on with the visitor the
// server rendered, stored alike in both copies with a valid token (the client plugin checks that much):
// loaded only when there is something to do.
import type { VisitorSession } from '../session'
import type { Tokens, WixVisitorRuntimeOptions } from '../types'
import { isSameSession, visitorMarker } from '../stored-session'
import { readCookieSession } from './browser-storage'

/** What the client plugin read when the page started. */
export interface PageStart {
  cookie: Tokens | null
  local: Tokens | null
  /** The handoff's marker of the rendered visitor; `undefined` where no server rendered for this visitor. */
  marker: string | null | undefined
  /** The server rendered a visitor whose Set-Cookie never reached this browser. */
  cookieLost: boolean
  /** The address comes back from a Wix-hosted page with a login's outcome, or a member who logged in there. */
  wixReturn: boolean
}

/**
 * Brings the stored copies up to date, renews or mints where needed, says when the browser does not keep
 * the cookie, fetches the page's data again for a visitor other than the rendered one (`refresh`), and
 * follows a return from a Wix-hosted page.
 */
export async function serveVisitor(session: VisitorSession, options: WixVisitorRuntimeOptions, start: PageStart, refresh: () => Promise<void>): Promise<void> {
  if (!isSameSession(start.cookie, session.tokens) || !isSameSession(start.local, session.tokens)) session.save()
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
  if (start.cookieLost || refused) {
    session.report({ message: 'nuxt-wix-visitor: this browser does not keep the session cookie (a Secure cookie over plain HTTP, a cookie over the size limit, or a blocked cookie); the session lives in localStorage only', status: null, transient: false, reason: 'cookie_lost' })
  }
  // The server rendered the data of another visitor, or of none (its token request failed): fetch it
  // again for the visitor the browser has now.
  if (start.marker !== undefined && start.marker !== visitorMarker(session.tokens)) await refresh()
  if (start.wixReturn) await followWixReturn(session, options)
}

/** A login's failure is shown; a member who logged in on a Wix-hosted page (during a checkout, say) is logged in here too, silently. */
async function followWixReturn(session: VisitorSession, options: WixVisitorRuntimeOptions): Promise<void> {
  const search = window.location.search
  const { authErrorOf, authRoute, withQuery } = await import('../auth-routes')
  const query = new URLSearchParams(search)
  const failure = authErrorOf(search)
  if (failure && !session.error) session.report(failure)
  if (query.get('wixMemberLoggedIn') !== 'true' || session.tokens?.refreshToken.role === 'member' || !options.auth) return
  query.delete('wixMemberLoggedIn')
  const rest = query.toString()
  const returnTo = `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`
  window.location.assign(withQuery(authRoute(options, 'login'), { returnTo, prompt: 'none' }))
}
