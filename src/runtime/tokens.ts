// The Wix OAuth tokens: their validation and their expiry. The requests are in grants.ts and the error a
// failed one gives in token-error.ts, both loaded when a session first needs a request.
import type { Tokens, TokensInput, TokenRole } from './types'

const ROLES: readonly string[] = ['visitor', 'member', 'none'] satisfies TokenRole[]
const MAX_EXPIRES_AT = 8.64e12

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * Checks a value against the `Tokens` shape and returns a clean copy.
 * @throws TypeError naming the first wrong field; `label` prefixes the message.
 */
export function validateTokens(value: unknown, label: string): Tokens {
  const fail = (field: string, rule: string): never => {
    throw new TypeError(`${label}: ${field} ${rule}`)
  }
  if (!isObject(value)) fail('tokens', 'must be an object with accessToken and refreshToken')
  const { accessToken, refreshToken } = value as Record<string, unknown>
  if (!isObject(accessToken)) fail('accessToken', 'must be an object { value, expiresAt }')
  if (!isObject(refreshToken)) fail('refreshToken', 'must be an object { value, role }')
  const access = accessToken as Record<string, unknown>
  const refresh = refreshToken as Record<string, unknown>
  // The access token goes into an Authorization header: visible ASCII only, or no request could carry it.
  if (typeof access.value !== 'string' || !/^[\x21-\x7E]*$/.test(access.value)) fail('accessToken.value', 'must be a string of visible ASCII characters')
  // Beyond 8.64e12 seconds no Date can hold the expiry.
  if (typeof access.expiresAt !== 'number' || !Number.isFinite(access.expiresAt) || access.expiresAt < 0 || access.expiresAt > MAX_EXPIRES_AT) {
    fail('accessToken.expiresAt', 'must be a non-negative number of epoch seconds (at most 8.64e12)')
  }
  if (typeof refresh.value !== 'string' || refresh.value === '') fail('refreshToken.value', 'must be a non-empty string')
  if (!ROLES.includes(refresh.role as string)) fail('refreshToken.role', `must be one of ${ROLES.join(', ')}`)
  return {
    accessToken: { value: access.value as string, expiresAt: access.expiresAt as number },
    refreshToken: { value: refresh.value as string, role: refresh.role as TokenRole },
  }
}

/** Like `validateTokens`, but answers `null` instead of throwing: for values read from storage. */
export function parseTokens(value: unknown): Tokens | null {
  try {
    return validateTokens(value, 'stored tokens')
  }
  catch {
    return null
  }
}

/** A copy of `tokens` that shares nothing with it. */
export function copyTokens(tokens: Tokens): Tokens {
  return { accessToken: { ...tokens.accessToken }, refreshToken: { ...tokens.refreshToken } }
}

/** `true` when `input` is the SDK's empty value or carries no refresh token: nothing to go on. */
export function hasRefreshToken(input: TokensInput | null | undefined): boolean {
  return typeof input?.refreshToken?.value === 'string' && input.refreshToken.value !== ''
}

export const nowInSeconds = () => Math.floor(Date.now() / 1000)

/**
 * `true` when the access token is missing, expired, or expires within `marginSeconds`.
 * With a margin of 0 this is the SDK's own rule.
 */
export function isAccessTokenExpired(tokens: Pick<Tokens, 'accessToken'>, marginSeconds = 0): boolean {
  return !tokens.accessToken.value || tokens.accessToken.expiresAt < nowInSeconds() + marginSeconds
}

/** Where and how to reach the token endpoint. */
export interface TokenEndpoint {
  clientId: string
  apiBaseUrl: string
  /** Milliseconds before a request counts as a (transient) failure. */
  timeout: number
  /** Sends every grant through a circuit breaker (the server's); none in the browser. */
  breaker?: { run: <T>(request: () => Promise<T>) => Promise<T> }
}

/**
 * `true` when a session holding `tokens` needs a token request to be usable: its access token is due, or
 * there is none and it may mint one.
 */
export function needsRequest(tokens: Tokens | null, options: { autoGenerate: boolean, renewBeforeExpiry: number }): boolean {
  return tokens ? isAccessTokenExpired(tokens, options.renewBeforeExpiry) : options.autoGenerate
}
