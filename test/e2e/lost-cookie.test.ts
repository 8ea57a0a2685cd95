// A session cookie the browser refuses (here: a Domain that is not the site's, added to every session
// cookie the server or the page writes, as a misconfigured domain would give): the page still hydrates
// what the server rendered, and says the cookie was lost.
import { afterAll, describe, expect, it } from 'vitest'
import { url } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { hasChromium, serveFixture } from './fixtures'
import { useBrowserPage } from './browser-page'

const wix = await startWixStandIn()
afterAll(() => wix.close())
if (hasChromium) await serveFixture('basic', wix)

/** Gives every session cookie the page writes the Domain of another site (run in the page before any script). */
function refuseSessionCookieInPage() {
  const native = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => native.get!.call(document),
    set: (value: string) => native.set!.call(document, /^\s*wixSession=/.test(value) ? `${value}; domain=elsewhere.example` : value),
  })
}

describe.runIf(hasChromium)('when the browser never keeps the session cookie', () => {
  const browser = useBrowserPage(wix)

  it('hydrates the rendered role without a mismatch, says the cookie was lost, and keeps a visitor in localStorage', async () => {
    // The test fixture's server gives its session Set-Cookie the other Domain for requests with this cookie.
    await browser.context.addCookies([{ name: 'refuseSessionCookie', value: '1', url: url('/') }])
    await browser.page.addInitScript(refuseSessionCookieInPage)
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
    const afterReload = wix.count('anonymous')

    // Page loads from the site's own pages without the cookie: the server mints no visitor for them; the
    // page shows the browser's visitor once hydrated.
    for (let i = 0; i < 3; i++) {
      await browser.page.evaluate(() => window.location.assign('/role'))
      await browser.page.waitForURL(/\/role$/)
      await browser.page.waitForFunction(() => (window as unknown as { useNuxtApp?: () => { isHydrating: boolean } }).useNuxtApp?.().isHydrating === false)
      await browser.settled()
      await expect.poll(() => browser.shown('role')).toBe('visitor')
    }
    expect(wix.count('anonymous')).toBe(afterReload)
    expect((await browser.localSession()).tokens.refreshToken.value).toBe(kept)
  })
})
