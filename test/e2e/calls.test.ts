// Calls to Wix on the visitor's behalf, seen over HTTP: the page's own fetch during SSR, the Nitro
// utilities of a backend-for-frontend route, and the @wix/sdk bridge.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { fetch } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { serveFixture, sessionCookieOf } from './fixtures'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('basic', wix)

beforeEach(() => wix.reset())

type StoredTokens = ReturnType<typeof wix.createVisitor>

const stored = (tokens: StoredTokens) => `wixSession=${encodeURIComponent(JSON.stringify({ clientId: wix.clientId, tokens }))}`

/** A visitor with items in its cart, put there straight at the stand-in. */
async function visitorWithCart(...items: string[]) {
  const tokens = wix.createVisitor()
  for (const item of items) {
    await globalThis.fetch(`${wix.url}/ecom/v1/carts/current/add-to-cart`, {
      method: 'POST',
      headers: { 'authorization': tokens.accessToken.value, 'content-type': 'application/json' },
      body: JSON.stringify({ lineItems: [{ catalogReference: { catalogItemId: item }, quantity: 1 }] }),
    })
  }
  wix.reset()
  return tokens
}

const authorizations = () => wix.state.apiRequests.map(request => request.authorization)
const statuses = () => wix.state.apiRequests.map(request => request.status)

describe('the page\'s fetch during SSR', () => {
  it('renders the visitor\'s cart with the visitor\'s token', async () => {
    const tokens = await visitorWithCart('tea')
    const response = await fetch('/', { headers: { cookie: stored(tokens) } })
    const html = await response.text()
    expect(html).toContain('data-testid="cart-tea"')
    expect(html).toMatch(/tea × 1/)
    expect(authorizations()).toEqual([tokens.accessToken.value])
    expect(wix.state.tokenRequests).toEqual([])
    expect(html).not.toContain(tokens.accessToken.value)
  })

  it('uses the token the server just renewed, and sends it back as a cookie', async () => {
    const tokens = await visitorWithCart('tea')
    const expired = { ...tokens, accessToken: { ...tokens.accessToken, expiresAt: 0 } }
    const response = await fetch('/', { headers: { cookie: stored(expired) } })
    const cookie = sessionCookieOf(response)!
    expect(await response.text()).toMatch(/tea × 1/)
    expect(wix.count('refresh_token')).toBe(1)
    expect(authorizations()).toEqual([cookie.value.tokens.accessToken.value])
  })

  it('answers a 401 with one renewal and one retry, and the renewal goes out as Set-Cookie', async () => {
    const tokens = await visitorWithCart('tea')
    wix.expireAccessTokens()
    const response = await fetch('/', { headers: { cookie: stored(tokens) } })
    const cookie = sessionCookieOf(response)!
    expect(await response.text()).toMatch(/tea × 1/)
    expect(statuses()).toEqual([401, 200])
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(0)
    expect(cookie.value.tokens.refreshToken).toEqual(tokens.refreshToken)
    expect(authorizations()[1]).toBe(cookie.value.tokens.accessToken.value)
  })

  it('keeps the visitor when a renewal after a 401 fails for a moment', async () => {
    const tokens = await visitorWithCart('tea')
    wix.expireAccessTokens()
    wix.fail(500)
    const response = await fetch('/', { headers: { cookie: stored(tokens) } })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('data-testid="cart-error"')
    expect(wix.count('anonymous')).toBe(0)
    expect(sessionCookieOf(response)).toBeUndefined()
  })
})

