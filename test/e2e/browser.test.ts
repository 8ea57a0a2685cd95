// The fixture app in a real Chromium: one visitor across SSR, hydration, reloads and lost cookies.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { url } from '@nuxt/test-utils/e2e'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startWixStandIn } from '../stand-in/wix-server'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { CHROMIUM, CHROMIUM_ARGS, hasChromium, serveFixture } from './fixtures'

if (!hasChromium) {
  if (process.env.CI) throw new Error(`Chromium is required in CI but ${CHROMIUM} is missing`)
  console.warn(`Skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`)
}

const wix = await startWixStandIn()
afterAll(() => wix.close())
if (hasChromium) await serveFixture('basic', wix)

describe.runIf(hasChromium)('in the browser', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let consoleMessages: string[]
  const localKey = `wixSession:${wix.clientId}`

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  })
  afterAll(() => browser?.close())

  beforeEach(async () => {
    wix.reset()
    context = await browser.newContext()
    page = await context.newPage()
    consoleMessages = []
    page.on('console', message => consoleMessages.push(`${message.type()}: ${message.text()}`))
    page.on('pageerror', error => consoleMessages.push(`pageerror: ${error.message}`))
    return async () => {
      expect(consoleMessages.filter(message => /hydration|mismatch/i.test(message))).toEqual([])
      await context.close()
    }
  })

  /** Loads a page and waits until hydration and the session work after it are done. */
  async function visit(path: string, reload = false) {
    if (reload) await page.reload()
    else await page.goto(url(path))
    await page.waitForFunction(() => (window as unknown as { useNuxtApp?: () => { isHydrating: boolean } }).useNuxtApp?.().isHydrating === false)
    await page.waitForLoadState('networkidle')
    await expectSettled()
  }

  async function expectSettled() {
    await expect.poll(() => page.getByTestId('pending').count()).toBe(0)
  }

  const shown = (testId: string) => page.getByTestId(testId).textContent()
  const cookieSession = async () => {
    const cookie = (await context.cookies()).find(entry => entry.name === 'wixSession')
    return cookie && JSON.parse(decodeURIComponent(cookie.value))
  }
  const localSession = () => page.evaluate(key => JSON.parse(localStorage.getItem(key) ?? 'null'), localKey)

  async function click(testId: string, outcome: string | RegExp) {
    await page.getByTestId(testId).click()
    await expect.poll(() => shown('outcome')).toMatch(outcome)
    await expectSettled()
  }

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
    await context.clearCookies()
    await visit('/', true)
    // The server, seeing no cookie, minted a visitor for its render; the browser's older one wins.
    expect(wix.count('anonymous')).toBe(2)
    await expect.poll(() => shown('visitor')).toBe(visitor)
    expect((await cookieSession()).tokens).toEqual(before.tokens)
    expect(await localSession()).toEqual(before)
  })

  it('restores from localStorage before minting where the page is rendered in the browser', async () => {
    await visit('/spa')
    expect(wix.count('anonymous')).toBe(1)
    const visitor = await shown('visitor')
    await context.clearCookies()
    await visit('/spa', true)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.state.tokenRequests).toHaveLength(1)
    expect((await cookieSession()).tokens.refreshToken.value).toBe((await localSession()).tokens.refreshToken.value)
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
    expect(await page.getByTestId('no-session').count()).toBe(1)
    expect(await cookieSession()).toBeUndefined()
    expect(await localSession()).toBeNull()

    const saved = wix.createVisitor()
    await page.getByTestId('saved').fill(JSON.stringify(saved))
    await click('set', 'set: done')
    expect(await shown('visitor')).toBe(fingerprint(saved.refreshToken.value))
    expect((await cookieSession()).tokens).toEqual(saved)

    await page.getByTestId('saved').fill(JSON.stringify({ ...saved, refreshToken: { value: '', role: 'visitor' } }))
    await click('set', /refreshToken\.value must be a non-empty string/)
    expect(await shown('visitor')).toBe(fingerprint(saved.refreshToken.value))
    expect(wix.count('anonymous')).toBe(2)
  })

  it('keeps the cart across reloads and through an expired access token, with one renewal', async () => {
    await visit('/')
    // The cart was fetched during SSR; hydration reuses it rather than asking again.
    expect(wix.state.apiRequests).toHaveLength(1)
    await page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 1/)

    await visit('/', true)
    expect(await shown('cart-tea')).toMatch(/tea × 1/)

    const visitor = await shown('visitor')
    const refreshesBefore = wix.count('refresh_token')
    wix.expireAccessTokens()
    await page.getByTestId('add-tea').click()
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
    await page.getByTestId('expire').click()
    // A renewal that fails for a moment fails the call, and the SDK's own fallback (a new visitor) never runs.
    wix.fail(503, 1)
    await page.getByTestId('sdk-call').click()
    await expect.poll(() => shown('sdk-visitor')).toMatch(/^failed: .*HTTP 503/)
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)

    await page.getByTestId('sdk-call').click()
    await expect.poll(() => shown('sdk-visitor')).toBe(visitor)
    await expectSettled()
    expect(wix.count('refresh_token')).toBe(2)
    expect(wix.count('anonymous')).toBe(1)
    const renewed = (await cookieSession()).tokens.accessToken.value
    expect(await shown('access')).toBe(fingerprint(renewed))
    expect(await shown('access')).not.toBe(access)
    expect(wix.state.apiRequests.at(-1)!.authorization).toBe(renewed)
  })
})
