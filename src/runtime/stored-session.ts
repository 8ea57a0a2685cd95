// What the cookie and localStorage hold, how to read it back, and which of two stored sessions wins.
import { parseTokens } from './tokens'
import type { Tokens } from './types'

/** The stored shape, shared with `@wix/astro`: `{ clientId, tokens }` as JSON. */
export function encodeStoredSession(clientId: string, tokens: Tokens): string {
  return JSON.stringify({ clientId, tokens })
}

/** What a browser keeps of one cookie at most: name, value and attributes. */
export const COOKIE_LIMIT = 4096

/** Why the stored `value` cannot go into the cookie `name`: too large with its attributes; else `undefined`. */
export function cookieSizeProblem(name: string, value: string, domain = ''): string | undefined {
  // Path, Max-Age, SameSite and Secure take under 100 bytes.
  const size = name.length + 1 + encodeURIComponent(value).length + 100 + domain.length
  if (size <= COOKIE_LIMIT) return undefined
  return `nuxt-wix-visitor: the session (about ${size} bytes with its attributes) is over the ${COOKIE_LIMIT} bytes a cookie may hold, so the cookie was not written`
}

/**
 * Reads a stored value back. Accepts `{ clientId, tokens }` and a bare `Tokens` JSON (as Wix's Next.js
 * templates write it). Anything else, or a session of another client id, reads as `null`: never a throw.
 */
export function decodeStoredSession(raw: string | null | undefined, clientId: string): Tokens | null {
  if (!raw) return null
  let value: unknown
  try {
    value = JSON.parse(raw)
  }
  catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  if ('clientId' in value || 'tokens' in value) {
    const stored = value as { clientId?: unknown, tokens?: unknown }
    return stored.clientId === clientId ? parseTokens(stored.tokens) : null
  }
  return parseTokens(value)
}

/**
 * A short, non-secret marker of a session's visitor (a 32-bit FNV-1a hash of the refresh token, as hex):
 * enough for the page to tell which visitor the server rendered, nothing to recover a token from.
 */
export function visitorMarker(tokens: Tokens | null): string | null {
  if (!tokens) return null
  let hash = 0x811C9DC5
  for (const char of tokens.refreshToken.value) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/** `true` when both hold the same visitor: the same refresh token. */
export function isSameVisitor(a: Tokens | null, b: Tokens | null): boolean {
  return !!a && !!b && a.refreshToken.value === b.refreshToken.value
}

/** `true` when both hold exactly the same tokens, or both none. */
export function isSameSession(a: Tokens | null, b: Tokens | null): boolean {
  return a === b || (isSameVisitor(a, b) && a!.accessToken.value === b!.accessToken.value && a!.accessToken.expiresAt === b!.accessToken.expiresAt)
}

/**
 * Chooses between the cookie's session and localStorage's.
 * - Only one holds a session: that one.
 * - Same visitor: the later-expiring access token.
 * - Different visitors: the cookie's (what the page was rendered with), unless the server minted the
 *   cookie's visitor in this very response for lack of a cookie: then the older visitor in localStorage
 *   keeps its cart and wins.
 */
export function chooseStoredSession(cookie: Tokens | null, local: Tokens | null, mintedOnServer: boolean): Tokens | null {
  if (!cookie || !local) return cookie ?? local
  if (isSameVisitor(cookie, local)) {
    return local.accessToken.expiresAt > cookie.accessToken.expiresAt ? local : cookie
  }
  return mintedOnServer ? local : cookie
}
