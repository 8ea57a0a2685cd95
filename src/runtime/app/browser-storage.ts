// The browser's copies of the session: the cookie the server also reads, and localStorage.
import { chooseStoredSession, decodeStoredSession, encodeStoredSession, isSameVisitor } from '../stored-session'
import { isAccessTokenExpired } from '../tokens'
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

/** The session in the cookie, validated; `null` when absent, foreign or malformed. */
export function readCookieSession(options: WixVisitorRuntimeOptions): Tokens | null {
  return options.cookie ? decodeStoredSession(readRawCookie(options.cookie.name), options.clientId) : null
}

/** The session in localStorage, validated; `null` when absent, foreign, malformed or unavailable. */
export function readLocalSession(options: WixVisitorRuntimeOptions): Tokens | null {
  const key = localStorageKey(options)
  try {
    return key ? decodeStoredSession(window.localStorage.getItem(key), options.clientId) : null
  }
  catch {
    return null
  }
}

/** Writes the session (or its absence) to the cookie and to localStorage, as configured. Never throws. */
export function writeBrowserSession(options: WixVisitorRuntimeOptions, tokens: Tokens | null): void {
  const value = tokens && encodeStoredSession(options.clientId, tokens)
  const { cookie } = options
  if (cookie) {
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
  if (!key) return
  try {
    if (value) window.localStorage.setItem(key, value)
    else window.localStorage.removeItem(key)
  }
  catch {
    // Storage can be full or blocked (private mode); the cookie still carries the session.
  }
}

/** The session this browser keeps, as stored now: the cookie's or localStorage's, whichever wins. */
export function readBrowserSession(options: WixVisitorRuntimeOptions): Tokens | null {
  return chooseStoredSession(readCookieSession(options), readLocalSession(options), false)
}

/** How long a tab that waited for another tab's mint gives that tab's stored visitor to reach it. */
const HANDOFF_MS = 1000

/**
 * Runs a mint while holding a lock shared by the site's tabs (Web Locks, where the browser has them), and
 * skips it when another tab stored a usable visitor (not the one being replaced): a browser gets one
 * visitor, not one a tab. `mint` must store its visitor before it resolves.
 */
export async function mintOncePerBrowser(options: WixVisitorRuntimeOptions, mint: () => Promise<Tokens>, replacing: Tokens | null): Promise<Tokens> {
  const locks = globalThis.navigator?.locks
  if (!locks) return mint()
  // localStorage is what tabs share their writes through, in step with the storage events; the cookie
  // can lag behind another tab's writes (a cleared visitor still showing), so it counts only without it.
  const stored = () => {
    const tokens = localStorageKey(options) ? readLocalSession(options) : readCookieSession(options)
    return tokens && !isSameVisitor(tokens, replacing) && !isAccessTokenExpired(tokens) ? tokens : null
  }
  const name = `nuxt-wix-visitor:${options.clientId}`
  const uncontended = await locks.request(name, { ifAvailable: true }, async lock => lock && (stored() ?? await mint()))
  if (uncontended) return uncontended
  // Another tab held the lock, most likely minting. Its storage writes travel apart from the lock, so
  // they can arrive just after this tab gets its turn: give them a moment before minting again.
  return locks.request(name, async () => stored() ?? await storedSoon(stored) ?? await mint())
}

/** Resolves to `find()`'s answer as soon as a storage event brings one, or after HANDOFF_MS to a last look. */
function storedSoon(find: () => Tokens | null): Promise<Tokens | null> {
  return new Promise((resolve) => {
    const finish = (found: Tokens | null) => {
      clearTimeout(timer)
      window.removeEventListener('storage', onStorage)
      resolve(found)
    }
    const onStorage = () => {
      const found = find()
      if (found) finish(found)
    }
    const timer = setTimeout(() => finish(find()), HANDOFF_MS)
    window.addEventListener('storage', onStorage)
  })
}
