// Server-side rendering of the fixture app: what the first request, a returning visitor and broken
// cookies get, counted at the stand-in token endpoint.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { fetch, startServer } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { serveFixture, sessionCookieOf } from './fixtures'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('basic', wix)

beforeEach(() => wix.reset())

type StoredTokens = ReturnType<typeof wix.createVisitor>

const cookieHeader = (value: unknown) => `wixSession=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`
const stored = (tokens: StoredTokens, clientId = wix.clientId) => cookieHeader({ clientId, tokens })
const expired = (tokens: StoredTokens): StoredTokens => ({ ...tokens, accessToken: { ...tokens.accessToken, expiresAt: Math.floor(Date.now() / 1000) - 10 } })

async function render(path = '/', cookie?: string) {
  const response = await fetch(path, { headers: cookie ? { cookie } : {} })
  return { response, html: await response.text(), cookie: sessionCookieOf(response) }
}

describe('a new visitor', () => {
  it('is minted once on the server, rendered, and sent back as a cookie', async () => {
    const { response, html, cookie } = await render()
    expect(response.status).toBe(200)
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.count('refresh_token')).toBe(0)
    expect(cookie!.value.clientId).toBe(wix.clientId)
    const { tokens } = cookie!.value
    expect(tokens.refreshToken.role).toBe('visitor')
    expect(html).toContain(`data-testid="visitor"`)
    expect(html).toContain(fingerprint(tokens.refreshToken.value))
  })

  it('landing on a page that does not exist is minted once, and the error page keeps the visitor', async () => {
    const response = await fetch('/no-such-page', { headers: { accept: 'text/html' } })
    const html = await response.text()
    const cookie = sessionCookieOf(response)
    expect(response.status).toBe(404)
    expect(html).toContain('<html')
    expect(wix.count('anonymous')).toBe(1)
    const { tokens } = cookie!.value
    expect(html).not.toContain(tokens.accessToken.value)
    expect(html).not.toContain(tokens.refreshToken.value)
    const again = await render('/', stored(tokens))
    expect(again.cookie).toBeUndefined()
    expect(again.html).toContain(fingerprint(tokens.refreshToken.value))
    expect(wix.state.tokenRequests).toHaveLength(1)
  })

  it('gets a cookie the browser can read and keep for 30 days', async () => {
    const { cookie } = await render()
    expect(cookie!.attributes).toMatch(/Max-Age=2592000/)
    expect(cookie!.attributes).toMatch(/Path=\//)
    expect(cookie!.attributes).toMatch(/SameSite=Lax/i)
    expect(cookie!.attributes).toMatch(/Secure/)
    expect(cookie!.attributes).not.toMatch(/HttpOnly/i)
  })

  it('never finds a token value in the HTML, the payload included', async () => {
    const { html, cookie } = await render()
    const { tokens } = cookie!.value
    expect(html).toContain('__NUXT_DATA__')
    expect(html).not.toContain(tokens.accessToken.value)
    expect(html).not.toContain(tokens.refreshToken.value)
    expect(html).not.toContain(encodeURIComponent(tokens.refreshToken.value))
  })
})

describe('a returning visitor', () => {
  it('with a valid access token causes no token request and no new cookie', async () => {
    const tokens = wix.createVisitor()
    const { response, html, cookie } = await render('/', stored(tokens))
    expect(response.status).toBe(200)
    expect(wix.state.tokenRequests).toEqual([])
    expect(cookie).toBeUndefined()
    expect(html).toContain(fingerprint(tokens.refreshToken.value))
    expect(html).not.toContain(tokens.accessToken.value)
  })

  it('gets one useWixVisitor() object per request, however often the page asks', async () => {
    const { html } = await render('/role', stored(wix.createVisitor()))
    expect(html).toMatch(/data-testid="composable-once">\s*once\s*</)
  })

  it('stored as a bare Tokens JSON is accepted as well', async () => {
    const tokens = wix.createVisitor()
    const { html } = await render('/', cookieHeader(tokens))
    expect(wix.state.tokenRequests).toEqual([])
    expect(html).toContain(fingerprint(tokens.refreshToken.value))
  })

  it('with an expired access token is renewed once, keeping the refresh token', async () => {
    const tokens = expired(wix.createVisitor())
    const { html, cookie } = await render('/', stored(tokens))
    expect(wix.state.tokenRequests).toEqual([{ grantType: 'refresh_token', clientId: wix.clientId, refreshToken: tokens.refreshToken.value }])
    expect(cookie!.value.tokens.refreshToken).toEqual(tokens.refreshToken)
    expect(cookie!.value.tokens.accessToken.value).not.toBe(tokens.accessToken.value)
    expect(cookie!.value.tokens.accessToken.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000))
    expect(html).toContain(fingerprint(tokens.refreshToken.value))
    expect(html).toContain(fingerprint(cookie!.value.tokens.accessToken.value))
  })

  it('whose access token expires within renewBeforeExpiry is renewed as well', async () => {
    const tokens = wix.createVisitor(30)
    const { cookie } = await render('/', stored(tokens))
    expect(wix.count('refresh_token')).toBe(1)
    expect(cookie!.value.tokens.refreshToken.value).toBe(tokens.refreshToken.value)
  })

  it('whose refresh token Wix rejects becomes a new visitor', async () => {
    const tokens = expired(wix.createVisitor())
    wix.revoke(tokens.refreshToken.value)
    const { response, cookie } = await render('/', stored(tokens))
    expect(response.status).toBe(200)
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(1)
    expect(cookie!.value.tokens.refreshToken.value).not.toBe(tokens.refreshToken.value)
  })

  it('keeps the visitor when the renewal fails for a moment', async () => {
    const tokens = expired(wix.createVisitor())
    wix.fail(503)
    const { response, html, cookie } = await render('/', stored(tokens))
    expect(response.status).toBe(200)
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.count('anonymous')).toBe(0)
    expect(cookie).toBeUndefined()
    expect(html).toContain(fingerprint(tokens.refreshToken.value))
    expect(html).toContain('HTTP 503')
  })
})

