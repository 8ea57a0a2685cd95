// Where the module's login and logout routes live, and how a login's outcome travels back to the page
// (a `wixAuthError` query parameter on `returnTo`), shared by the server routes and the app.
import { AUTH_PREFIX_DEFAULT } from './options'
import type { WixVisitorErrorInfo, WixVisitorRuntimeOptions } from './types'

/** The query parameter that carries a failed login's or logout's reason back to `returnTo`. */
export const AUTH_ERROR_PARAM = 'wixAuthError'

const MESSAGES: Record<string, string> = {
  access_denied: 'the login was cancelled',
  login_required: 'there is no Wix login to resume silently',
  state: 'the login answer did not match a login started here (state), so it was refused',
  expired: 'the login took longer than 30 minutes; start it again',
  exchange: 'Wix did not exchange the login code for member tokens',
  login_failed: 'the login could not be started: Wix refused the redirect session (check wixVisitor.clientId and the allowed redirect URIs of the OAuth app)',
  logout_failed: 'Wix did not end its own session; the site forgot the member',
}

/** The path of one of the module's auth routes, e.g. `authRoute(options, 'login')`. */
export function authRoute(options: WixVisitorRuntimeOptions, route: 'login' | 'callback' | 'logout' | 'logout-callback'): string {
  return `${options.auth ? options.auth.prefix : AUTH_PREFIX_DEFAULT}/${route}`
}

/** `path` (a same-origin path) with `params` added to its query. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const url = new URL(path, 'http://site.invalid')
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
  return `${url.pathname}${url.search}${url.hash}`
}

/** A reason code safe to echo: letters and underscores only. */
export function reasonOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z_]{1,40}$/.test(value) ? value : undefined
}

/** The error a page shows for a login outcome found in its URL's query, or `null`. */
export function authErrorOf(search: string): WixVisitorErrorInfo | null {
  const reason = reasonOf(new URLSearchParams(search).get(AUTH_ERROR_PARAM))
  if (!reason) return null
  return { message: `nuxt-wix-visitor: ${MESSAGES[reason] ?? `the login failed (${reason})`}`, status: null, transient: false, reason }
}
