// A session cookie the browser refuses (here: a Domain that is not the site's, as a misconfigured
// cookie.domain would give): the page still hydrates what the server rendered, and says the cookie was lost.
import { afterAll, describe, expect, it } from 'vitest'
import { startWixStandIn } from '../../src/testing'
import { hasChromium, serveFixture } from './fixtures'
import { useBrowserPage } from './browser-page'

const wix = await startWixStandIn()
afterAll(() => wix.close())
if (hasChromium) await serveFixture('basic', wix, { NUXT_PUBLIC_WIX_VISITOR_COOKIE_DOMAIN: 'elsewhere.example' })

describe.runIf(hasChromium)('when the browser never keeps the session cookie', () => {
  const browser = useBrowserPage(wix)

  it('hydrates the rendered role without a mismatch, says the cookie was lost, and keeps a visitor in localStorage', async () => {
    await browser.visit('/role')
    expect(await browser.shown('role')).toBe('visitor')
    await expect.poll(() => browser.page.getByTestId('error').getAttribute('data-reason')).toBe('cookie_lost')
    expect(await browser.cookieSession()).toBeUndefined()
    // The server's visitor cannot reach the page: the browser keeps one of its own, in localStorage.
    await expect.poll(async () => (await browser.localSession())?.tokens.refreshToken.role).toBe('visitor')
    expect(wix.count('anonymous')).toBe(2)

    // The next page view keeps the browser's visitor (the server, seeing no cookie, mints for its render).
    const kept = (await browser.localSession()).tokens.refreshToken.value
    await browser.visit('/role', true)
    await expect.poll(async () => (await browser.localSession())?.tokens.refreshToken.value).toBe(kept)
  })
})
