// Members and Wix-hosted pages in a real Chromium: login, logout and checkout through the stand-in's
// hosted pages keep one session throughout, and the login routes refuse what they must.
import { afterAll, describe, expect, it } from 'vitest'
import { fetch, url } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { hasChromium, serveFixture, sessionCookieOf } from './fixtures'
import { useBrowserPage } from './browser-page'
import type { Tokens } from '../../src/runtime/types'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('basic', wix)

const session = (tokens: Tokens) => `wixSession=${encodeURIComponent(JSON.stringify({ clientId: wix.clientId, tokens }))}`

describe('the login and logout routes over HTTP', () => {
  it('refuse a logout by GET from another site, and one with no sign of where it came from', async () => {
    const refused: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://elsewhere.example' }, {}]
    for (const headers of refused) {
      const response = await fetch('/_wix/auth/logout', { headers, redirect: 'manual' })
      expect(response.status, JSON.stringify(headers)).toBe(403)
    }
    const crossSitePost = await fetch('/_wix/auth/logout', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' }, redirect: 'manual' })
    expect(crossSitePost.status).toBe(403)
    // From the site's own pages, a GET that is not a navigation to a document (an image, a prefetch) is refused too.
    const notNavigations: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'image' }, { 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'document', 'sec-purpose': 'prefetch' }]
    for (const headers of notNavigations) {
      expect((await fetch('/_wix/auth/logout', { headers, redirect: 'manual' })).status, JSON.stringify(headers)).toBe(403)
    }
    const navigation = await fetch('/_wix/auth/logout', { headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }, redirect: 'manual' })
    expect(navigation.status).toBe(303)
  })

  it('log a member out on a same-origin POST: the cookie is removed before the browser leaves for Wix', async () => {
    wix.reset()
    const member = wix.createMember()
    const response = await fetch('/_wix/auth/logout?returnTo=/cart', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', 'cookie': session(member) }, redirect: 'manual' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toMatch(new RegExp(`^${wix.url}/_stand-in/hosted/`))
    expect(sessionCookieOf(response)!.value).toBeNull()
    expect(wix.state.redirectSessions).toHaveLength(1)
    expect(wix.state.redirectSessions[0]!.authorization).toBe(member.accessToken.value)
    expect((wix.state.redirectSessions[0]!.body as { callbacks: { postFlowUrl: string } }).callbacks.postFlowUrl)
      .toBe(url('/_wix/auth/logout-callback?returnTo=%2Fcart'))
  })

  it('do not log a member out through a link from another site to the logout callback', async () => {
    wix.reset()
    const member = wix.createMember()
    const response = await fetch('/_wix/auth/logout-callback?returnTo=/', { headers: { 'sec-fetch-site': 'cross-site', 'cookie': session(member) }, redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(sessionCookieOf(response)).toBeUndefined()
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('keep at most three login attempts in cookies, so abandoned ones cannot pile up', async () => {
    wix.reset()
    const stale = ['A', 'B', 'C', 'D'].map(letter => `wixLogin_${letter.repeat(32)}=x`).join('; ')
    const response = await fetch('/_wix/auth/login?returnTo=/', { headers: { cookie: stale }, redirect: 'manual' })
    expect(response.status).toBe(302)
    const written = response.headers.getSetCookie().filter(value => value.startsWith('wixLogin_'))
    const deleted = written.filter(value => /Max-Age=0/i.test(value)).map(value => value.slice(0, value.indexOf('=')))
    // The two oldest go; two stay beside the new one.
    expect(deleted).toEqual(['wixLogin_'.concat('A'.repeat(32)), 'wixLogin_'.concat('B'.repeat(32))])
    expect(written.filter(value => !/Max-Age=0/i.test(value))).toHaveLength(1)
  })

  it('answer a page whose own middleware returns login() with a redirect to the login route, during SSR', async () => {
    const response = await fetch('/login-middleware', { headers: { cookie: session(wix.createVisitor()) }, redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/_wix/auth/login?returnTo=%2Flogin-middleware&prompt=login')
    expect(await response.text()).not.toContain('data-testid="login-middleware-page"')
  })

  it('keep the member through a passing renewal failure, and announce the end when Wix refuses the refresh token', async () => {
    wix.reset()
    const member = wix.createMember(-10)
    wix.fail(503, 1)
    const kept = await fetch('/member-ended', { headers: { cookie: session(member) } })
    const keptHtml = await kept.text()
    expect(keptHtml).toMatch(/data-testid="role"[^>]*>\s*member/)
    expect(sessionCookieOf(kept)).toBeUndefined()

    wix.revoke(member.refreshToken.value)
    const ended = await fetch('/member-ended', { headers: { cookie: session(member) } })
    const html = await ended.text()
    expect(html).toMatch(/data-testid="role"[^>]*>\s*visitor/)
    expect(html).toMatch(/data-testid="logged-in"[^>]*>\s*no/)
    expect(html).toContain('data-reason="member_ended"')
    expect(html).toMatch(/data-testid="member-ended"[^>]*>\s*1/)
    expect(sessionCookieOf(ended)!.value.tokens.refreshToken.role).toBe('visitor')
    expect(wix.count('refresh_token')).toBe(2)
    expect(wix.count('anonymous')).toBe(1)
  })
})

describe.runIf(hasChromium)('members in the browser', () => {
  const browser = useBrowserPage(wix)
  const { visit, shown, cookieSession, localSession } = browser

  /** Waits until the page the browser landed on is hydrated and its session work is done. */
  async function landed() {
    await browser.page.waitForFunction(() => (window as unknown as { useNuxtApp?: () => { isHydrating: boolean } }).useNuxtApp?.().isHydrating === false)
    await browser.page.waitForLoadState('networkidle')
    await browser.settled()
  }
  it('keeps showing that the member session ended, as rendered, once the page has hydrated', async () => {
    const member = wix.createMember(-10)
    wix.revoke(member.refreshToken.value)
    await browser.context.addCookies([{ name: 'wixSession', value: encodeURIComponent(JSON.stringify({ clientId: wix.clientId, tokens: member })), url: url('/') }])
    await visit('/member-ended')
    expect(await shown('role')).toBe('visitor')
    expect(await browser.page.getByTestId('error').getAttribute('data-reason')).toBe('member_ended')
    expect(wix.count('anonymous')).toBe(1)
  })

  /** Follows the page to the stand-in's hosted page, then clicks `button` there and waits to be back. */
  async function onWixPage(button: string, backAt: RegExp) {
    await browser.page.waitForURL(`${wix.url}/_stand-in/hosted/**`)
    await browser.page.locator(`#${button}`).click()
    await browser.page.waitForURL(backAt)
    await landed()
  }
  const storedValues = async () => JSON.stringify([await browser.context.cookies(), await localSession()])

  it('logs in from a page with a cart and comes back as a member; reload keeps it, a second tab follows', async () => {
    await visit('/')
    await browser.page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 1/)
    const other = await browser.openTab('/')

    await browser.page.getByTestId('login').click()
    await onWixPage('stand-in-login', new RegExp(`^${url('/')}$`))
    expect(await shown('role')).toBe('member')
    expect(await shown('logged-in')).toBe('yes')
    expect(wix.count('authorization_code')).toBe(1)
    expect(wix.count('anonymous')).toBe(1)
    const member = await cookieSession()
    expect(wix.isMember(member.tokens.refreshToken.value)).toBe(true)
    await expect.poll(() => localSession()).toEqual(member)
    await expect.poll(() => other.getByTestId('role').textContent()).toBe('member')

    await visit('/', true)
    expect(await shown('role')).toBe('member')
    expect(wix.state.tokenRequests).toHaveLength(2)
  })

  it('ends a route change whose middleware returns login(): the page never renders for the visitor', async () => {
    await visit('/')
    await browser.page.evaluate(() => (window as unknown as { useNuxtApp: () => { $router: { push: (to: string) => Promise<unknown> } } }).useNuxtApp().$router.push('/login-middleware'))
    await onWixPage('stand-in-login', new RegExp(`^${url('/login-middleware')}$`))
    expect(await shown('login-middleware-page')).toBe('member')
    expect(await browser.page.evaluate(() => JSON.parse(sessionStorage.getItem('login-middleware-renders') ?? '[]'))).toEqual(['member'])
  })

  it('logs out: back on returnTo as a new visitor, nothing of the member left in cookie or localStorage', async () => {
    // The members' page sends a visitor through the login and back.
    await browser.page.goto(url('/account'))
    await onWixPage('stand-in-login', new RegExp(`^${url('/account')}$`))
    expect(await shown('members-only')).toMatch(/Members' page/)
    const member = (await cookieSession()).tokens
    await browser.page.getByTestId('logout').click()
    // Back on /account as a new visitor, which the members' page sends to the login again.
    await browser.page.waitForURL(`${wix.url}/_stand-in/hosted/**`)
    expect(wix.state.logouts).toHaveLength(1)
    expect((await cookieSession()).tokens.refreshToken.role).toBe('visitor')
    await visit('/')
    expect(await shown('role')).toBe('visitor')
    const values = await storedValues()
    expect(values).not.toContain(member.refreshToken.value)
    expect(values).not.toContain(member.accessToken.value)
    expect(wix.count('anonymous')).toBe(2)
  })

  it('logs out from a page anyone may see and lands there as a new visitor', async () => {
    await visit('/')
    await browser.page.getByTestId('login').click()
    await onWixPage('stand-in-login', new RegExp(`^${url('/')}$`))
    const member = (await cookieSession()).tokens
    await browser.page.getByTestId('logout').click()
    await expect.poll(() => wix.state.logouts.length).toBe(1)
    await browser.page.waitForURL(new RegExp(`^${url('/')}$`))
    await landed()
    expect(await shown('role')).toBe('visitor')
    expect(await storedValues()).not.toContain(member.refreshToken.value)
    expect((await localSession()).tokens).toEqual((await cookieSession()).tokens)
    expect(wix.count('anonymous')).toBe(2)
  })

  it('logs out through a plain form POST with nothing of the member brought back, even when Wix is down on the way back', async () => {
    await visit('/')
    await browser.page.getByTestId('login').click()
    await onWixPage('stand-in-login', new RegExp(`^${url('/')}$`))
    const member = (await cookieSession()).tokens
    expect((await localSession()).tokens).toEqual(member)
    // Without the composable: a form posts to the logout route, and the token endpoint fails from here on,
    // so no new visitor replaces the member's copies on the way back.
    wix.fail('down')
    await browser.page.evaluate(() => {
      const form = document.createElement('form')
      form.method = 'post'
      form.action = '/_wix/auth/logout?returnTo=/role'
      document.body.append(form)
      form.submit()
    })
    await expect.poll(() => wix.state.logouts.length).toBe(1)
    await browser.page.waitForURL(new RegExp(`^${url('/role')}$`))
    await landed()
    expect(await shown('role')).not.toBe('member')
    expect(await storedValues()).not.toContain(member.refreshToken.value)
  })

  it('comes back from checkout with wixMemberLoggedIn=true as a member, through a silent login', async () => {
    await visit('/')
    await browser.page.getByTestId('checkout').click()
    await browser.page.waitForURL(`${wix.url}/_stand-in/hosted/**`)
    await browser.page.locator('#stand-in-login-and-order').click()
    await browser.page.waitForURL(new RegExp(`^${url('/')}\\?ordered=1$`))
    await landed()
    expect(await shown('role')).toBe('member')
    expect(wix.state.orders).toEqual([{ checkoutId: 'playground-checkout', memberLoggedIn: true }])
    expect(wix.count('authorization_code')).toBe(1)
    const prompts = wix.state.redirectSessions.filter(entry => entry.intent === 'auth').map(entry => (entry.body as { auth: { prompt: string } }).auth.prompt)
    expect(prompts).toEqual(['none'])
  })

  it('comes back from checkout with wixMemberLoggedIn=false as the same visitor', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    await browser.page.getByTestId('checkout').click()
    await onWixPage('stand-in-place-order', new RegExp(`^${url('/')}\\?ordered=1&wixMemberLoggedIn=false$`))
    expect(await shown('visitor')).toBe(visitor)
    expect(await shown('role')).toBe('visitor')
    expect(wix.count('authorization_code')).toBe(0)
  })

  it('keeps the visitor and its cart when the login is cancelled, and says why', async () => {
    await visit('/')
    await browser.page.getByTestId('add-tea').click()
    await expect.poll(() => shown('cart-tea')).toMatch(/tea × 1/)
    const visitor = await shown('visitor')
    await browser.page.getByTestId('login').click()
    await onWixPage('stand-in-cancel', /wixAuthError=access_denied/)
    expect(await shown('visitor')).toBe(visitor)
    expect(await shown('cart-tea')).toMatch(/tea × 1/)
    expect(await browser.page.getByTestId('error').getAttribute('data-reason')).toBe('access_denied')
    expect(wix.count('authorization_code')).toBe(0)
  })

  it('refuses a callback whose state was tampered with, before exchanging anything', async () => {
    await visit('/')
    const visitor = await shown('visitor')
    await browser.page.getByTestId('login').click()
    await browser.page.waitForURL(`${wix.url}/_stand-in/hosted/**`)
    // The hosted page's login form, answered outside the browser: its redirect is the real callback URL.
    const answer = await globalThis.fetch(`${browser.page.url()}/login`, { method: 'POST', redirect: 'manual' })
    const tampered = new URL(answer.headers.get('location')!)
    expect(tampered.searchParams.get('code')).toBeTruthy()
    tampered.searchParams.set('state', 'A'.repeat(32))
    await visit(`${tampered.pathname}${tampered.search}`)
    expect(new URL(browser.page.url()).search).toBe('?wixAuthError=state')
    expect(await shown('visitor')).toBe(visitor)
    expect(wix.count('authorization_code')).toBe(0)
  })

  it('sends a login with returnTo on another site back to / on this one', async () => {
    await visit('/')
    await browser.page.goto(url('/_wix/auth/login?returnTo=https://elsewhere.example/steal'))
    await onWixPage('stand-in-login', new RegExp(`^${url('/')}$`))
    expect(await shown('role')).toBe('member')
    expect(fingerprint((await cookieSession()).tokens.refreshToken.value)).toBe(await shown('visitor'))
  })
})
