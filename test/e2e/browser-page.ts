// One Chromium per e2e file and a fresh browser context per test, with the helpers the browser tests share.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { url } from '@nuxt/test-utils/e2e'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { WixStandIn } from '../../src/testing'
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from './fixtures'

if (!hasChromium) {
  if (process.env.CI) throw new Error(`Chromium is required in CI but ${CHROMIUM} is missing`)
  console.warn(`Skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`)
}

/**
 * Registers the hooks (call inside a describe); each test gets a new context and page, the stand-in is
 * reset, and a hydration warning in the console fails the test.
 */
export function useBrowserPage(wix: WixStandIn) {
  let browser: Browser
  const consoleMessages: string[] = []
  const localKey = `wixSession:${wix.clientId}`

  const current = {
    context: undefined as unknown as BrowserContext,
    page: undefined as unknown as Page,

    /** Loads a page and waits until hydration and the session work after it are done. */
    async visit(path: string, reload = false) {
      await load(current.page, path, reload)
    },
    /** Opens `path` in another tab of the same browser context, loaded as by `visit()`. */
    async openTab(path: string): Promise<Page> {
      const tab = await current.context.newPage()
      listen(tab)
      await load(tab, path)
      return tab
    },
    /** Waits until no token request of the page is pending. */
    async settled(page?: Page): Promise<void> {
      const settling = page ?? current.page
      await expect.poll(() => settling.getByTestId('pending').count()).toBe(0)
    },
    shown: (testId: string) => current.page.getByTestId(testId).textContent(),
    async cookieSession() {
      const cookie = (await current.context.cookies()).find(entry => entry.name === 'wixSession')
      return cookie && JSON.parse(decodeURIComponent(cookie.value))
    },
    localSession: () => current.page.evaluate(key => JSON.parse(localStorage.getItem(key) ?? 'null'), localKey),
    /** Clicks a playground button and waits for the outcome it reports. */
    async click(testId: string, outcome: string | RegExp) {
      await current.page.getByTestId(testId).click()
      await expect.poll(() => current.shown('outcome')).toMatch(outcome)
      await current.settled()
    },
  }

  function listen(page: Page) {
    page.on('console', message => consoleMessages.push(`${message.type()}: ${message.text()}`))
    page.on('pageerror', error => consoleMessages.push(`pageerror: ${error.message}`))
  }

  async function load(page: Page, path: string, reload = false): Promise<void> {
    if (reload) await page.reload()
    else await page.goto(url(path))
    await page.waitForFunction(() => (window as unknown as { useNuxtApp?: () => { isHydrating: boolean } }).useNuxtApp?.().isHydrating === false)
    await page.waitForLoadState('networkidle')
    await current.settled(page)
  }

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  })
  afterAll(() => browser?.close())
  beforeEach(async () => {
    wix.reset()
    consoleMessages.length = 0
    current.context = await browser.newContext()
    current.page = await current.context.newPage()
    listen(current.page)
    return async () => {
      expect(consoleMessages.filter(message => /hydration|mismatch/i.test(message))).toEqual([])
      await current.context.close()
    }
  })

  return current
}
