// The playground with `ssr: false` in a real Chromium: the browser alone keeps the visitor.
import { afterAll, describe, expect, it } from 'vitest'
import { fetch } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { hasChromium, serveFixture, sessionCookieOf } from './fixtures'
import { useBrowserPage } from './browser-page'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('spa', wix)

describe('with server-side rendering off', () => {
  it('the server sends a page without a visitor and asks Wix for nothing', async () => {
    wix.reset()
    const response = await fetch('/')
    expect(response.status).toBe(200)
    expect(sessionCookieOf(response)).toBeUndefined()
    expect(await response.text()).not.toContain('data-testid="visitor"')
    expect(wix.state.tokenRequests).toEqual([])
  })
})

describe.runIf(hasChromium)('with server-side rendering off, in the browser', () => {
  const browser = useBrowserPage(wix)
  const { visit, shown, cookieSession, localSession } = browser

  it('mints exactly once for the page and its cart, and keeps the visitor across reloads', async () => {
    await visit('/')
    expect(wix.count('anonymous')).toBe(1)
    const session = await cookieSession()
    expect(await localSession()).toEqual(session)
    expect(await shown('visitor')).toBe(fingerprint(session.tokens.refreshToken.value))
    // The cart is fetched once the visitor is there; wait for it rather than for the network to go quiet.
    await expect.poll(() => browser.page.getByTestId('cart-empty').count()).toBe(1)
    expect(wix.state.apiRequests.map(request => request.authorization)).toEqual([session.tokens.accessToken.value])
    await visit('/', true)
    expect(await shown('visitor')).toBe(fingerprint(session.tokens.refreshToken.value))
    expect(wix.state.tokenRequests).toHaveLength(1)
  })

  it('restores the visitor from localStorage when the cookie is gone, before anything is minted', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    await browser.context.clearCookies()
    await visit('/', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect(fingerprint((await cookieSession()).tokens.refreshToken.value)).toBe(visitor)
  })

  it('restores the visitor from the cookie when localStorage is gone', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    await browser.page.evaluate(() => localStorage.clear())
    await visit('/', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect(fingerprint((await localSession()).tokens.refreshToken.value)).toBe(visitor)
  })

  it('keeps the cart across reloads', async () => {
    await visit('/')
    await browser.page.getByTestId('add-mug').click()
    await expect.poll(() => shown('cart-mug')).toMatch(/mug × 1/)
    await visit('/', true)
    expect(await shown('cart-mug')).toMatch(/mug × 1/)
    expect(wix.count('anonymous')).toBe(1)
  })
})
