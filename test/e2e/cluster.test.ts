// The server keeps nothing of a visitor beyond one request: two production processes of the fixture
// behind a round-robin proxy serve one browser, which keeps one visitor and renews its token once.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer, request as forwardRequest } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import { connect, createServer as createTcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startWixStandIn } from '../../src/testing'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { buildDirOf, CHROMIUM, CHROMIUM_ARGS, hasChromium } from './fixtures'

const wix = await startWixStandIn()
afterAll(() => wix.close())

const HOST = '127.0.0.1'
const localKey = `wixSession:${wix.clientId}`
// Headers of one connection, which the proxy does not pass on.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

interface Upstream {
  name: string
  port: number
  process: ChildProcess
  log: string[]
  /** Requests this process served: all of them, and the page loads (document requests) among them. */
  served: { all: number, pages: number }
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createTcpServer()
  await new Promise<void>(resolve => probe.listen(0, HOST, resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise(resolve => probe.close(resolve))
  return port
}

const accepts = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect(port, HOST)
  socket.once('connect', () => socket.end(() => resolve(true)))
  socket.once('error', () => resolve(false))
})

/** One production server process of the built `basic` fixture, talking to the stand-in; resolves once it listens. */
async function startServer(name: string): Promise<Upstream> {
  const port = await freePort()
  const child = spawn(process.execPath, [`${buildDirOf('basic')}/output/server/index.mjs`], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST,
      NODE_ENV: 'production',
      NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url,
      NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID: wix.clientId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log: string[] = []
  child.stdout!.on('data', chunk => log.push(String(chunk)))
  child.stderr!.on('data', chunk => log.push(String(chunk)))
  // Probing the port rather than a page: a page request would mint a visitor of its own.
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server ${name} exited before listening (${child.exitCode ?? child.signalCode}):\n${log.join('')}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return { name, port, process: child, log, served: { all: 0, pages: 0 } }
}

async function stopServer(upstream: Upstream) {
  const child = upstream.process
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A page load, as the browser marks the request for the document. */
const isPageLoad = (req: IncomingMessage) => req.headers['sec-fetch-dest'] === 'document'

/**
 * A round-robin proxy: each request goes to the next process, over a connection of its own. Page loads
 * take turns among themselves (as the other requests do among themselves), so two page loads in a row
 * always reach different processes, however many asset requests the browser sends in between.
 */
async function startProxy(upstreams: Upstream[]): Promise<{ server: Server, url: string }> {
  const turns = { pages: 0, others: 0 }
  const server = createServer((req, res) => {
    const page = isPageLoad(req)
    const upstream = upstreams[(page ? turns.pages++ : turns.others++) % upstreams.length]!
    upstream.served.all++
    if (page) upstream.served.pages++
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)))
    const forward = forwardRequest({ host: HOST, port: upstream.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      // Raw headers keep every Set-Cookie line as the process sent it.
      const raw: string[] = []
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase())) raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!)
      }
      res.writeHead(answer.statusCode!, answer.statusMessage, raw)
      answer.pipe(res)
    })
    forward.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(`proxy: ${upstream.name} failed: ${error.message}`)
    })
    req.pipe(forward)
  })
  await new Promise<void>(resolve => server.listen(0, HOST, resolve))
  return { server, url: `http://${HOST}:${(server.address() as AddressInfo).port}` }
}

