// The fixture app in a real Chromium: one visitor across SSR, hydration, reloads and lost cookies.
import { afterAll, describe, expect, it } from 'vitest'
import { url } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { hasChromium, serveFixture } from './fixtures'
import { useBrowserPage } from './browser-page'

const wix = await startWixStandIn()
type StoredTokens = ReturnType<typeof wix.createVisitor>
afterAll(() => wix.close())
if (hasChromium) await serveFixture('basic', wix)

describe.runIf(hasChromium)('in the browser', () => {
  const browser = useBrowserPage(wix)
  const { visit, settled, shown, cookieSession, localSession, click } = browser

  it('mints exactly once for SSR and hydration together, and stores the session in both places', async () => {
    await visit('/')
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.count('refresh_token')).toBe(0)
    const cookie = await cookieSession()
    expect(cookie.clientId).toBe(wix.clientId)
    expect(await localSession()).toEqual(cookie)
    expect(await shown('visitor')).toBe(fingerprint(cookie.tokens.refreshToken.value))
  })

  it('keeps the visitor across reloads without another token request', async () => {
    await visit('/')
    const first = await shown('visitor')
    await visit('/', true)
    await visit('/', true)
    expect(await shown('visitor')).toBe(first)
    expect(wix.state.tokenRequests).toHaveLength(1)
  })

  it('restores the visitor from localStorage when the cookie is lost, and writes it back to the cookie', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    const before = await localSession()
    await browser.context.clearCookies()
    await visit('/')
    // A page load opened directly: the server, seeing no cookie, minted a visitor for its render; the
    // browser's older one wins.
    expect(wix.count('anonymous')).toBe(2)
    await expect.poll(() => shown('visitor')).toBe(visitor)
    expect((await cookieSession()).tokens).toEqual(before.tokens)
    expect(await localSession()).toEqual(before)

    // A reload (a navigation from the site's own page) without the cookie: the server mints nothing.
    await browser.context.clearCookies()
    await visit('/', true)
    expect(wix.count('anonymous')).toBe(2)
    await expect.poll(() => shown('visitor')).toBe(visitor)
    expect((await cookieSession()).tokens).toEqual(before.tokens)
  })

  it('restores from localStorage before minting where the page is rendered in the browser', async () => {
    await visit('/spa')
    expect(wix.count('anonymous')).toBe(1)
    const visitor = await shown('visitor')
    await browser.context.clearCookies()
    await visit('/spa', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect((await cookieSession()).tokens.refreshToken.value).toBe((await localSession()).tokens.refreshToken.value)
  })

  it('hydrates without a mismatch when the server could not reach Wix, then serves the visitor', async () => {
    wix.fail('down', 1)
    await visit('/')
    await expect.poll(() => browser.page.getByTestId('visitor').count()).toBe(1)
    expect(wix.count('anonymous')).toBe(2)
    expect(await shown('visitor')).toBe(fingerprint((await cookieSession()).tokens.refreshToken.value))
  })

  for (const answeredFirst of ['first', 'second'] as const) {
    it(`gives a cookie-less browser one visitor when a page rendered in the browser and its server route both start one (${answeredFirst} grant answered first)`, async () => {
      const releases = [wix.holdNext(), wix.holdNext()]
      await browser.page.goto(url('/spa-route'))
      // The tab's mint and the route's mint are both out, held at the stand-in.
      await expect.poll(() => wix.state.tokenRequests.length).toBe(2)
      const [early, late] = answeredFirst === 'first' ? releases : [...releases].reverse()
      early!()
      await expect.poll(async () => !!(await cookieSession())).toBe(true)
      late!()
      await expect.poll(() => browser.page.getByTestId('route-visitor').textContent()).not.toBe('')
      await settled()
      await expect.poll(async () => (await cookieSession())?.tokens.refreshToken.value).toBe((await localSession())?.tokens.refreshToken.value)
      const kept = (await cookieSession()).tokens.refreshToken.value
      await expect.poll(() => shown('visitor')).toBe(fingerprint(kept))

      await visit('/spa-route', true)
      expect(await shown('visitor')).toBe(fingerprint(kept))
      expect((await localSession()).tokens.refreshToken.value).toBe(kept)
      expect(wix.count('anonymous')).toBe(2)
    })
  }

  it('loads the data the server could not, once the browser has the visitor the server failed to mint', async () => {
    wix.fail('down', 1)
    await visit('/')
    // The server rendered the cart's failure; the browser's new visitor gets its cart fetched again.
    await expect.poll(() => browser.page.getByTestId('cart-empty').count()).toBe(1)
    expect(await browser.page.getByTestId('cart-error').count()).toBe(0)
    const cartCalls = wix.state.apiRequests.filter(request => request.path.startsWith('/ecom/v1/carts/current'))
    expect(cartCalls.map(request => request.status)).toEqual([200])
    expect(cartCalls[0]!.authorization).toBe((await cookieSession()).tokens.accessToken.value)
  })

  it('hydrates without a mismatch when a renewal on the server failed for a moment, keeping the visitor', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    const session = await cookieSession()
    await browser.context.addCookies([{
      name: 'wixSession',
      value: encodeURIComponent(JSON.stringify({ ...session, tokens: { ...session.tokens, accessToken: { ...session.tokens.accessToken, expiresAt: 0 } } })),
      url: url('/'),
    }])
    wix.fail(503, 1)
    await visit('/', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)
  })

  it('loads a returning visitor\'s data in the browser on a cached page, without a throwaway visitor', async () => {
    await visit('/')
    await browser.page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 1/)
    await visit('/cached-cart')
    await expect.poll(() => shown('client-items')).toBe('tea×1')
    expect(wix.count('anonymous')).toBe(1)
  })

  it('mints once for a new visitor whose data a cached page loads in the browser', async () => {
    await visit('/cached-cart')
    await expect.poll(() => shown('client-items')).toBe('empty')
    await settled()
    expect(wix.count('anonymous')).toBe(1)
    expect(await shown('visitor')).toBe(fingerprint((await cookieSession()).tokens.refreshToken.value))
  })

  it('serves a new visitor in the browser on a cached page, once', async () => {
    await visit('/cached')
    expect(wix.count('anonymous')).toBe(1)
    const session = await cookieSession()
    expect(await shown('visitor')).toBe(fingerprint(session.tokens.refreshToken.value))
    await visit('/cached', true)
    expect(await shown('visitor')).toBe(fingerprint(session.tokens.refreshToken.value))
    expect(wix.state.tokenRequests).toHaveLength(1)
  })

  it.each(['/cached', '/prerendered'])('shows a returning visitor on %s without a token request', async (path) => {
    await visit('/')
    const visitor = await shown('visitor')
    await visit(path)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.state.tokenRequests).toHaveLength(1)
  })

  it('runs the composable from the page: generate, confirm, renew, get, clear and set', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    const access = await shown('access')

    await click('confirm', 'confirm: done')
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect(await shown('access')).toBe(access)

    await click('renew', 'renew: done')
    expect(wix.count('refresh_token')).toBe(1)
    expect(await shown('visitor')).toBe(visitor)
    expect(await shown('access')).not.toBe(access)
    expect(fingerprint((await cookieSession()).tokens.accessToken.value)).toBe(await shown('access'))
    expect(await localSession()).toEqual(await cookieSession())

    await click('get', `get: visitor ${visitor}, visitor`)

    await click('generate', 'generate: done')
    expect(wix.count('anonymous')).toBe(2)
    const next = await shown('visitor')
    expect(next).not.toBe(visitor)
    expect(fingerprint((await cookieSession()).tokens.refreshToken.value)).toBe(next)
    expect(fingerprint((await localSession()).tokens.refreshToken.value)).toBe(next)

    await click('clear', 'clear: done')
    expect(await browser.page.getByTestId('no-session').count()).toBe(1)
    expect(await cookieSession()).toBeUndefined()
    expect(await localSession()).toBeNull()

    const saved = wix.createVisitor()
    await browser.page.getByTestId('saved').fill(JSON.stringify(saved))
    await click('set', 'set: done')
    expect(await shown('visitor')).toBe(fingerprint(saved.refreshToken.value))
    expect((await cookieSession()).tokens).toEqual(saved)

    await browser.page.getByTestId('saved').fill(JSON.stringify({ ...saved, refreshToken: { value: '', role: 'visitor' } }))
    await click('set', /refreshToken\.value must be a non-empty string/)
    expect(await shown('visitor')).toBe(fingerprint(saved.refreshToken.value))
    expect(wix.count('anonymous')).toBe(2)
  })

  it('keeps the cart across reloads and through an expired access token, with one renewal', async () => {
    await visit('/')
    // The cart was fetched during SSR; hydration reuses it rather than asking again.
    expect(wix.state.apiRequests).toHaveLength(1)
    await browser.page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 1/)

    await visit('/', true)
    expect(await shown('cart-tea')).toMatch(/tea × 1/)

    const visitor = await shown('visitor')
    const refreshesBefore = wix.count('refresh_token')
    wix.expireAccessTokens()
    await browser.page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 2/)
    expect(wix.count('refresh_token') - refreshesBefore).toBe(1)
    expect(wix.count('anonymous')).toBe(1)
    expect(await shown('visitor')).toBe(visitor)
    const renewed = (await cookieSession()).tokens.accessToken.value
    expect(await shown('access')).toBe(fingerprint(renewed))
    expect(wix.state.apiRequests.at(-1)!.authorization).toBe(renewed)
  })

  it('renews through the module before an @wix/sdk call, and the store sees the new token', async () => {
    await visit('/sdk')
    const visitor = await shown('visitor')
    const access = await shown('access')
    await browser.page.getByTestId('expire').click()
    // A renewal that fails for a moment fails the call, and the SDK's own fallback (a new visitor) never runs.
    wix.fail(503, 1)
    await browser.page.getByTestId('sdk-call').click()
    await expect.poll(() => shown('sdk-visitor')).toMatch(/^failed: .*HTTP 503/)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)

    await browser.page.getByTestId('sdk-call').click()
    await expect.poll(() => shown('sdk-visitor')).toBe(visitor)
    await settled()
    expect(wix.count('refresh_token')).toBe(2)
    expect(wix.count('anonymous')).toBe(1)
    const renewed = (await cookieSession()).tokens.accessToken.value
    expect(await shown('access')).toBe(fingerprint(renewed))
    expect(await shown('access')).not.toBe(access)
    expect(wix.state.apiRequests.at(-1)!.authorization).toBe(renewed)
  })

  it('keeps the visitor when a member flow of the SDK meets a renewal that fails for a moment', async () => {
    // The SDK sends its own token requests to Wix's host: route them to the stand-in.
    await browser.page.route('https://www.wixapis.com/**', async (route) => {
      const target = new URL(route.request().url())
      await route.fulfill({ response: await route.fetch({ url: `${wix.url}${target.pathname}${target.search}` }) })
    })
    await visit('/sdk')
    const visitor = await shown('visitor')
    await browser.page.getByTestId('expire').click()
    wix.fail(503, 1)
    await browser.page.getByTestId('sdk-login').click()
    await expect.poll(() => shown('sdk-visitor')).toMatch(/^login failed: .*HTTP 503/)
    await settled()
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.count('refresh_token')).toBe(1)
  })

  it('keeps every tab on the same visitor: a new visitor in one tab reaches the other', async () => {
    await visit('/')
    const other = await browser.openTab('/')
    const first = await shown('visitor')
    expect(await other.getByTestId('visitor').textContent()).toBe(first)

    await click('generate', 'generate: done')
    const next = await shown('visitor')
    expect(next).not.toBe(first)
    await expect.poll(() => other.getByTestId('visitor').textContent()).toBe(next)
    expect(wix.count('anonymous')).toBe(2)
    expect(wix.count('refresh_token')).toBe(0)
  })

  it('keeps the visitor in every tab when a script clears localStorage in one of them', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    const other = await browser.openTab('/')
    await other.evaluate(() => localStorage.clear())
    await visit('/', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(await other.getByTestId('visitor').textContent()).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)
  })

  it('follows a clear in another tab even where the cookie has not caught up with it', async () => {
    await visit('/')
    const first = await shown('visitor')
    const other = await browser.openTab('/')
    // What a clear looks like to this tab before the cookie's removal reaches it: the key is gone, the cookie is not.
    await other.evaluate(key => localStorage.removeItem(key), `wixSession:${wix.clientId}`)
    await expect.poll(() => shown('visitor')).not.toBe(first)
    const next = await shown('visitor')
    await expect.poll(() => other.getByTestId('visitor').textContent()).toBe(next)
    await settled()
    expect(wix.count('anonymous')).toBe(2)
  })

  it('gives all open tabs one new visitor, minted once, after a clear in one of them', async () => {
    await visit('/')
    const first = await shown('visitor')
    const tabs = [await browser.openTab('/'), await browser.openTab('/')]
    await click('clear', 'clear: done')
    // The other tabs follow the clear, reload their data, and need a visitor: one of them mints it.
    for (const tab of tabs) await expect.poll(() => tab.getByTestId('visitor').textContent()).not.toBe(first)
    const next = await tabs[0]!.getByTestId('visitor').textContent()
    expect(await tabs[1]!.getByTestId('visitor').textContent()).toBe(next)
    await expect.poll(() => shown('visitor')).toBe(next)
    expect(wix.count('anonymous')).toBe(2)
  })

  const lock = `nuxt-wix-visitor:${wix.clientId}`
  const localKey = `wixSession:${wix.clientId}`
  const storedValue = (tokens: StoredTokens) => JSON.stringify({ clientId: wix.clientId, tokens })

  /** Another tab of the site, without the app, holding the tabs' lock as a minting tab would. */
  async function holdTheLock() {
    const holder = await browser.context.newPage()
    await holder.route(url('/lock-holder'), route => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>tab</title>' }))
    await holder.goto(url('/lock-holder'))
    await holder.evaluate(name => new Promise<void>((held) => {
      navigator.locks.request(name, () => new Promise<void>((release) => {
        Object.assign(window, { release })
        held()
      }))
    }), lock)
    /** How many requests for the lock wait behind the holder. */
    const waiting = () => holder.evaluate(async name => (await navigator.locks.query()).pending?.filter(entry => entry.name === name).length, lock)
    return { holder, waiting }
  }

  it('takes the visitor of a tab that minted under the lock even when its stored copy arrives late', async () => {
    const { holder, waiting } = await holdTheLock()
    await browser.page.goto(url('/spa'))
    await expect.poll(waiting).toBe(1)
    // The holder lets go, and its visitor reaches storage only after the page got the lock.
    const visitor = wix.createVisitor()
    await holder.evaluate(({ name, key, value }) => {
      (window as unknown as { release: () => void }).release()
      // Late: written only once the page holds the lock, so it has already looked and found nothing.
      const writeWhenHeld = async () => {
        const { held = [] } = await navigator.locks.query()
        if (held.some(entry => entry.name === name)) localStorage.setItem(key, value)
        else setTimeout(writeWhenHeld, 10)
      }
      void writeWhenHeld()
    }, { name: lock, key: localKey, value: storedValue(visitor) })

    await expect.poll(() => shown('visitor')).toBe(fingerprint(visitor.refreshToken.value))
    await settled()
    expect(wix.count('anonymous')).toBe(0)
  })

  it('takes the visitor another tab stored in the cookie where localStorage is blocked', async () => {
    const { holder, waiting } = await holdTheLock()
    await browser.page.addInitScript(() => Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get: () => {
        throw new DOMException('localStorage is blocked', 'SecurityError')
      },
    }))
    await browser.page.goto(url('/spa'))
    await expect.poll(waiting).toBe(1)
    const visitor = wix.createVisitor()
    await holder.evaluate((cookie) => {
      document.cookie = cookie
      ;(window as unknown as { release: () => void }).release()
    }, `wixSession=${encodeURIComponent(storedValue(visitor))}; Path=/`)

    await expect.poll(() => shown('visitor')).toBe(fingerprint(visitor.refreshToken.value))
    await settled()
    expect(wix.count('anonymous')).toBe(0)
  })

  it('follows what localStorage holds, not an older write the event reports', async () => {
    await visit('/')
    const current = await shown('visitor')
    const older = wix.createVisitor()
    // Another tab's write that reaches this tab after a newer one: localStorage already holds the newer.
    const shownAfter = await browser.page.evaluate(async ({ key, value }) => {
      window.dispatchEvent(new StorageEvent('storage', { key, newValue: value, storageArea: localStorage }))
      await new Promise(resolve => setTimeout(resolve, 0))
      return document.querySelector('[data-testid="visitor"]')?.textContent?.trim()
    }, { key: localKey, value: storedValue(older) })
    expect(shownAfter).toBe(current)
    expect(await shown('visitor')).toBe(current)
    expect((await localSession()).tokens.refreshToken.value).not.toBe(older.refreshToken.value)
  })
})
