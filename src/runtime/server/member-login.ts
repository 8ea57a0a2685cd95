// The server side of a member login: PKCE, the `state` check, the short-lived cookie that carries one
// login attempt from the login route to the callback, and the rules for where the browser may be sent.
import { deleteCookie, getCookie, getRequestHeader, getRequestURL, parseCookies, setCookie, setResponseHeader } from 'h3'
import type { H3Event } from 'h3'
import type { WixVisitorRuntimeOptions } from '../types'

/** How long a login attempt may take, in seconds: the attempt's cookie lives as long. */
export const LOGIN_ATTEMPT_SECONDS = 30 * 60
const STATE = /^[\w-]{32}$/
const COOKIE_PREFIX = 'wixLogin_'

/** One login attempt, between the login route and the callback. */
export interface LoginAttempt {
  state: string
  codeVerifier: string
  codeChallenge: string
  redirectUri: string
  returnTo: string
  /** Epoch seconds. */
  startedAt: number
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const randomString = (bytes: number) => base64url(crypto.getRandomValues(new Uint8Array(bytes)))

/** A new attempt: a 43-character PKCE verifier, its S256 challenge, and a random `state`. */
export async function startLoginAttempt(returnTo: string, redirectUri: string): Promise<LoginAttempt> {
  const codeVerifier = randomString(32)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier))
  return { state: randomString(24), codeVerifier, codeChallenge: base64url(new Uint8Array(digest)), redirectUri, returnTo, startedAt: Math.floor(Date.now() / 1000) }
}

/**
 * `value` when it is a path on this site, else `/`. Refuses absolute URLs, `//host`, backslashes and
 * their encoded forms, and anything a browser would read as another host once it drops tabs and newlines.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > RETURN_TO_LIMIT || !isPlainPath(value)) return '/'
  let url: URL
  try {
    url = new URL(value, 'http://site.invalid')
  }
  catch {
    return '/'
  }
  // Checked again once normalised: dot segments can bring an encoded slash to the front.
  const path = `${url.pathname}${url.search}${url.hash}`
  return url.origin === 'http://site.invalid' && isPlainPath(path) ? path : '/'
}

/** The longest `returnTo` kept: it travels in the login cookie, which must stay well under 4 kB. */
const RETURN_TO_LIMIT = 1024

function isPlainPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !/[\\\s\p{Cc}]|%5c|%2f%2f|^\/%2f/iu.test(value)
}

/** The site's public origin: `siteUrl` when configured, else the request's own (a malformed Host throws). */
export function siteOrigin(event: H3Event, options: WixVisitorRuntimeOptions): string {
  return options.siteUrl ? new URL(options.siteUrl).origin : getRequestURL(event).origin
}

/** Answers of the auth routes carry sessions and one-time data: no cache may keep them. */
export function noStore(event: H3Event): void {
  setResponseHeader(event, 'cache-control', 'no-store')
}

/** The cookie that tells every tab of this browser which member logged out, so no stored copy brings it back. */
export const LOGGED_OUT_COOKIE = 'wixLoggedOut'

/** Remembers in a cookie the page can read that the member with `marker` logged out (a day; no token in it). */
export function rememberLogout(event: H3Event, options: WixVisitorRuntimeOptions, marker: string): void {
  setCookie(event, LOGGED_OUT_COOKIE, marker, { path: '/', sameSite: 'lax', secure: isSecure(options), httpOnly: false, maxAge: 24 * 60 * 60 })
}

/** The auth routes' cookies are Secure as the session cookie is (without one, everywhere but in development). */
function isSecure(options: WixVisitorRuntimeOptions): boolean {
  return options.cookie ? options.cookie.secure : !import.meta.dev
}

/** The attributes a login attempt's cookie is written and deleted with: httpOnly, Lax, the routes' path only. */
function attemptCookie(options: WixVisitorRuntimeOptions) {
  return { httpOnly: true, sameSite: 'lax', path: options.auth ? options.auth.prefix : '/' } as const
}

/**
 * `true` when the request comes from the site's own pages: the browser says so (`Sec-Fetch-Site`), or its
 * `Origin` (or `Referer`) is the site's. Without any of them only a POST passes (a form or a script). A GET
 * must be a navigation to a document: an image or a prefetch on the site's own pages cannot log anyone out.
 */
export function isSameOriginRequest(event: H3Event, options: WixVisitorRuntimeOptions): boolean {
  const dest = getRequestHeader(event, 'sec-fetch-dest')
  if (event.method === 'GET' && ((dest && dest !== 'document') || getRequestHeader(event, 'sec-purpose') || getRequestHeader(event, 'purpose'))) return false
  const fetchSite = getRequestHeader(event, 'sec-fetch-site')
  if (fetchSite) return fetchSite === 'same-origin'
  const from = getRequestHeader(event, 'origin') ?? getRequestHeader(event, 'referer')
  if (!from) return event.method === 'POST'
  try {
    return new URL(from).origin === siteOrigin(event, options)
  }
  catch {
    return false
  }
}

/** Attempts kept at once: older ones are dropped, so abandoned logins cannot pile up into a request too large. */
const ATTEMPTS_KEPT = 3

/** Keeps the attempt in an httpOnly cookie of its own (named by its state), so parallel logins do not clash. */
export function saveLoginAttempt(event: H3Event, options: WixVisitorRuntimeOptions, attempt: LoginAttempt): void {
  const { state, codeVerifier, redirectUri, returnTo, startedAt } = attempt
  const older = Object.keys(parseCookies(event)).filter(name => name.startsWith(COOKIE_PREFIX))
  for (const name of older.slice(0, Math.max(0, older.length - (ATTEMPTS_KEPT - 1)))) deleteCookie(event, name, attemptCookie(options))
  setCookie(event, `${COOKIE_PREFIX}${state}`, JSON.stringify({ codeVerifier, redirectUri, returnTo, startedAt }), {
    ...attemptCookie(options),
    secure: isSecure(options),
    maxAge: LOGIN_ATTEMPT_SECONDS,
  })
}

/** A callback's attempt, or why there is none. The state is checked before anything else is read. */
export type TakenAttempt = { attempt: Omit<LoginAttempt, 'codeChallenge'> } | { reason: 'state' | 'expired' }

/** Reads and removes the attempt `state` names; a wrong, missing or tampered state finds none. */
export function takeLoginAttempt(event: H3Event, options: WixVisitorRuntimeOptions, state: unknown): TakenAttempt {
  if (typeof state !== 'string' || !STATE.test(state)) return { reason: 'state' }
  const name = `${COOKIE_PREFIX}${state}`
  const raw = getCookie(event, name)
  if (!raw) return { reason: 'state' }
  deleteCookie(event, name, attemptCookie(options))
  let stored: Record<string, unknown>
  try {
    stored = JSON.parse(raw)
  }
  catch {
    return { reason: 'state' }
  }
  const { codeVerifier, redirectUri, returnTo, startedAt } = stored ?? {}
  if (typeof codeVerifier !== 'string' || typeof redirectUri !== 'string' || typeof startedAt !== 'number') return { reason: 'state' }
  if (!(Math.floor(Date.now() / 1000) - startedAt <= LOGIN_ATTEMPT_SECONDS)) return { reason: 'expired' }
  return { attempt: { state, codeVerifier, redirectUri, returnTo: safeReturnTo(returnTo), startedAt } }
}
