// A stand-in for the Wix endpoints the module talks to, on 127.0.0.1, for tests and the offline playground.
// Token endpoint as in shared/wix-visitor-protocol.md, plus a small protected cart API keyed by visitor,
// redirect sessions and the Wix-hosted pages they lead to (login, logout, checkout) for one test member.
import { createServer } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'

export const STAND_IN_CLIENT_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'
/** The one member the hosted login page logs in. */
export const STAND_IN_MEMBER_ID = 'test-member'
/** The cookie in which the stand-in keeps its own "Wix login" on its own origin, value the member id. */
export const STAND_IN_MEMBER_COOKIE = 'standInMember'

/** How the token endpoint misbehaves: `down` drops connections, a number answers with that status. */
export type Failure = 'down' | number

export interface TokenRequest {
  grantType: string
  clientId: string
  refreshToken?: string
  code?: string
  codeVerifier?: string
  redirectUri?: string
}

export interface ApiRequest {
  method: string
  path: string
  authorization: string | null
  status: number
}

interface Visitor {
  id: string
  cart: { catalogItemId: string, quantity: number }[]
}

/** The redirect session intents the stand-in serves. */
export type RedirectIntent = 'auth' | 'logout' | 'login' | 'ecomCheckout'

/** An accepted redirect session, as created. */
export interface RedirectSessionRecord {
  id: string
  intent: RedirectIntent
  body: Record<string, unknown>
  authorization: string
}

/** One order placed on the hosted checkout page. */
export interface OrderRecord {
  checkoutId: string
  memberLoggedIn: boolean
}

/** One visit to a hosted logout page; `memberId` is the member logged in then, if any. */
export interface LogoutRecord {
  clientId: string
  memberId: string | null
}

/** What an authorization code stands for until it is exchanged. */
interface AuthorizationCode {
  clientId: string
  codeChallenge: string
  redirectUri: string
  memberId: string
  expiresAt: number
}

interface AuthRequest {
  clientId: string
  redirectUri: string
  codeChallenge: string
  state: string
}

interface Callbacks {
  postFlowUrl?: string
  thankYouPageUrl?: string
  cartPageUrl?: string
}

type HostedHandler = (req: IncomingMessage, res: ServerResponse, session: RedirectSessionRecord) => void

const INTENTS: readonly string[] = ['auth', 'logout', 'login', 'ecomCheckout'] satisfies RedirectIntent[]
// Top-level fields of a redirect session body that come with an intent rather than being one.
const SESSION_EXTRAS = new Set(['callbacks', 'preferences', 'origin'])
const PROMPTS: readonly unknown[] = ['login', 'none', 'consent', 'select_account']
const CALLBACK_NAMES = ['postFlowUrl', 'thankYouPageUrl', 'cartPageUrl'] as const
const CODE_LIFETIME_MS = 10 * 60_000
const HOSTED_PATH = /^\/_stand-in\/hosted\/([^/]+)(?:\/([a-z-]+))?$/

export interface WixStandInOptions {
  /** 0 picks a free port. */
  port?: number
  /** The client ids the stand-in knows. */
  clientIds?: string[]
}

function token(prefix: string) {
  return `${prefix}.${randomBytes(24).toString('base64url')}`
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol)
  }
  catch {
    return false
  }
}

/** The message of the first failed check, or null when every check passes. */
function firstFailure(checks: [ok: boolean, message: string][]): string | null {
  return checks.find(([ok]) => !ok)?.[1] ?? null
}

/** The S256 PKCE challenge of a verifier: base64url of its SHA-256, no padding. */
function pkceChallenge(verifier: string) {
  return createHash('sha256').update(verifier).digest('base64url')
}

/** `target` with `params` set in its query, keeping whatever query it already has. */
function withParams(target: string, params: Record<string, string>) {
  const url = new URL(target)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.href
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

function memberCookie(memberId: string) {
  return `${STAND_IN_MEMBER_COOKIE}=${memberId}; Path=/; HttpOnly; SameSite=Lax`
}

// Max-Age=0 with the same path and flags is how a server removes the cookie it set.
const CLEARED_MEMBER_COOKIE = `${STAND_IN_MEMBER_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`

function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}

