// The token requests of a VisitorSession, loaded when a session first needs one: the SDK's generate /
// renew semantics, one flight per request, and the keep-the-visitor rule. `at` is the session when the
// app (or the session itself) asked: the request acts on its tokens, and its answer gives way to any
// change made since. Without `at`, the session as it is now.
import { needsRequest, validateTokens } from './tokens'
import { WixTokenError } from './token-error'
import { requestRenewedTokens, requestVisitorTokens } from './grants'
import { shareFlight } from './shared-flight'
import type { SessionAtCall, VisitorSession } from './session'
import type { Tokens, TokensInput } from './types'

/**
 * Runs one token request per key at a time: concurrent callers share the flight and its result.
 * `background` marks a request the session makes by itself to stay usable, rather than one the app asked
 * for: it gives way to any change since, not only to the app's.
 */
function flight(session: VisitorSession, key: string, request: (land: (tokens: Tokens) => void) => Promise<Tokens>, background: boolean, at?: SessionAtCall): Promise<Tokens> {
  let flight = session.flights.get(key)
  if (flight) return flight
  if (session.failures.has(key)) return Promise.reject(session.failures.get(key))
  const counter = () => background ? session.changes : session.version
  const startedAt = at ? (background ? at.changes : at.version) : counter()
  let landed = false
  // Makes the answer active unless a change it gives way to came first; a request may land it early.
  const land = (tokens: Tokens) => {
    if (landed || counter() !== startedAt) return
    landed = true
    session.commit(tokens)
  }
  flight = request(land)
    .then((tokens) => {
      session.error = null
      land(tokens)
      return tokens
    }, (error: unknown) => {
      // By shape: the server's breaker belongs to the other copy of the runtime, with its own error class.
      session.error = typeof (error as WixTokenError)?.toInfo === 'function'
        ? (error as WixTokenError).toInfo()
        : { message: String((error as Error)?.message ?? error), status: null, transient: true }
      if (session.options.retryFailures === false) session.failures.set(key, error)
      throw error
    })
    .finally(() => {
      session.flights.delete(key)
      session.notify('request')
    })
  session.flights.set(key, flight)
  session.notify('request')
  return flight
}

/** Mints a new anonymous visitor; `background`: the session's own mint, exclusive across the browser's tabs. */
export function mint(session: VisitorSession, background = false, at?: SessionAtCall): Promise<Tokens> {
  const exclusive = background ? session.options.mintExclusively : undefined
  const replacing = at ? at.tokens : session.tokens
  // An exclusive mint may end with another tab's visitor, or none: the app's own mints never share it.
  return flight(session, exclusive ? 'anonymous:exclusive' : 'anonymous', (land) => {
    const request = () => requestVisitorTokens(session.options).then((tokens) => {
      session.minted = tokens.refreshToken.value
      return tokens
    })
    if (!exclusive) return request()
    // The new visitor becomes active and stored before the exclusive section ends, so the other tabs find
    // it there, unless this session followed another tab meanwhile; then it is dropped, and nothing stored.
    return exclusive({ request, land }, replacing)
  }, background, at)
}

function renew(session: VisitorSession, refresh: Tokens['refreshToken'], background: boolean, at?: SessionAtCall): Promise<Tokens> {
  // Concurrent requests of one visitor (pages, server routes) share one renewal per process.
  const renewal = () => shareFlight(`refresh:${session.options.clientId}:${refresh.value}`, () => requestRenewedTokens(session.options, refresh))
  return flight(session, `refresh:${refresh.value}`, renewal, background, at)
}

/** See `VisitorSession.renewToken`. */
export function renewToken(session: VisitorSession, refreshToken: string | TokensInput['refreshToken'] | undefined, at: SessionAtCall): Promise<Tokens> {
  const label = 'useWixVisitor().renewToken'
  const current = at.tokens?.refreshToken
  let refresh: Tokens['refreshToken']
  if (refreshToken === undefined) {
    if (!current) return Promise.reject(new TypeError(`${label}: there is no refresh token to renew; call generateVisitorTokens() first`))
    refresh = current
  }
  else if (typeof refreshToken === 'string') {
    if (!refreshToken) return Promise.reject(new TypeError(`${label}: refreshToken must be a non-empty string`))
    refresh = { value: refreshToken, role: current?.value === refreshToken ? current.role : 'visitor' }
  }
  else {
    try {
      refresh = validateTokens({ accessToken: { value: '', expiresAt: 0 }, refreshToken }, label).refreshToken
    }
    catch (error) {
      return Promise.reject(error)
    }
  }
  return renew(session, refresh, false, at)
}

/** `VisitorSession.generateVisitorTokens` for validated `tokens` whose access token is due (renewed, or a new visitor if Wix refuses), or none (a new visitor). */
export function renewOrMint(session: VisitorSession, tokens: Tokens | null, at: SessionAtCall): Promise<Tokens> {
  return tokens ? renewOrReplace(session, tokens.refreshToken, true, false, at) : mint(session, false, at)
}

async function renewOrReplace(session: VisitorSession, refreshToken: Tokens['refreshToken'], mayMint: boolean, background: boolean, at?: SessionAtCall): Promise<Tokens> {
  try {
    return await renew(session, refreshToken, background, at)
  }
  catch (error) {
    if (!(error instanceof WixTokenError) || !error.rejected) throw error
    // A refused client id refuses the mint as well, which keeps the visitor; without a mint it must say so.
    if (mayMint) {
      const visitor = await mint(session, background)
      if (refreshToken.role === 'member') endMember(session, error)
      return visitor
    }
    if (!error.invalidClient && session.tokens?.refreshToken.value === refreshToken.value) {
      session.clearTokens()
      if (refreshToken.role === 'member') endMember(session, error)
    }
    throw error
  }
}

/** Says that Wix ended the member's session, so no page goes on showing a member who is gone. */
function endMember(session: VisitorSession, cause: WixTokenError) {
  session.report({
    message: 'nuxt-wix-visitor: the member session ended (Wix refused its refresh token); the session is an anonymous visitor now',
    status: cause.status,
    transient: false,
    reason: 'member_ended',
  })
  session.notify('member-ended')
}

/** See `VisitorSession.ensureTokens`. */
export async function ensureTokens(session: VisitorSession, at?: SessionAtCall): Promise<Tokens | null> {
  const tokens = at ? at.tokens : session.tokens
  if (!needsRequest(tokens, session.options)) return tokens
  const result = tokens
    ? await renewOrReplace(session, tokens.refreshToken, session.options.autoGenerate, true, at)
    : await mint(session, true, at)
  // The session changed while the request was out: answer for the session as it is now.
  return result === session.tokens ? result : ensureTokens(session)
}

/** See `VisitorSession.recoverFromUnauthorized`: `tokens` are the session's, which sent the refused request. */
export async function recoverFromUnauthorized(session: VisitorSession, tokens: Tokens, at: SessionAtCall): Promise<void> {
  await renewOrReplace(session, tokens.refreshToken, session.options.autoGenerate, true, at)
}

/** See `VisitorSession.getAccessToken`. */
export async function getAccessToken(session: VisitorSession, at: SessionAtCall): Promise<string> {
  const tokens = await ensureTokens(session, at)
  if (!tokens) {
    throw new WixTokenError('nuxt-wix-visitor: there is no visitor session (autoGenerate is off, or the response is prerendered or cached); call generateVisitorTokens() first', { transient: false })
  }
  return tokens.accessToken.value
}
