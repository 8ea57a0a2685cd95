// The Wix OAuth token protocol: validation, expiry and the three grants (anonymous, refresh, login code).
import { ofetch, FetchError } from 'ofetch'
import type { Tokens, TokensInput, TokenRole, WixVisitorErrorInfo } from './types'

const ROLES: readonly string[] = ['visitor', 'member', 'none'] satisfies TokenRole[]
const MAX_EXPIRES_AT = 8.64e12

/** A failed token request; `transient` failures (network, timeout, 408, 429, 5xx) are worth retrying. */
export class WixTokenError extends Error {
  readonly status: number | null
  readonly transient: boolean
  readonly requestId?: string
  /**
   * `true` when the answer names the client id as the problem (Wix's message about the app id, or OAuth's
   * `invalid_client`): likely a setup error, so a session without a mint to try keeps its visitor.
   */
  readonly invalidClient: boolean
  /** Milliseconds the endpoint asked to wait (its Retry-After), if it said. */
  readonly retryAfter?: number
  /** A short code for the kind of failure, such as `breaker_open`. */
  readonly reason?: string

  constructor(message: string, info: { status?: number | null, transient: boolean, requestId?: string, invalidClient?: boolean, retryAfter?: number, reason?: string }) {
    super(message)
    this.name = 'WixTokenError'
    this.status = info.status ?? null
    this.transient = info.transient
    this.requestId = info.requestId
    this.invalidClient = info.invalidClient ?? false
    this.retryAfter = info.retryAfter
    this.reason = info.reason
  }

  /** `true` when Wix refused the request for good (400, 401, 403): on a refresh, the visitor behind it is gone. */
  get rejected(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403
  }

  toInfo(): WixVisitorErrorInfo {
    return { message: this.message, status: this.status, transient: this.transient, ...this.reason && { reason: this.reason } }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
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

/** `true` when `input` is the SDK's empty value or carries no refresh token: nothing to go on. */
export function hasRefreshToken(input: TokensInput | null | undefined): boolean {
  return typeof input?.refreshToken?.value === 'string' && input.refreshToken.value !== ''
}

const nowInSeconds = () => Math.floor(Date.now() / 1000)

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

/** Milliseconds of a Retry-After header (seconds or an HTTP date), or `undefined`. */
function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now()
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

interface TokenResponse {
  access_token?: unknown
  expires_in?: unknown
  refresh_token?: unknown
}

const TRANSIENT_STATUSES = new Set([408, 425, 429])

function toTokenError(error: unknown, grant: string, secrets: string[]): WixTokenError {
  if (error instanceof WixTokenError) return error
  if (error instanceof FetchError && error.response) {
    const status = error.response.status
    const data = isObject(error.data) ? error.data : {}
    const body = data.message ?? data.error_description ?? data.error
    // Wix's own words go into the message, but never a secret sent (refresh token, code, verifier), should they quote it.
    const detail = typeof body === 'string' ? `: ${secrets.reduce((text, secret) => text.replaceAll(secret, '[redacted]'), body)}` : ''
    // Wix names the app id when it does not know the client id; OAuth servers say invalid_client.
    const invalidClient = (typeof body === 'string' && /\bappId\b/i.test(body)) || data.error === 'invalid_client'
    const hint = invalidClient ? ' (check wixVisitor.clientId)' : ''
    return new WixTokenError(`nuxt-wix-visitor: the ${grant} grant failed with HTTP ${status}${detail}${hint}`, {
      status,
      transient: status >= 500 || TRANSIENT_STATUSES.has(status),
      requestId: error.response.headers.get('x-wix-request-id') ?? undefined,
      invalidClient,
      retryAfter: retryAfterOf(error.response.headers),
    })
  }
  // ofetch wraps an aborted request in a FetchError; the TimeoutError is its cause.
  const timedOut = [error, (error as Error)?.cause].some(cause => (cause as Error)?.name === 'TimeoutError')
  const reason = timedOut ? 'timed out' : 'could not reach the token endpoint'
  return new WixTokenError(`nuxt-wix-visitor: the ${grant} grant ${reason}`, { transient: true })
}

function postGrant(endpoint: TokenEndpoint, body: Record<string, string>): Promise<TokenResponse> {
  return endpoint.breaker ? endpoint.breaker.run(() => sendGrant(endpoint, body)) : sendGrant(endpoint, body)
}

async function sendGrant(endpoint: TokenEndpoint, body: Record<string, string>): Promise<TokenResponse> {
  if (!endpoint.clientId) {
    throw new WixTokenError(
      'nuxt-wix-visitor: no client id configured; set wixVisitor.clientId in nuxt.config or NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID',
      { transient: false },
    )
  }
  try {
    const response = await ofetch<TokenResponse>('/oauth2/token', {
      baseURL: endpoint.apiBaseUrl,
      method: 'POST',
      body: { clientId: endpoint.clientId, ...body },
      timeout: endpoint.timeout,
      retry: 0,
    })
    if (!isObject(response) || typeof response.access_token !== 'string' || !response.access_token
      || typeof response.expires_in !== 'number' || !(response.expires_in > 0)) {
      throw new WixTokenError(`nuxt-wix-visitor: the ${body.grantType} grant answered without a usable access token`, { transient: true })
    }
    return response
  }
  catch (error) {
    const { grantType, ...secrets } = body
    throw toTokenError(error, grantType!, Object.values(secrets).filter(Boolean))
  }
}

function accessTokenFrom(response: TokenResponse) {
  return { value: response.access_token as string, expiresAt: nowInSeconds() + (response.expires_in as number) }
}

/** Mints a new anonymous visitor: one `anonymous` grant. */
export async function requestVisitorTokens(endpoint: TokenEndpoint): Promise<Tokens> {
  const response = await postGrant(endpoint, { grantType: 'anonymous' })
  if (typeof response.refresh_token !== 'string' || !response.refresh_token) {
    throw new WixTokenError('nuxt-wix-visitor: the anonymous grant answered without a refresh token', { transient: true })
  }
  return { accessToken: accessTokenFrom(response), refreshToken: { value: response.refresh_token, role: 'visitor' } }
}

/** Renews the access token: one `refresh_token` grant. The refresh token sent is kept, as the SDK does. */
export async function requestRenewedTokens(endpoint: TokenEndpoint, refreshToken: Tokens['refreshToken']): Promise<Tokens> {
  const response = await postGrant(endpoint, { grantType: 'refresh_token', refreshToken: refreshToken.value })
  return { accessToken: accessTokenFrom(response), refreshToken: { ...refreshToken } }
}

/** What the login callback exchanges for a member's tokens (OAuth authorization code with PKCE). */
export interface AuthorizationCode {
  code: string
  codeVerifier: string
  redirectUri: string
}

/** Exchanges a login's authorization code for the member's tokens: one `authorization_code` grant. */
export async function requestMemberTokens(endpoint: TokenEndpoint, grant: AuthorizationCode): Promise<Tokens> {
  const response = await postGrant(endpoint, { grantType: 'authorization_code', code: grant.code, codeVerifier: grant.codeVerifier, redirectUri: grant.redirectUri })
  if (typeof response.refresh_token !== 'string' || !response.refresh_token) {
    throw new WixTokenError('nuxt-wix-visitor: the authorization_code grant answered without a refresh token', { transient: true })
  }
  return { accessToken: accessTokenFrom(response), refreshToken: { value: response.refresh_token, role: 'member' } }
}