describe('Nitro server utilities', () => {
  it('wixVisitorFetch calls Wix with the visitor of the request\'s cookie', async () => {
    const tokens = await visitorWithCart('tea')
    const response = await fetch('/api/cart', { headers: { cookie: stored(tokens) } })
    expect(await response.json()).toMatchObject({ cart: { lineItems: [{ catalogItemId: 'tea', quantity: 1 }] } })
    expect(authorizations()).toEqual([tokens.accessToken.value])
    expect(sessionCookieOf(response)).toBeUndefined()
  })

  it('wixVisitorFetch mints a visitor for a request without one, once, and sets its cookie', async () => {
    const response = await fetch('/api/cart')
    expect(await response.json()).toMatchObject({ cart: { lineItems: [] } })
    expect(wix.count('anonymous')).toBe(1)
    expect(authorizations()).toEqual([sessionCookieOf(response)!.value.tokens.accessToken.value])
  })

  it('a route and the page share the visitor: what the route adds, the page shows', async () => {
    const tokens = await visitorWithCart()
    const added = await fetch('/api/cart', {
      method: 'POST',
      headers: { 'cookie': stored(tokens), 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'mug' }),
    })
    expect(added.status).toBe(200)
    const html = await (await fetch('/', { headers: { cookie: stored(tokens) } })).text()
    expect(html).toMatch(/mug × 1/)
  })

  it('a route rejects bad input with a 400, before calling Wix', async () => {
    const response = await fetch('/api/cart', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(response.status).toBe(400)
    expect(wix.state.apiRequests).toEqual([])
    expect(wix.state.tokenRequests).toEqual([])
  })

  it('a middleware calling getWixVisitorTokens and the page render see one visitor, minted once', async () => {
    const response = await fetch('/', { headers: { 'x-resolve-visitor': '1' } })
    const html = await response.text()
    const cookies = response.headers.getSetCookie().filter(cookie => cookie.startsWith('wixSession='))
    expect(wix.count('anonymous')).toBe(1)
    expect(cookies).toHaveLength(1)
    const visitor = response.headers.get('x-middleware-visitor')!
    expect(visitor).toBe(fingerprint(sessionCookieOf(response)!.value.tokens.refreshToken.value))
    expect(html).toContain(visitor)
  })

  it('a page fetching its own server route during SSR hands the route the visitor it just minted', async () => {
    const response = await fetch('/bff')
    const cookie = sessionCookieOf(response)!
    expect(await response.text()).toContain('data-testid="bff-items"')
    expect(wix.count('anonymous')).toBe(1)
    expect(authorizations()).toEqual([cookie.value.tokens.accessToken.value])
    expect(response.headers.getSetCookie().filter(value => value.startsWith('wixSession='))).toHaveLength(1)
  })

  it('a page fetching its own server route during SSR hands the route the token it just renewed', async () => {
    const tokens = await visitorWithCart('tea')
    const expired = { ...tokens, accessToken: { ...tokens.accessToken, expiresAt: 0 } }
    const response = await fetch('/bff', { headers: { cookie: stored(expired) } })
    expect(await response.text()).toContain('tea×1')
    expect(wix.count('refresh_token')).toBe(1)
    expect(authorizations()).toEqual([sessionCookieOf(response)!.value.tokens.accessToken.value])
  })

  it('a middleware and the page render share one renewal', async () => {
    const tokens = await visitorWithCart('tea')
    const expired = { ...tokens, accessToken: { ...tokens.accessToken, expiresAt: 0 } }
    const response = await fetch('/', { headers: { 'cookie': stored(expired), 'x-resolve-visitor': '1' } })
    expect(await response.text()).toMatch(/tea × 1/)
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect(response.headers.get('x-middleware-visitor')).toBe(fingerprint(tokens.refreshToken.value))
  })
})

describe('concurrent requests of the same visitors', () => {
  it('share one renewal per expired visitor across page renders and server routes', async () => {
    const visitors = Array.from({ length: 50 }, () => wix.createVisitor())
    const cookies = visitors.map(tokens => stored({ ...tokens, accessToken: { ...tokens.accessToken, expiresAt: 0 } }))
    // Two requests a visitor at once: a page render and a server-route call. Slow renewals keep every
    // visitor's first renewal in flight while its second request arrives, on a busy machine too.
    wix.state.delay = 1500
    const responses = await Promise.all(cookies.flatMap(cookie => [
      fetch('/', { headers: { cookie } }),
      fetch('/api/cart', { headers: { cookie } }),
    ]))
    expect(responses.map(response => response.status)).toEqual(responses.map(() => 200))
    expect(wix.count('refresh_token')).toBe(50)
    expect(wix.count('anonymous')).toBe(0)
    expect(new Set(wix.state.tokenRequests.map(request => request.refreshToken)).size).toBe(50)
    // Each response went out with its own visitor's renewed session.
    responses.forEach((response, index) => {
      const renewed = sessionCookieOf(response)!.value.tokens
      expect(renewed.refreshToken.value).toBe(visitors[Math.floor(index / 2)]!.refreshToken.value)
    })
  })
})

describe('the @wix/sdk bridge during SSR', () => {
  it('sends the store\'s token with the SDK\'s call', async () => {
    const tokens = await visitorWithCart('tea')
    const html = await (await fetch('/sdk', { headers: { cookie: stored(tokens) } })).text()
    expect(html).toContain('tea×1')
    expect(authorizations()).toEqual([tokens.accessToken.value])
    expect(wix.state.tokenRequests).toEqual([])
  })
})
