/** Who a refresh token belongs to: an anonymous visitor, a logged-in member, or nobody yet. */
export type TokenRole = 'visitor' | 'member' | 'none'

/** An OAuth access token; `expiresAt` is in epoch seconds, as in `@wix/sdk`. */
export interface AccessToken {
  value: string
  expiresAt: number
}

/** An OAuth refresh token: the visitor's lasting identity. */
export interface RefreshToken {
  value: string
  role: TokenRole
}

/** A visitor session, shaped like `@wix/sdk`'s `Tokens` so it can be handed to `OAuthStrategy`. */
export interface Tokens {
  accessToken: AccessToken
  refreshToken: RefreshToken
}

/** What the setters accept: `@wix/sdk`'s `Tokens`, whose role is typed as a plain string. */
export interface TokensInput {
  accessToken: { value: string, expiresAt: number }
  refreshToken: { value: string, role: string }
}

/** A failed token request, as kept in the store: plain data, so it survives the SSR payload. */
export interface WixVisitorErrorInfo {
  /** What went wrong, never containing a token value. */
  message: string
  /** HTTP status of the token endpoint's answer; `null` for a network error, a timeout or a missing client id. */
  status: number | null
  /** `true` for a failure worth retrying later (network, timeout, 408, 425, 429, 5xx, an answer without a usable token). */
  transient: boolean
  /**
   * A short code for what happened: `breaker_open` (the server paused token requests after failures in a
   * row), `storage` (the session could not be written), `cookie_lost` (the server's cookie never reached
   * the browser), `member_ended` (Wix refused a member's refresh token), or a login's or logout's outcome
   * (`access_denied`, `login_required`, `state`, `expired`, `exchange`, `login_failed`, `logout_failed`;
   * see docs/members.md). Absent for other token request failures.
   */
  reason?: string
}

/** Options of the session cookie. */
export interface WixVisitorCookieOptions {
  /** @default 'wixSession' */
  name: string
  /** Lifetime in seconds. @default 2592000 (30 days) */
  maxAge: number
  /** @default '/' */
  path: string
  /** @default 'lax' */
  sameSite: 'lax' | 'strict' | 'none'
  /** @default true, except in `nuxt dev` (where it is true only with `sameSite: 'none'`) */
  secure: boolean
  /** Cookie domain, to share the session across subdomains. @default undefined (the current host) */
  domain?: string
}

/** Options of the localStorage copy of the session. */
export interface WixVisitorLocalStorageOptions {
  /** @default `wixSession:<clientId>` */
  key?: string
}

/** Options of the server's circuit breaker for the token endpoint. */
export interface WixVisitorBreakerOptions {
  /** Transient failures in a row (network, timeout, 408, 425, 429, 5xx) that open it. @default 3 */
  threshold: number
  /** Milliseconds of the first cool-down, doubled at each reopening, with jitter; a Retry-After answer sets it. @default 5000 */
  cooldown: number
  /** Milliseconds no cool-down exceeds. @default 60000 */
  maxCooldown: number
}

/** Options of the login, callback and logout routes the module registers. */
export interface WixVisitorAuthOptions {
  /** Path prefix of the routes: `{prefix}/login`, `/callback`, `/logout`, `/logout-callback`. @default '/_wix/auth' */
  prefix: string
}

/** What may change after the build: two keys of `runtimeConfig.public`, one environment variable each. */
export interface WixVisitorPublicConfig {
  /** The OAuth app's client id; `NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID`. */
  wixVisitorClientId: string
  /** The Wix APIs' base URL; `NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL`. */
  wixVisitorApiBaseUrl: string
}

/** The options as the runtime sees them: fixed in the build, with `WixVisitorPublicConfig` in place. */
export interface WixVisitorRuntimeOptions {
  clientId: string
  apiBaseUrl: string
  autoGenerate: boolean
  renewBeforeExpiry: number
  timeout: number
  cookie: WixVisitorCookieOptions | false
  localStorage: WixVisitorLocalStorageOptions | false
  auth: WixVisitorAuthOptions | false
  siteUrl: string
}
