// The browser's copies of the session: the cookie the server also reads, and localStorage.
import { cookieSizeProblem, decodeStoredSession, encodeStoredSession, visitorMarker } from '../stored-session'
import type { Tokens, WixVisitorRuntimeOptions } from '../types'

/** The localStorage key: the configured one, or one scoped by client id. */
export function localStorageKey(options: WixVisitorRuntimeOptions): string | null {
  if (!options.localStorage) return null
  return options.localStorage.key || `wixSession:${options.clientId}`
}

function readRawCookie(name: string): string | null {
  const prefix = `${encodeURIComponent(name)}=`
  const entry = document.cookie.split('; ').find(part => part.startsWith(prefix))
  if (!entry) return null
  try {
    return decodeURIComponent(entry.slice(prefix.length))
  }
  catch {
    return null
  }
}

/**
 * `null` for the session of a member who logged out in this browser (the logout route names it, by marker,
 * in a cookie every tab can read), so no stored copy brings that member back; else `tokens`.
 */
function unlessLoggedOut(tokens: Tokens | null): Tokens | null {
  return tokens && readRawCookie('wixLoggedOut') === visitorMarker(tokens) ? null : tokens
}

/** Removes the stored copies (cookie, localStorage) of a member who logged out in this browser. */
export function forgetLoggedOut(options: WixVisitorRuntimeOptions): void {
  const cookie = options.cookie
  const inCookie = cookie ? decodeStoredSession(readRawCookie(cookie.name), options.clientId) : null
  const inLocal = decodeStoredSession(readRawLocal(options), options.clientId)
  if (inCookie && !unlessLoggedOut(inCookie)) writeBrowserSession({ ...options, localStorage: false }, null)
  if (inLocal && !unlessLoggedOut(inLocal)) writeBrowserSession({ ...options, cookie: false }, null)
}

/** The session in the cookie, validated; `null` when absent, foreign, malformed or logged out. */
export function readCookieSession(options: WixVisitorRuntimeOptions): Tokens | null {
  const cookie = options.cookie
  return cookie ? unlessLoggedOut(decodeStoredSession(readRawCookie(cookie.name), options.clientId)) : null
}

/**
 * The raw value under the localStorage key: `null` when there is none, `undefined` when localStorage is
 * off or the browser blocks it (the cookie is then all there is).
 */
function readRawLocal(options: WixVisitorRuntimeOptions): string | null | undefined {
  const key = localStorageKey(options)
  try {
    return key ? window.localStorage.getItem(key) : undefined
  }
  catch {
    return undefined
  }
}

/** The session in localStorage, validated; `null` when absent, foreign, malformed, logged out or unavailable. */
export function readLocalSession(options: WixVisitorRuntimeOptions): Tokens | null {
  return unlessLoggedOut(decodeStoredSession(readRawLocal(options), options.clientId))
}

/**
 * The session the site's tabs share: what localStorage holds now, which moves in step with the storage
 * events (the cookie can lag behind another tab's writes). The cookie stands in where localStorage is off
 * or blocked, or holds something that is not a session. No value under the key means no session, which is
 * how a tab clears it, unless `absentMeansCookie` (a script emptied all of localStorage, say).
 */
export function readSharedSession(options: WixVisitorRuntimeOptions, absentMeansCookie = false): Tokens | null {
  const raw = readRawLocal(options)
  if (raw === null && !absentMeansCookie) return null
  return unlessLoggedOut(decodeStoredSession(raw, options.clientId)) ?? readCookieSession(options)
}

/**
 * Writes the session (or its absence) to the cookie and to localStorage, as configured. Never throws:
 * answers what could not be written (a session over the size a cookie may hold), if anything.
 */
export function writeBrowserSession(options: WixVisitorRuntimeOptions, tokens: Tokens | null): string | undefined {
  const value = tokens && encodeStoredSession(options.clientId, tokens)
  const cookie = options.cookie
  const problem = cookie && value ? cookieSizeProblem(cookie.name, value, cookie.domain) : undefined
  if (cookie && !problem) {
    const attributes = [
      `Path=${cookie.path}`,
      `Max-Age=${value ? cookie.maxAge : 0}`,
      `SameSite=${cookie.sameSite[0]!.toUpperCase()}${cookie.sameSite.slice(1)}`,
      cookie.domain && `Domain=${cookie.domain}`,
      cookie.secure && 'Secure',
    ].filter(Boolean)
    document.cookie = [`${encodeURIComponent(cookie.name)}=${value ? encodeURIComponent(value) : ''}`, ...attributes].join('; ')
  }
  const key = localStorageKey(options)
  if (!key) return problem
  try {
    if (value) window.localStorage.setItem(key, value)
    else window.localStorage.removeItem(key)
  }
  catch {
    // Storage can be full or blocked (private mode); the cookie still carries the session.
  }
  return problem
}