describe.runIf(hasChromium)('two server processes behind a round-robin proxy', () => {
  let upstreams: Upstream[] = []
  let proxy: { server: Server, url: string }
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  beforeAll(async () => {
    upstreams = await Promise.all([startServer('a'), startServer('b')])
    proxy = await startProxy(upstreams)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    // One browser context for the whole describe: one visitor, whichever process serves it.
    context = await browser.newContext()
    page = await context.newPage()
    page.on('pageerror', error => pageErrors.push(error.message))
    wix.reset()
  })

  afterAll(async () => {
    await browser?.close()
    if (proxy) {
      proxy.server.closeAllConnections()
      await new Promise(resolve => proxy.server.close(resolve))
    }
    await Promise.all(upstreams.map(stopServer))
  })

  /** Loads a page through the proxy and waits until hydration and the session work after it are done. */
  async function load(path: string, reload = false) {
    if (reload) await page.reload()
    else await page.goto(`${proxy.url}${path}`)
    await page.waitForFunction(() => (window as unknown as { useNuxtApp?: () => { isHydrating: boolean } }).useNuxtApp?.().isHydrating === false)
    await page.waitForLoadState('networkidle')
    await expect.poll(() => page.getByTestId('pending').count()).toBe(0)
  }

  async function cookieSession() {
    const cookie = (await context.cookies()).find(entry => entry.name === 'wixSession')
    return cookie && JSON.parse(decodeURIComponent(cookie.value))
  }
  const localSession = () => page.evaluate(key => JSON.parse(localStorage.getItem(key) ?? 'null'), localKey)
  const pagesServed = () => upstreams.map(upstream => upstream.served.pages)

  /** The visitor the cookie and localStorage both hold, and the page shows; fails where they differ. */
  async function storedVisitor() {
    const cookie = await cookieSession()
    const local = await localSession()
    expect(cookie.clientId).toBe(wix.clientId)
    expect(local).toEqual(cookie)
    expect(await page.getByTestId('role').textContent()).toMatch(/^\s*visitor\s*$/)
    if (await page.getByTestId('visitor').count()) {
      expect((await page.getByTestId('visitor').textContent())!.trim()).toBe(fingerprint(cookie.tokens.refreshToken.value))
    }
    return cookie.tokens as ReturnType<typeof wix.createVisitor>
  }

  /** Page loads through the proxy: full loads, so each one is a document request of its own. */
  const visits: [path: string, reload?: boolean][] = [['/'], ['/', true], ['/role'], ['/bff'], ['/bff', true], ['/']]

  let visitor: string | undefined

  it('keeps one visitor, minted once, across page loads that alternate between the processes', async () => {
    for (const [path, reload] of visits) {
      await load(path, reload)
      const tokens = await storedVisitor()
      visitor ??= tokens.refreshToken.value
      expect(tokens.refreshToken.value).toBe(visitor)
    }
    expect(wix.count('anonymous')).toBe(1)
    expect(wix.count('refresh_token')).toBe(0)
    expect(wix.state.tokenRequests).toHaveLength(1)
    // Both processes served page loads, turn about.
    expect(pagesServed()).toEqual([3, 3])
    for (const upstream of upstreams) expect(upstream.served.all).toBeGreaterThan(upstream.served.pages)
    expect(pageErrors).toEqual([])
  })

  it('renews an expired access token once, whichever process the next page loads reach', async () => {
    const before = await storedVisitor()
    const expired = { clientId: wix.clientId, tokens: { ...before, accessToken: { ...before.accessToken, expiresAt: 0 } } }
    const value = encodeURIComponent(JSON.stringify(expired))
    // Written from a blank page of the site's origin that the proxy never sees, so no open page of the app reacts.
    const blank = `${proxy.url}/blank`
    await page.route(blank, route => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }))
    await page.goto(blank)
    await page.evaluate(({ key, stored }) => localStorage.setItem(key, stored), { key: localKey, stored: JSON.stringify(expired) })
    const cookie = (await context.cookies()).find(entry => entry.name === 'wixSession')!
    await context.addCookies([{ ...cookie, value }])
    await page.unroute(blank)
    expect(await cookieSession()).toEqual(expired)
    expect(await localSession()).toEqual(expired)

    const pagesBefore = pagesServed()
    const renewedVisits: [path: string, reload?: boolean][] = [['/role'], ['/'], ['/', true], ['/bff'], ['/role']]
    let renewed: string | undefined
    for (const [path, reload] of renewedVisits) {
      await load(path, reload)
      const tokens = await storedVisitor()
      expect(tokens.refreshToken.value).toBe(visitor)
      expect(tokens.accessToken.value).not.toBe(before.accessToken.value)
      expect(tokens.accessToken.expiresAt).toBeGreaterThan(Date.now() / 1000)
      renewed ??= tokens.accessToken.value
      expect(tokens.accessToken.value).toBe(renewed)
    }
    expect(wix.count('refresh_token')).toBe(1)
    expect(wix.state.tokenRequests.find(request => request.grantType === 'refresh_token')!.refreshToken).toBe(visitor)
    expect(wix.count('anonymous')).toBe(1)
    // Both processes served page loads after the expiry too, turn about.
    expect(pagesServed().map((served, index) => served - pagesBefore[index]!)).toEqual([3, 2])
    expect(pageErrors).toEqual([])
  })
})
