// The cookie options are fixed when the app is built: NUXT_PUBLIC_WIX_VISITOR_COOKIE_* set at run time
// (here, values no browser would take) are ignored, said so at server start, and never reach a response.
import { afterAll, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { fetch, url } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { hasChromium, serveFixture } from './fixtures'
import { useBrowserPage } from './browser-page'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('basic', wix, {
  NUXT_PUBLIC_WIX_VISITOR_COOKIE_NAME: 'bad name;',
  NUXT_PUBLIC_WIX_VISITOR_COOKIE_SAME_SITE: 'sideways',
  NUXT_PUBLIC_WIX_VISITOR_COOKIE_MAX_AGE: '-5',
})

describe('cookie options from the environment at run time', () => {
  it('are ignored: the page renders and writes the session cookie as built', async () => {
    // The test server's readiness probe rendered a page already.
    wix.reset()
    const response = await fetch('/')
    expect(response.status).toBe(200)
    expect(wix.count('anonymous')).toBe(1)
    const cookie = response.headers.getSetCookie().find(value => value.startsWith('wixSession='))
    expect(cookie).toBeDefined()
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(cookie).toMatch(/Max-Age=2592000/)
    const html = await response.text()
    expect(html).toContain('data-testid="visitor"')
    expect(html).not.toContain('data-testid="error"')
  })

  it('are ignored by a server route too', async () => {
    const response = await fetch('/api/cart')
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie().some(value => value.startsWith('wixSession='))).toBe(true)
  })
})

describe.runIf(hasChromium)('the same options in the browser', () => {
  const browser = useBrowserPage(wix)

  it('keep one visitor: the page reads the cookie under the name the server wrote it with', async () => {
    await browser.visit('/')
    expect(wix.count('anonymous')).toBe(1)
    expect(await browser.page.getByTestId('error').count()).toBe(0)
    await browser.visit('/', true)
    expect(wix.count('anonymous')).toBe(1)
    expect((await browser.cookieSession()).tokens).toEqual((await browser.localSession()).tokens)
  })
})

/** A GET with the Host header of a public site, which fetch() does not let a caller set. */
function getAs(host: string, headers: Record<string, string> = {}, path = '/') {
  const target = new URL(url('/'))
  return new Promise<{ status: number, setCookie: string[], html: string }>((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path, headers: { host, ...headers } }, (res) => {
      let html = ''
      res.setEncoding('utf8')
      res.on('data', chunk => (html += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, setCookie: res.headers['set-cookie'] ?? [], html }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a Secure session cookie on a site served over plain HTTP', () => {
  it('mints nothing on the server, where the browser would drop the cookie, and the page still renders', async () => {
    wix.reset()
    for (let i = 0; i < 3; i++) {
      const { status, setCookie, html } = await getAs('shop.example')
      expect(status).toBe(200)
      expect(setCookie.filter(value => value.startsWith('wixSession='))).toEqual([])
      expect(html).toContain('data-testid="no-session"')
    }
    expect(wix.count('anonymous')).toBe(0)
  })

  it('mints as usual behind a proxy that says the request came over HTTPS', async () => {
    wix.reset()
    const { status, setCookie } = await getAs('shop.example', { 'x-forwarded-proto': 'https' })
    expect(status).toBe(200)
    expect(setCookie.some(value => value.startsWith('wixSession='))).toBe(true)
    expect(wix.count('anonymous')).toBe(1)
  })
})

describe('a page load from one of the site\'s own pages without the session cookie', () => {
  const fromOwnPage = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }

  it('mints nothing for the page\'s render: the browser keeps its visitor', async () => {
    wix.reset()
    const { status, setCookie, html } = await getAs(new URL(url('/')).host, fromOwnPage)
    expect(status).toBe(200)
    expect(setCookie.filter(value => value.startsWith('wixSession='))).toEqual([])
    expect(html).toContain('data-testid="no-session"')
    expect(wix.count('anonymous')).toBe(0)
  })

  it('still mints for a server route, which needs a visitor to act on (the login route, say)', async () => {
    wix.reset()
    const { status, setCookie } = await getAs(new URL(url('/')).host, fromOwnPage, '/_wix/auth/login?returnTo=/')
    expect(status).toBe(302)
    expect(setCookie.some(value => value.startsWith('wixSession='))).toBe(true)
    expect(wix.count('anonymous')).toBe(1)
  })
})
