// A stand-in for the Wix endpoints the module talks to, on 127.0.0.1, for tests and the offline playground.
// Token endpoint as in shared/wix-visitor-protocol.md, plus a small protected cart API keyed by visitor.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'

export const STAND_IN_CLIENT_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'

/** How the token endpoint misbehaves: `down` drops connections, a number answers with that status. */
export type Failure = 'down' | number

export interface TokenRequest {
  grantType: string
  clientId: string
  refreshToken?: string
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

export interface WixStandInOptions {
  /** 0 picks a free port. */
  port?: number
  /** The client ids the stand-in knows. */
  clientIds?: string[]
}

function token(prefix: string) {
  return `${prefix}.${randomBytes(24).toString('base64url')}`
}

export async function startWixStandIn(options: WixStandInOptions = {}) {
  const clientIds = new Set(options.clientIds ?? [STAND_IN_CLIENT_ID])
  const visitorsByRefresh = new Map<string, Visitor>()
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
    /** How many token requests still fail; `Infinity` until `recover()`. */
    failuresLeft: 0,
    /** A status the cart API answers every request with, whatever the token; `null` to answer normally. */
    apiFailure: null as number | null,
    tokenRequests: [] as TokenRequest[],
    apiRequests: [] as ApiRequest[],
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-wix-request-id': randomUUID() })
    res.end(JSON.stringify(body))
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

  async function handleToken(req: IncomingMessage, res: ServerResponse) {
    // The delay in force when the request arrives, so a test can slow one request and not the next.
    const delay = state.delay
    const hold = holds.shift()
    const body = await readBody(req)
    const request: TokenRequest = { grantType: String(body.grantType ?? ''), clientId: String(body.clientId ?? '') }
    if (body.refreshToken !== undefined) request.refreshToken = String(body.refreshToken)
    state.tokenRequests.push(request)
    if (delay) await new Promise(resolve => setTimeout(resolve, delay))
    if (hold) await hold
    if (state.failure !== null && state.failuresLeft > 0) {
      state.failuresLeft--
      if (state.failure === 'down') return req.socket.destroy()
      return send(res, state.failure, state.failureBody)
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
    send(res, 200, { cart: { buyerInfo: { visitorId: visitor.id }, lineItems: visitor.cart } })
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
    count(grantType: 'anonymous' | 'refresh_token') {
      return state.tokenRequests.filter(request => request.grantType === grantType).length
    },
    /** Makes the next `times` token requests fail (default: all until `recover()`), answering `body` to a status. */
    fail(failure: Failure, times = Infinity, body: Record<string, unknown> = { message: 'stand-in failure' }) {
      state.failure = failure
      state.failuresLeft = times
      state.failureBody = body
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
    /** Clears the request logs and restores normal behaviour. */
    reset() {
      state.tokenRequests.length = 0
      state.apiRequests.length = 0
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
