// The rules the module's options follow: checked at build time (an error), and at server start for the
// values the environment may still set then (a warning).
import type { WixVisitorBreakerOptions, WixVisitorCookieOptions, WixVisitorRuntimeOptions } from './types'

/** The cookie a configuration gets for any field it leaves out. */
export const COOKIE_DEFAULTS: Omit<WixVisitorCookieOptions, 'secure'> = { name: 'wixSession', maxAge: 60 * 60 * 24 * 30, path: '/', sameSite: 'lax' }

/** The server's breaker for any value a configuration leaves out, or sets at run time to something unusable. */
export const BREAKER_DEFAULTS: WixVisitorBreakerOptions = { threshold: 3, cooldown: 5000, maxCooldown: 60_000 }

/** Where the login and logout routes live unless `auth.prefix` says otherwise. */
export const AUTH_PREFIX_DEFAULT = '/_wix/auth'

const SAME_SITE = ['lax', 'strict', 'none']
// RFC 6265: a cookie name is a token; path and domain hold no control characters, spaces or semicolons.
const COOKIE_NAME = /^[\w!#$%&'*+.^`|~-]+$/
const COOKIE_TEXT = /^[^\s;\p{Cc}]*$/u

/** The problems of `cookie`'s fields, each a sentence naming the field; empty when every field is usable. */
export function cookieProblems(cookie: Partial<WixVisitorCookieOptions>): string[] {
  const problems: string[] = []
  if (typeof cookie.name !== 'string' || !COOKIE_NAME.test(cookie.name)) problems.push(`wixVisitor.cookie.name must be a cookie name (letters, digits and !#$%&'*+.^_\`|~-), got ${JSON.stringify(cookie.name)}`)
  if (typeof cookie.maxAge !== 'number' || !Number.isInteger(cookie.maxAge) || cookie.maxAge <= 0) problems.push(`wixVisitor.cookie.maxAge must be a whole number of seconds > 0, got ${JSON.stringify(cookie.maxAge)}`)
  if (typeof cookie.path !== 'string' || !cookie.path.startsWith('/') || !COOKIE_TEXT.test(cookie.path)) problems.push(`wixVisitor.cookie.path must be a path starting with /, got ${JSON.stringify(cookie.path)}`)
  if (!SAME_SITE.includes(cookie.sameSite as string)) problems.push(`wixVisitor.cookie.sameSite must be one of ${SAME_SITE.join(', ')}, got ${JSON.stringify(cookie.sameSite)}`)
  if (typeof cookie.secure !== 'boolean') problems.push(`wixVisitor.cookie.secure must be true or false, got ${JSON.stringify(cookie.secure)}`)
  else if (cookie.sameSite === 'none' && !cookie.secure) problems.push('wixVisitor.cookie.sameSite \'none\' needs cookie.secure: true (browsers drop such a cookie otherwise)')
  if (cookie.domain !== undefined && cookie.domain !== '' && (typeof cookie.domain !== 'string' || !COOKIE_TEXT.test(cookie.domain))) problems.push(`wixVisitor.cookie.domain must be a domain name, got ${JSON.stringify(cookie.domain)}`)
  return problems
}

/** Every problem of the options, each a sentence naming the option. */
export function optionProblems(options: WixVisitorRuntimeOptions): string[] {
  const problems: string[] = []
  if (!/^https?:\/\/[^/]+/.test(options.apiBaseUrl)) problems.push(`wixVisitor.apiBaseUrl must be an absolute http(s) URL, got ${JSON.stringify(options.apiBaseUrl)}`)
  if (!(options.renewBeforeExpiry >= 0)) problems.push('wixVisitor.renewBeforeExpiry must be a number of seconds >= 0')
  if (!(options.timeout > 0)) problems.push('wixVisitor.timeout must be a number of milliseconds > 0')
  if (options.cookie) problems.push(...cookieProblems(options.cookie))
  if (options.auth && !/^(?:\/[\w.~-]+)+$/.test(options.auth.prefix)) problems.push(`wixVisitor.auth.prefix must be a path such as '/_wix/auth', got ${JSON.stringify(options.auth.prefix)}`)
  if (options.siteUrl && !/^https?:\/\/[^/]+\/?$/.test(options.siteUrl)) problems.push(`wixVisitor.siteUrl must be an origin such as 'https://shop.example', got ${JSON.stringify(options.siteUrl)}`)
  return problems
}

/** The breaker options with each value that is not a positive number replaced by its default; `warn` hears which. */
export function usableBreaker(breaker: Partial<WixVisitorBreakerOptions>, warn: (problem: string) => void): WixVisitorBreakerOptions {
  const usable = { ...BREAKER_DEFAULTS }
  for (const name of Object.keys(BREAKER_DEFAULTS) as (keyof WixVisitorBreakerOptions)[]) {
    const value = breaker[name]
    if (typeof value === 'number' && value > 0) usable[name] = value
    else warn(`wixVisitor.breaker.${name} must be a number > 0, got ${JSON.stringify(value)}; its default is used instead`)
  }
  return usable
}