/** A hosted page: a title and one form per button, each posting to `${base}/${action}`. */
function hostedPage(title: string, base: string, buttons: { action: string, id: string, label: string }[], note = '') {
  const forms = buttons.map(button =>
    `<form method="post" action="${base}/${button.action}"><button type="submit" id="${button.id}">${escapeHtml(button.label)}</button></form>`)
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>${escapeHtml(title)}</h1>${note ? `<p>${escapeHtml(note)}</p>` : ''}${forms.join('')}</body></html>`
}

/** The one intent a redirect session body asks for, or why it has none the stand-in serves. */
function intentOf(body: Record<string, unknown>): { intent: RedirectIntent } | { error: string } {
  const keys = Object.keys(body).filter(key => !SESSION_EXTRAS.has(key))
  if (keys.length !== 1) return { error: `expected exactly one intent, got ${keys.join(', ') || 'none'}` }
  const [key] = keys as [string]
  if (!INTENTS.includes(key)) return { error: `unsupported intent ${key}` }
  if (!isObject(body[key])) return { error: `${key} must be an object` }
  return { intent: key as RedirectIntent }
}

function callbacksFailure(callbacks: unknown): string | null {
  if (callbacks === undefined) return null
  if (!isObject(callbacks)) return 'callbacks must be an object'
  const bad = CALLBACK_NAMES.find(name => callbacks[name] !== undefined && !isHttpUrl(callbacks[name]))
  return bad ? `callbacks.${bad} must be an absolute http(s) URL` : null
}

function authFailure(auth: Record<string, unknown>, clientIds: Set<string>): string | null {
  const request = auth.authRequest
  if (!isObject(request)) return 'auth.authRequest must be an object'
  return firstFailure([
    [clientIds.has(String(request.clientId)), `unknown clientId ${request.clientId}`],
    [isHttpUrl(request.redirectUri), 'auth.authRequest.redirectUri must be an absolute http(s) URL'],
    [isFilled(request.codeChallenge), 'auth.authRequest.codeChallenge must be a non-empty string'],
    [request.codeChallengeMethod === 'S256', 'auth.authRequest.codeChallengeMethod must be S256'],
    [request.responseType === 'code', 'auth.authRequest.responseType must be code'],
    // The only mode a server-side flow uses; the stand-in serves no other.
    [request.responseMode === 'query', 'auth.authRequest.responseMode must be query'],
    [isFilled(request.state), 'auth.authRequest.state must be a non-empty string'],
    [auth.prompt === undefined || PROMPTS.includes(auth.prompt), `unsupported prompt ${auth.prompt}`],
  ])
}

function logoutFailure(logout: Record<string, unknown>, callbacks: unknown, clientIds: Set<string>): string | null {
  return firstFailure([
    [clientIds.has(String(logout.clientId)), `unknown clientId ${logout.clientId}`],
    [isObject(callbacks) && isHttpUrl(callbacks.postFlowUrl), 'logout needs callbacks.postFlowUrl, an absolute http(s) URL'],
  ])
}

/** Why a redirect session body with a known intent cannot be served, or null. */
function sessionFailure(intent: RedirectIntent, body: Record<string, unknown>, clientIds: Set<string>): string | null {
  const details = body[intent] as Record<string, unknown>
  if (intent === 'auth') return authFailure(details, clientIds)
  if (intent === 'logout') return logoutFailure(details, body.callbacks, clientIds)
  if (intent === 'ecomCheckout') return isFilled(details.checkoutId) ? null : 'ecomCheckout.checkoutId must be a non-empty string'
  return null
}

function authRequestOf(session: RedirectSessionRecord) {
  return (session.body.auth as { authRequest: AuthRequest }).authRequest
}

function callbacksOf(session: RedirectSessionRecord): Callbacks {
  return isObject(session.body.callbacks) ? session.body.callbacks as Callbacks : {}
}

export async function startWixStandIn(options: WixStandInOptions = {}) {
  const clientIds = new Set(options.clientIds ?? [STAND_IN_CLIENT_ID])
  const visitorsByRefresh = new Map<string, Visitor>()
  // One lasting member, refresh tokens in the same map as visitors' so the cart API and renewals serve both.
  const member: Visitor = { id: STAND_IN_MEMBER_ID, cart: [] }
  const members = new Map([[member.id, member]])
  const sessions = new Map<string, RedirectSessionRecord>()
  const codes = new Map<string, AuthorizationCode>()
  const accessTokens = new Map<string, { visitor: Visitor, expiresAt: number }>()
  const sockets = new Set<Socket>()
  /** Gates for the next token requests to arrive, in order; see `holdNext()`. */
  const holds: Promise<void>[] = []

  const state = {
    /** Lifetime of new access tokens, in seconds. */
    accessTokenLifetime: 14_400,
    /** Milliseconds to wait before answering a token request. */
    delay: 0,
    failure: null as Failure | null,
    /** The JSON body a failing token request answers with. */
    failureBody: { message: 'stand-in failure' } as Record<string, unknown>,
    /** Headers a failing token request answers with, such as `retry-after`. */
    failureHeaders: {} as Record<string, string>,
    /** How many token requests still fail; `Infinity` until `recover()`. */
    failuresLeft: 0,
    /** A status the cart API answers every request with, whatever the token; `null` to answer normally. */
    apiFailure: null as number | null,
    tokenRequests: [] as TokenRequest[],
    apiRequests: [] as ApiRequest[],
    redirectSessions: [] as RedirectSessionRecord[],
    logouts: [] as LogoutRecord[],
    orders: [] as OrderRecord[],
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-wix-request-id': randomUUID(), ...headers })
    res.end(JSON.stringify(body))
  }

  const sendHtml = (res: ServerResponse, html: string) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  }

  const redirect = (res: ServerResponse, location: string, cookie?: string) => {
    const headers: OutgoingHttpHeaders = { location }
    if (cookie) headers['set-cookie'] = cookie
    res.writeHead(302, headers).end()
  }

  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let raw = ''
    for await (const chunk of req) raw += chunk
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(raw))
    }
    try {
      return JSON.parse(raw || '{}')
    }
    catch {
      return {}
    }
  }

  const issueAccessToken = (visitor: Visitor, lifetime = state.accessTokenLifetime) => {
    const value = token('at')
    accessTokens.set(value, { visitor, expiresAt: Date.now() + lifetime * 1000 })
    return value
  }

  const createVisitor = () => {
    const refreshToken = token('rt')
    const visitor: Visitor = { id: randomUUID(), cart: [] }
    visitorsByRefresh.set(refreshToken, visitor)
    return { refreshToken, visitor }
  }

  /** A new refresh token for the lasting member record. */
  const issueMemberRefreshToken = () => {
    const refreshToken = token('rt')
    visitorsByRefresh.set(refreshToken, member)
    return refreshToken
  }

  const issueCode = (request: AuthRequest, memberId: string) => {
    const code = token('code')
    const { clientId, codeChallenge, redirectUri } = request
    codes.set(code, { clientId, codeChallenge, redirectUri, memberId, expiresAt: Date.now() + CODE_LIFETIME_MS })
    return code
  }

  /** The member an authorization code stands for, or why the exchange fails. */
  const exchangeCode = (request: TokenRequest): { member: Visitor } | { error: string } => {
    const grant = request.code ? codes.get(request.code) : undefined
    // One-time: a code is spent by any exchange that names it, failed or not.
    if (request.code) codes.delete(request.code)
    const failure = firstFailure([
      [grant !== undefined && grant.expiresAt > Date.now(), 'authorization code unknown, used or expired'],
      [grant?.redirectUri === request.redirectUri, 'redirectUri differs from the authorization request'],
      [grant?.clientId === request.clientId, 'clientId differs from the authorization request'],
      [pkceChallenge(request.codeVerifier ?? '') === grant?.codeChallenge, 'codeVerifier does not match the codeChallenge'],
    ])
    const found = grant && members.get(grant.memberId)
    if (failure || !found) return { error: failure ?? 'member unknown' }
    return { member: found }
  }

  const readTokenRequest = (body: Record<string, unknown>): TokenRequest => {
    const request: TokenRequest = { grantType: String(body.grantType ?? ''), clientId: String(body.clientId ?? '') }
    // Only the fields sent, so logged requests compare equal to what a test expects.
    for (const field of ['refreshToken', 'code', 'codeVerifier', 'redirectUri'] as const) {
      if (body[field] !== undefined) request[field] = String(body[field])
    }
    return request
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse) {
    // The delay in force when the request arrives, so a test can slow one request and not the next.
    const delay = state.delay
    const hold = holds.shift()
    const request = readTokenRequest(await readBody(req))
    state.tokenRequests.push(request)
    if (delay) await new Promise(resolve => setTimeout(resolve, delay))
    if (hold) await hold
    if (state.failure !== null && state.failuresLeft > 0) {
      state.failuresLeft--
      if (state.failure === 'down') return req.socket.destroy()
      return send(res, state.failure, state.failureBody, state.failureHeaders)
    }
    if (!clientIds.has(request.clientId)) return send(res, 400, { message: 'appId is not a valid GUID' })
    if (request.grantType === 'anonymous') {
      const { refreshToken, visitor } = createVisitor()
      return send(res, 200, { access_token: issueAccessToken(visitor), expires_in: state.accessTokenLifetime, refresh_token: refreshToken, token_type: 'Bearer', scope: null })
    }
    if (request.grantType === 'refresh_token') {
      const visitor = request.refreshToken ? visitorsByRefresh.get(request.refreshToken) : undefined
      // Quotes the token back, the worst an error body could do, so tests can check it goes no further.
      if (!visitor) return send(res, 400, { message: `invalid refresh token ${request.refreshToken}`, error: 'invalid_grant' })
      return send(res, 200, { access_token: issueAccessToken(visitor), expires_in: state.accessTokenLifetime, refresh_token: null, token_type: 'Bearer' })
    }
    if (request.grantType === 'authorization_code') {
      const exchange = exchangeCode(request)
      if ('error' in exchange) return send(res, 400, { error: 'invalid_grant', message: exchange.error })
      return send(res, 200, { access_token: issueAccessToken(exchange.member), expires_in: state.accessTokenLifetime, refresh_token: issueMemberRefreshToken(), token_type: 'Bearer', scope: null })
    }
    return send(res, 400, { message: `unsupported grantType ${request.grantType}` })
  }

  async function handleCart(req: IncomingMessage, res: ServerResponse, path: string) {
    const authorization = req.headers.authorization ?? null
    const grant = authorization ? accessTokens.get(authorization) : undefined
    const record: ApiRequest = { method: req.method ?? 'GET', path, authorization, status: 200 }
    state.apiRequests.push(record)
    if (state.apiFailure) {
      record.status = state.apiFailure
      return send(res, state.apiFailure, { message: 'stand-in API failure' })
    }
    if (!grant || grant.expiresAt <= Date.now()) {
      record.status = 401
      return send(res, 401, { message: 'access token expired or unknown' })
    }
    const { visitor } = grant
    if (req.method === 'POST' && path.endsWith('/add-to-cart')) {
      const body = await readBody(req)
      const items = Array.isArray(body.lineItems) ? body.lineItems : []
      for (const item of items as { catalogReference?: { catalogItemId?: string }, quantity?: number }[]) {
        const id = String(item.catalogReference?.catalogItemId ?? 'item')
        const line = visitor.cart.find(entry => entry.catalogItemId === id)
        if (line) line.quantity += Number(item.quantity ?? 1)
        else visitor.cart.push({ catalogItemId: id, quantity: Number(item.quantity ?? 1) })
      }
    }
    // Wix names the member of a member's cart; the visitor id stays for readers of visitors' carts.
    const buyerInfo = visitor === member ? { visitorId: visitor.id, memberId: member.id } : { visitorId: visitor.id }
    send(res, 200, { cart: { buyerInfo, lineItems: visitor.cart } })
  }

  const isLiveAccessToken = (value: string) => {
    const grant = accessTokens.get(value)
    return grant !== undefined && grant.expiresAt > Date.now()
  }

  async function handleRedirectSession(req: IncomingMessage, res: ServerResponse) {
    const authorization = req.headers.authorization ?? ''
    if (!isLiveAccessToken(authorization)) return send(res, 401, { message: 'access token expired or unknown' })
    const body: unknown = await readBody(req)
    if (!isObject(body)) return send(res, 400, { message: 'the body must be a JSON object' })
    const found = intentOf(body)
    if ('error' in found) return send(res, 400, { message: found.error })
    const failure = callbacksFailure(body.callbacks) ?? sessionFailure(found.intent, body, clientIds)
    if (failure) return send(res, 400, { message: failure })
    const session: RedirectSessionRecord = { id: randomUUID(), intent: found.intent, body, authorization }
    sessions.set(session.id, session)
    state.redirectSessions.push(session)
    const fullUrl = `${url}/_stand-in/hosted/${session.id}`
    send(res, 200, { redirectSession: { id: session.id, fullUrl, shortUrl: fullUrl, urlDetails: { endpoint: fullUrl, searchParams: {} }, sessionToken: token('st') } })
  }

  /** The member the stand-in's own login cookie names, if it names a known one. */
  const loggedInMember = (req: IncomingMessage) => members.get(cookieValue(req, STAND_IN_MEMBER_COOKIE) ?? '')

  /** Back to the auth request's redirectUri with `params` and its state, as Wix answers in query mode. */
  const answerAuth = (res: ServerResponse, session: RedirectSessionRecord, params: Record<string, string>, cookie?: string) => {
    const request = authRequestOf(session)
    redirect(res, withParams(request.redirectUri, { ...params, state: request.state }), cookie)
  }

  const showLogin: HostedHandler = (req, res, session) => {
    if ((session.body.auth as { prompt?: string }).prompt !== 'none') {
      return sendHtml(res, hostedPage('Wix stand-in: log in', `/_stand-in/hosted/${session.id}`, [
        { action: 'login', id: 'stand-in-login', label: 'Log in as test member' },
        { action: 'cancel', id: 'stand-in-cancel', label: 'Cancel' },
      ]))
    }
    // prompt none: never a page, only the silent answer Wix gives from its own session.
    const known = loggedInMember(req)
    if (known) return answerAuth(res, session, { code: issueCode(authRequestOf(session), known.id) })
    answerAuth(res, session, { error: 'login_required', error_description: 'No member is logged in to Wix' })
  }

  const logIn: HostedHandler = (_req, res, session) => {
    answerAuth(res, session, { code: issueCode(authRequestOf(session), member.id) }, memberCookie(member.id))
  }

  const cancelLogin: HostedHandler = (_req, res, session) => {
    answerAuth(res, session, { error: 'access_denied', error_description: 'The visitor cancelled the login' })
  }

  const logOut: HostedHandler = (req, res, session) => {
    const clientId = String((session.body.logout as { clientId: string }).clientId)
    state.logouts.push({ clientId, memberId: loggedInMember(req)?.id ?? null })
    redirect(res, callbacksOf(session).postFlowUrl!, CLEARED_MEMBER_COOKIE)
  }

  const showCheckout: HostedHandler = (_req, res, session) => {
    const checkoutId = String((session.body.ecomCheckout as { checkoutId: string }).checkoutId)
    sendHtml(res, hostedPage('Wix stand-in: checkout', `/_stand-in/hosted/${session.id}`, [
      { action: 'place-order', id: 'stand-in-place-order', label: 'Place order' },
      { action: 'login-and-order', id: 'stand-in-login-and-order', label: 'Log in as test member and place order' },
      { action: 'back', id: 'stand-in-back', label: 'Back to the site' },
    ], `Checkout ${checkoutId}`))
  }

  /** Records an order and returns to the thank-you page, telling the site whether a member logged in. */
  const order = (res: ServerResponse, session: RedirectSessionRecord, memberLoggedIn: boolean, cookie?: string) => {
    const { thankYouPageUrl, postFlowUrl } = callbacksOf(session)
    const target = thankYouPageUrl ?? postFlowUrl
    if (!target) return send(res, 400, { message: 'the redirect session has neither callbacks.thankYouPageUrl nor callbacks.postFlowUrl' })
    state.orders.push({ checkoutId: String((session.body.ecomCheckout as { checkoutId: string }).checkoutId), memberLoggedIn })
    redirect(res, withParams(target, { wixMemberLoggedIn: String(memberLoggedIn) }), cookie)
  }

  const placeOrder: HostedHandler = (req, res, session) => order(res, session, loggedInMember(req) !== undefined)

  const logInAndOrder: HostedHandler = (_req, res, session) => order(res, session, true, memberCookie(member.id))

  const backFromCheckout: HostedHandler = (req, res, session) => {
    const { postFlowUrl } = callbacksOf(session)
    if (!postFlowUrl) return send(res, 400, { message: 'the redirect session has no callbacks.postFlowUrl' })
    redirect(res, withParams(postFlowUrl, { wixMemberLoggedIn: String(loggedInMember(req) !== undefined) }))
  }

  const showLoginIntent: HostedHandler = (_req, res) => sendHtml(res, hostedPage('Wix stand-in: login', '', []))

  /** What each hosted page answers, by intent, then by `METHOD /action` (`GET /`: the page itself). */
  const hostedRoutes: Record<RedirectIntent, Record<string, HostedHandler>> = {
    auth: { 'GET /': showLogin, 'POST /login': logIn, 'POST /cancel': cancelLogin },
    logout: { 'GET /': logOut },
    ecomCheckout: { 'GET /': showCheckout, 'POST /place-order': placeOrder, 'POST /login-and-order': logInAndOrder, 'POST /back': backFromCheckout },
    login: { 'GET /': showLoginIntent },
  }

  function handleHosted(req: IncomingMessage, res: ServerResponse, id: string, action = '') {
    const session = sessions.get(id)
    const handler = session && hostedRoutes[session.intent][`${req.method} /${action}`]
    if (!session || !handler) return send(res, 404, { message: `no hosted page ${req.method} ${id} ${action}` })
    handler(req, res, session)
  }

  const server = createServer(async (req, res) => {
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
    res.setHeader('access-control-allow-headers', 'authorization, content-type')
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS')
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname
    if (req.method === 'POST' && path === '/oauth2/token') return handleToken(req, res)
    if (path.startsWith('/ecom/v1/carts/current')) return handleCart(req, res, path)
    if (req.method === 'POST' && path === '/_api/redirects-api/v1/redirect-session') return handleRedirectSession(req, res)
    const hosted = HOSTED_PATH.exec(path)
    if (hosted) return handleHosted(req, res, hosted[1]!, hosted[2])
    send(res, 404, { message: `no route ${req.method} ${path}` })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    clientId: STAND_IN_CLIENT_ID,
    state,
    /** Token requests of one grant type so far. */
    count(grantType: 'anonymous' | 'refresh_token' | 'authorization_code') {
      return state.tokenRequests.filter(request => request.grantType === grantType).length
    },
    /** Makes the next `times` token requests fail (default: all until `recover()`), answering `body` and `headers` to a status. */
    fail(failure: Failure, times = Infinity, body: Record<string, unknown> = { message: 'stand-in failure' }, headers: Record<string, string> = {}) {
      state.failure = failure
      state.failuresLeft = times
      state.failureBody = body
      state.failureHeaders = headers
    },
    recover() {
      state.apiFailure = null
      state.failure = null
      state.failuresLeft = 0
      state.delay = 0
    },
    /** Holds the next token request to arrive (it is logged, not answered) until the returned function is called. */
    holdNext(): () => void {
      let release!: () => void
      holds.push(new Promise<void>(resolve => (release = resolve)))
      return release
    },
    /** A visitor made directly, without a logged request: `Tokens` as the module stores them. */
    createVisitor(accessTokenLifetime = state.accessTokenLifetime) {
      const { refreshToken, visitor } = createVisitor()
      return {
        accessToken: { value: issueAccessToken(visitor, accessTokenLifetime), expiresAt: Math.floor(Date.now() / 1000) + accessTokenLifetime },
        refreshToken: { value: refreshToken, role: 'visitor' as const },
      }
    },
    /** The member made directly, without a logged request or a login: `Tokens` as the module stores them. */
    createMember(accessTokenLifetime = state.accessTokenLifetime) {
      return {
        accessToken: { value: issueAccessToken(member, accessTokenLifetime), expiresAt: Math.floor(Date.now() / 1000) + accessTokenLifetime },
        refreshToken: { value: issueMemberRefreshToken(), role: 'member' as const },
      }
    },
    /** Whether a live refresh token belongs to the member rather than to an anonymous visitor. */
    isMember(refreshToken: string): boolean {
      return visitorsByRefresh.get(refreshToken) === member
    },
    /** Forgets a refresh token, as Wix does with a revoked one. */
    revoke(refreshToken: string) {
      visitorsByRefresh.delete(refreshToken)
    },
    /** Makes every access token issued so far expired. */
    expireAccessTokens() {
      for (const grant of accessTokens.values()) grant.expiresAt = 0
    },
    /** The cart of the visitor behind a refresh token. */
    cartOf(refreshToken: string) {
      return visitorsByRefresh.get(refreshToken)?.cart
    },
    /** Clears the request logs and restores normal behaviour; the member, its cart, live sessions and codes stay. */
    reset() {
      state.tokenRequests.length = 0
      state.apiRequests.length = 0
      state.redirectSessions.length = 0
      state.logouts.length = 0
      state.orders.length = 0
      state.accessTokenLifetime = 14_400
      holds.length = 0
      this.recover()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}

export type WixStandIn = Awaited<ReturnType<typeof startWixStandIn>>