describe('an unusable cookie', () => {
  const cases = {
    'garbage': 'wixSession=%%%not-json',
    'a foreign client id': '',
    'truncated JSON': '',
    'a wrong shape': cookieHeader({ clientId: 'x', tokens: { accessToken: 'nope' } }),
  }

  it.each(Object.keys(cases))('holding %s gives a fresh visitor and a 200', async (name) => {
    const tokens = wix.createVisitor()
    const header = name === 'a foreign client id'
      ? stored(tokens, '11111111-2222-4333-8444-555555555555')
      : name === 'truncated JSON'
        ? stored(tokens).slice(0, 60)
        : cases[name as keyof typeof cases]
    const { response, cookie } = await render('/', header)
    expect(response.status).toBe(200)
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.count('refresh_token')).toBe(0)
    expect(cookie!.value.tokens.refreshToken.value).not.toBe(tokens.refreshToken.value)
  })
})

describe('a failing token endpoint', () => {
  it('still gives a 200 page without a session, saying what went wrong', async () => {
    wix.fail('down')
    const { response, html, cookie } = await render()
    expect(response.status).toBe(200)
    expect(cookie).toBeUndefined()
    expect(html).toContain('data-testid="no-session"')
    expect(html).toContain('could not reach the token endpoint')
  })

  it('gets tried again by the next request', async () => {
    wix.fail(500, 1)
    const first = await render()
    expect(first.response.status).toBe(200)
    expect(first.cookie).toBeUndefined()
    const second = await render()
    expect(second.cookie!.value.tokens.refreshToken.role).toBe('visitor')
    expect(wix.count('anonymous')).toBe(2)
  })
})

describe('pages served to more than one visitor', () => {
  it.each(['/cached', '/prerendered'])('%s gets no server-minted visitor', async (path) => {
    const { response, html, cookie } = await render(path)
    expect(response.status).toBe(200)
    expect(cookie).toBeUndefined()
    expect(wix.state.tokenRequests).toEqual([])
    expect(html).toContain('data-testid="no-session"')
    // A prerendered page was rendered at build time: had it tried to mint then, it would show the failure.
    expect(html).not.toContain('data-testid="error"')
  })

  it('a cached page does not carry the first visitor\'s session to the next', async () => {
    const tokens = wix.createVisitor()
    const first = await render('/cached', stored(tokens))
    const second = await render('/cached')
    for (const { html } of [first, second]) expect(html).not.toContain(fingerprint(tokens.refreshToken.value))
    expect(wix.state.tokenRequests).toEqual([])
  })
})

describe('a page rendered in the browser only', () => {
  it('makes no token request on the server', async () => {
    const { response, cookie } = await render('/spa')
    expect(response.status).toBe(200)
    expect(cookie).toBeUndefined()
    expect(wix.state.tokenRequests).toEqual([])
  })
})

describe('without a client id', () => {
  it('renders a 200 page that says what is missing, and asks Wix for nothing', async () => {
    await startServer({ env: { NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID: '' } })
    try {
      const { response, html, cookie } = await render()
      expect(response.status).toBe(200)
      expect(cookie).toBeUndefined()
      expect(html).toContain('no client id configured; set wixVisitor.clientId in nuxt.config or NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID')
      expect(wix.state.tokenRequests).toEqual([])
    }
    finally {
      await startServer()
    }
  })
})
