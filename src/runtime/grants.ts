// The three grants of the Wix OAuth token endpoint (anonymous, refresh, login code), and how a failed one
// becomes a WixTokenError. Loaded on first use: a returning visitor's page view needs none of it.
import { isObject, nowInSeconds } from './tokens'
import { WixTokenError } from './token-error'
import type { TokenEndpoint } from './tokens'
import type { Tokens } from './types'

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

/** The error of an answer with an error status; Wix's own words in it, never a secret sent. */
function statusError(response: Response, data: unknown, grant: string, secrets: string[]): WixTokenError {
  const status = response.status
  const fields = isObject(data) ? data : {}
  const body = fields.message ?? fields.error_description ?? fields.error
  // Wix's own words go into the message, but never a secret sent (refresh token, code, verifier), should they quote it.
  const detail = typeof body === 'string' ? `: ${secrets.reduce((text, secret) => text.replaceAll(secret, '[redacted]'), body)}` : ''
  // Wix names the app id when it does not know the client id; OAuth servers say invalid_client.
  const invalidClient = (typeof body === 'string' && /\bappId\b/i.test(body)) || fields.error === 'invalid_client'
  const hint = invalidClient ? ' (check wixVisitor.clientId)' : ''
  return new WixTokenError(`nuxt-wix-visitor: the ${grant} grant failed with HTTP ${status}${detail}${hint}`, {
    status,
    transient: status >= 500 || TRANSIENT_STATUSES.has(status),
    requestId: response.headers.get('x-wix-request-id') ?? undefined,
    invalidClient,
    retryAfter: retryAfterOf(response.headers),
  })
}

/** The error of a request that got no answer: the endpoint was unreachable, or it took longer than `timeout`. */
function transportError(error: unknown, grant: string): WixTokenError {
  const timedOut = [error, (error as Error)?.cause].some(cause => (cause as Error)?.name === 'TimeoutError')
  const reason = timedOut ? 'timed out' : 'could not reach the token endpoint'
  return new WixTokenError(`nuxt-wix-visitor: the ${grant} grant ${reason}`, { transient: true })
}

/** An AbortSignal that aborts with a TimeoutError after `ms` (by hand where `AbortSignal.timeout` is missing). */
function timeoutSignal(ms: number): AbortSignal {
  if (typeof AbortSignal.timeout === 'function') return AbortSignal.timeout(ms)
  const controller = new AbortController()
  setTimeout(() => controller.abort(new DOMException('The token request timed out', 'TimeoutError')), ms)
  return controller.signal
}

function postGrant(endpoint: TokenEndpoint, body: Record<string, string>): Promise<TokenResponse> {
  return endpoint.breaker ? endpoint.breaker.run(() => sendGrant(endpoint, body)) : sendGrant(endpoint, body)
}

// Plain fetch: one POST, no retry (a session decides what to do with a failure).
async function sendGrant(endpoint: TokenEndpoint, body: Record<string, string>): Promise<TokenResponse> {
  const { grantType, ...sent } = body
  if (!endpoint.clientId) {
    throw new WixTokenError(
      'nuxt-wix-visitor: no client id configured; set wixVisitor.clientId in nuxt.config or NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID',
      { transient: false },
    )
  }
  let response: Response
  let data: unknown
  try {
    response = await fetch(`${endpoint.apiBaseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'application/json' },
      body: JSON.stringify({ clientId: endpoint.clientId, ...body }),
      // Covers the answer's body too: a body that stalls times out like a request that does.
      signal: timeoutSignal(endpoint.timeout),
    })
    const text = await response.text()
    try {
      data = text ? JSON.parse(text) : undefined
    }
    catch {
      // Not JSON: an error status still says what it is; a success without a usable token is refused below.
    }
  }
  catch (error) {
    throw transportError(error, grantType!)
  }
  if (!response.ok) throw statusError(response, data, grantType!, Object.values(sent).filter(Boolean))
  const answer = data as TokenResponse
  if (!isObject(answer) || typeof answer.access_token !== 'string' || !answer.access_token
    || typeof answer.expires_in !== 'number' || !(answer.expires_in > 0)) {
    throw new WixTokenError(`nuxt-wix-visitor: the ${grantType} grant answered without a usable access token`, { transient: true })
  }
  return answer
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
