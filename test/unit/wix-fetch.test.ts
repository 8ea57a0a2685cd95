// The authenticated fetch over real HTTP: the token it sends, when it renews, how it answers a 401,
// and where the token never goes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FetchError } from 'ofetch'
import { VisitorSession } from '../../src/runtime/session'
import { createWixFetch } from '../../src/runtime/wix-fetch'
import { mayCarryToken } from '../../src/runtime/authorized-fetch'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'
import type { WixStandIn } from '../../src/testing'

let wix: WixStandIn
let thirdParty: WixStandIn

beforeAll(async () => {
  [wix, thirdParty] = await Promise.all([startWixStandIn(), startWixStandIn()])
})
afterAll(() => Promise.all([wix.close(), thirdParty.close()]))
beforeEach(() => {
  wix.reset()
  thirdParty.reset()
})

function visitorFetch(tokens: Tokens | null, autoGenerate = true) {
  const session = new VisitorSession({
    clientId: wix.clientId,
    apiBaseUrl: wix.url,
    timeout: 2000,
    autoGenerate,
    renewBeforeExpiry: 60,
    tokens,
    persist: () => {},
  })
  return { session, wixFetch: createWixFetch(session, wix.url) }
}

interface Cart { cart: { buyerInfo: { visitorId: string }, lineItems: { catalogItemId: string, quantity: number }[] } }
const addTea = { method: 'POST' as const, body: { lineItems: [{ catalogReference: { catalogItemId: 'tea' }, quantity: 1 }] } }
const apiStatuses = () => wix.state.apiRequests.map(request => request.status)

describe('every request', () => {
  it('carries the current access token, raw, as Authorization', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens)
    await wixFetch<Cart>('/ecom/v1/carts/current/add-to-cart', addTea)
    const cart = await wixFetch<Cart>('/ecom/v1/carts/current')
    expect(cart.cart.lineItems).toEqual([{ catalogItemId: 'tea', quantity: 1 }])
    expect(wix.state.apiRequests.map(request => request.authorization)).toEqual([tokens.accessToken.value, tokens.accessToken.value])
    expect(wix.state.tokenRequests).toEqual([])
  })

  it('mints a visitor first when there is none', async () => {
    const { session, wixFetch } = visitorFetch(null)
    await wixFetch('/ecom/v1/carts/current')
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.state.apiRequests[0]!.authorization).toBe(session.tokens!.accessToken.value)
  })

  it('fails without a request when there is no visitor and minting is off', async () => {
    const { wixFetch } = visitorFetch(null, false)
    await expect(wixFetch('/ecom/v1/carts/current')).rejects.toThrow(/no visitor session/)
    expect(wix.state.apiRequests).toEqual([])
    expect(wix.state.tokenRequests).toEqual([])
  })
})

describe('an expiring access token', () => {
  it('is renewed before the call: one token request for 20 concurrent calls', async () => {
    const stale = wix.createVisitor(30)
    const { session, wixFetch } = visitorFetch(stale)
    const carts = await Promise.all(Array.from({ length: 20 }, () => wixFetch<Cart>('/ecom/v1/carts/current')))
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(0)
    expect(apiStatuses()).toEqual(Array.from({ length: 20 }, () => 200))
    const renewed = session.tokens!.accessToken.value
    expect(renewed).not.toBe(stale.accessToken.value)
    expect(new Set(wix.state.apiRequests.map(request => request.authorization))).toEqual(new Set([renewed]))
    expect(new Set(carts.map(cart => cart.cart.buyerInfo.visitorId)).size).toBe(1)
  })
})

describe('a 401 answer', () => {
  it('leads to exactly one renewal and one retry, with the same visitor', async () => {
    const tokens = wix.createVisitor()
    const { session, wixFetch } = visitorFetch(tokens)
    await wixFetch('/ecom/v1/carts/current/add-to-cart', addTea)
    wix.expireAccessTokens()
    const cart = await wixFetch<Cart>('/ecom/v1/carts/current/add-to-cart', addTea)
    expect(cart.cart.lineItems).toEqual([{ catalogItemId: 'tea', quantity: 2 }])
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(0)
    expect(apiStatuses()).toEqual([200, 401, 200])
    expect(wix.state.apiRequests[2]!.authorization).toBe(session.tokens!.accessToken.value)
    expect(session.tokens!.refreshToken).toEqual(tokens.refreshToken)
  })

  it('from 20 concurrent calls still renews once', async () => {
    const { wixFetch } = visitorFetch(wix.createVisitor())
    wix.expireAccessTokens()
    await Promise.all(Array.from({ length: 20 }, () => wixFetch('/ecom/v1/carts/current')))
    expect(wix.count('refresh_token')).toBe(1)
    expect(apiStatuses().filter(status => status === 401)).toHaveLength(20)
    expect(apiStatuses().filter(status => status === 200)).toHaveLength(20)
  })

  it('a second time goes to the caller: no loop', async () => {
    const { wixFetch } = visitorFetch(wix.createVisitor())
    wix.state.apiFailure = 401
    const error = await wixFetch('/ecom/v1/carts/current').catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(FetchError)
    expect((error as FetchError).status).toBe(401)
    expect(apiStatuses()).toEqual([401, 401])
    expect(wix.count('refresh_token')).toBe(1)
  })

  it('with a refresh token Wix rejects mints a new visitor before the retry', async () => {
    const tokens = wix.createVisitor()
    const { session, wixFetch } = visitorFetch(tokens)
    wix.expireAccessTokens()
    wix.revoke(tokens.refreshToken.value)
    const cart = await wixFetch<Cart>('/ecom/v1/carts/current')
    expect(cart.cart.lineItems).toEqual([])
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(1)
    expect(session.tokens!.refreshToken.value).not.toBe(tokens.refreshToken.value)
    expect(apiStatuses()).toEqual([401, 200])
  })

  it('with a refresh token Wix rejects and minting off goes to the caller', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens, false)
    wix.expireAccessTokens()
    wix.revoke(tokens.refreshToken.value)
    await expect(wixFetch('/ecom/v1/carts/current')).rejects.toMatchObject({ status: 401 })
    expect(wix.count('anonymous')).toBe(0)
    expect(apiStatuses()).toEqual([401])
  })

  it('while renewals fail for a moment keeps the visitor: no mint, the caller gets the 401', async () => {
    const tokens = wix.createVisitor()
    const { session, wixFetch } = visitorFetch(tokens)
    wix.expireAccessTokens()
    wix.fail(503)
    await expect(wixFetch('/ecom/v1/carts/current')).rejects.toMatchObject({ status: 401 })
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(0)
    expect(session.tokens).toEqual(tokens)
    expect(session.error).toMatchObject({ status: 503, transient: true })
  })
})

describe('the token stays with Wix', () => {
  it('an absolute URL to another host gets no Authorization header', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens)
    await wixFetch(`${thirdParty.url}/ecom/v1/carts/current`).catch(() => {})
    await wixFetch(new Request(`${thirdParty.url}/ecom/v1/carts/current`)).catch(() => {})
    expect(thirdParty.state.apiRequests.map(request => request.authorization)).toEqual([null, null])
  })

  it('a per-call baseURL of another host gets no Authorization header, and its 401 renews nothing', async () => {
    const { wixFetch } = visitorFetch(wix.createVisitor())
    await wixFetch('/ecom/v1/carts/current', { baseURL: thirdParty.url }).catch(() => {})
    expect(thirdParty.state.apiRequests.map(request => request.authorization)).toEqual([null])
    expect(wix.state.tokenRequests).toEqual([])
  })

  it('per-call hooks do not switch the token or the 401 handling off', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens)
    const seen: string[] = []
    wix.expireAccessTokens()
    await wixFetch('/ecom/v1/carts/current', {
      onRequest: () => void seen.push('request'),
      onResponseError: () => void seen.push('error'),
    })
    expect(seen).toEqual(['request'])
    expect(apiStatuses()).toEqual([401, 200])
    expect(wix.state.apiRequests[0]!.authorization).toBe(tokens.accessToken.value)
    expect(wix.count('refresh_token')).toBe(1)
  })

  it('$fetch.native authenticates the same way', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens)
    const response = await wixFetch.native(`${wix.url}/ecom/v1/carts/current`)
    expect(response.status).toBe(200)
    expect(wix.state.apiRequests[0]!.authorization).toBe(tokens.accessToken.value)
  })

  it('an absolute URL to the apiBaseUrl origin gets it', async () => {
    const tokens = wix.createVisitor()
    const { wixFetch } = visitorFetch(tokens)
    await wixFetch(`${wix.url}/ecom/v1/carts/current`)
    expect(wix.state.apiRequests[0]!.authorization).toBe(tokens.accessToken.value)
  })

  it('a caller\'s own Authorization header is left alone', async () => {
    const { wixFetch } = visitorFetch(wix.createVisitor())
    await wixFetch('/ecom/v1/carts/current', { headers: { Authorization: 'caller-token' } }).catch(() => {})
    expect(wix.state.apiRequests[0]!.authorization).toBe('caller-token')
    expect(wix.state.tokenRequests).toEqual([])
  })

  it('a URL left relative (baseURL emptied per call, or $fetch.native) goes out without the token', async () => {
    const { wixFetch } = visitorFetch(wix.createVisitor())
    const sent: (string | null)[] = []
    const realFetch = globalThis.fetch
    // Node's fetch rejects relative URLs; record what would have been sent to wherever the page is.
    globalThis.fetch = async (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization'))
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
    }
    try {
      await wixFetch('//example.org/x', { baseURL: '' })
      await wixFetch('/api/x', { baseURL: '' })
      await wixFetch.native('/ecom/v1/carts/current')
    }
    finally {
      globalThis.fetch = realFetch
    }
    expect(sent).toEqual([null, null, null])
    expect(wix.state.tokenRequests).toEqual([])
  })

  it.each([
    ['/ecom/v1/carts/current', 'https://www.wixapis.com', false],
    ['ecom/v1/carts/current', 'https://www.wixapis.com', false],
    ['https://www.wixapis.com/ecom/v1', 'https://www.wixapis.com', true],
    ['https://manage.wixapis.com/x', 'https://www.wixapis.com', true],
    ['http://www.wixapis.com/x', 'https://www.wixapis.com', false],
    ['https://www.wixapis.com.example.org/x', 'https://www.wixapis.com', false],
    ['https://example.org/?u=https://www.wixapis.com', 'https://www.wixapis.com', false],
    ['//example.org/x', 'https://www.wixapis.com', false],
    ['http:/example.org/x', 'https://www.wixapis.com', false],
    ['https://manage.wixapis.com/x', 'http://127.0.0.1:4010', false],
    ['http://127.0.0.1:4011/x', 'http://127.0.0.1:4010', false],
  ])('%s with apiBaseUrl %s: %s', (target, base, expected) => {
    expect(mayCarryToken(target, base)).toBe(expected)
  })
})
