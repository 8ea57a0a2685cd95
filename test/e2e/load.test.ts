// A bounded load test on the production build, on 127.0.0.1: 2,000 requests from 200 virtual visitors,
// 50 of them in flight at once, each with its own cookie jar and one request at a time, like a browser tab.
// Every answer is checked: no 5xx, each visitor only ever sees itself, and the token requests are exactly
// one renewal per expired visitor and one new visitor per visitor without a cookie. Timings are printed,
// never asserted.
import { afterAll, describe, expect, it } from 'vitest'
import { fetch } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import type { Tokens } from '../../src/runtime/types'
import { fingerprint } from '../../playground/shared/utils/fingerprint'
import { serveFixture } from './fixtures'

const wix = await startWixStandIn()
afterAll(() => wix.close())
await serveFixture('basic', wix)

const VISITORS = 200
const REQUESTS = 2_000
const CONCURRENCY = 50
const EXPIRED = VISITORS / 4
const WITHOUT_COOKIE = VISITORS / 10
const now = () => Math.floor(Date.now() / 1000)

type Kind = 'expired' | 'no-cookie' | 'valid'
type Path = '/' | '/api/cart'

interface Visitor {
  index: number
  kind: Kind
  /** The session the jar holds, as the browser would send it back. */
  jar: Tokens | null
  paths: Path[]
  cookiesSet: number
  visitorId?: string
}

/** A small deterministic generator, so a run's mix of pages and routes can be told again. */
function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

function shuffle<T>(items: T[], next: () => number) {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1))
    ;[items[index], items[other]] = [items[other]!, items[index]!]
  }
  return items
}

const cookieOf = (tokens: Tokens) => `wixSession=${encodeURIComponent(JSON.stringify({ clientId: wix.clientId, tokens }))}`

function setSessions(response: Response) {
  return response.headers.getSetCookie().filter(value => value.startsWith('wixSession='))
    .map(value => JSON.parse(decodeURIComponent(value.slice('wixSession='.length).split(';')[0]!)) as { clientId: string, tokens: Tokens } | null)
}

const visitorShown = (html: string) => /data-testid="visitor"[^>]*>\s*([0-9a-f]{8})\s*</.exec(html)?.[1]

function quantile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

describe('load: 2,000 requests, 200 visitors, 50 at once', () => {
  it('answers every request for the visitor who sent it, with exactly the token requests the visitors need', { timeout: 180_000 }, async () => {
    const next = random(Number(process.env.LOAD_SEED ?? 20_251_130))
    const visitors: Visitor[] = Array.from({ length: VISITORS }, (_, index) => {
      const kind: Kind = index < EXPIRED ? 'expired' : index < EXPIRED + WITHOUT_COOKIE ? 'no-cookie' : 'valid'
      let jar: Tokens | null = null
      if (kind !== 'no-cookie') {
        jar = wix.createVisitor()
        if (kind === 'expired') jar.accessToken.expiresAt = now() - 600
      }
      // Ten requests each, pages and the server route mixed, at least one of each.
      const paths = shuffle<Path>(['/', '/api/cart', ...Array.from({ length: REQUESTS / VISITORS - 2 }, (): Path => next() < 0.5 ? '/' : '/api/cart')], next)
      return { index, kind, jar, paths, cookiesSet: 0 }
    })
    const expiredRefreshTokens = visitors.filter(visitor => visitor.kind === 'expired').map(visitor => visitor.jar!.refreshToken.value)
    wix.reset()

    const problems: string[] = []
    const latencies: number[] = []
    const statuses = new Map<number, number>()
    const owners = new Map<string, number>()

    /** One request of one visitor: sends the jar, checks the answer, updates the jar. */
    async function visit(visitor: Visitor, path: Path, turn: number) {
      const sent = visitor.jar
      const say = (problem: string) => problems.push(`visitor ${visitor.index} (${visitor.kind}), request ${turn} ${path}: ${problem}`)
      const started = performance.now()
      const response = await fetch(path, { headers: sent ? { cookie: cookieOf(sent) } : {} })
      const body = await response.text()
      latencies.push(performance.now() - started)
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      if (response.status !== 200) return say(`status ${response.status}`)

      const written = setSessions(response)
      if (written.length > 1) say(`${written.length} session cookies set`)
      const session = written.at(-1)
      if (session !== undefined) {
        visitor.cookiesSet++
        if (!session || session.clientId !== wix.clientId) return say('the session cookie was removed or is another client\'s')
        const firstOfNew = !sent && visitor.kind === 'no-cookie' && turn === 0
        if (!firstOfNew && session.tokens.refreshToken.value !== sent?.refreshToken.value) say('the cookie set holds another visitor')
        visitor.jar = session.tokens
      }
      if (!visitor.jar) return say('no session after the answer')
      if (path === '/') {
        const shown = visitorShown(body)
        if (shown !== fingerprint(visitor.jar.refreshToken.value)) say(`the page shows visitor ${shown}, not ${fingerprint(visitor.jar.refreshToken.value)}`)
        return
      }
      const visitorId = (JSON.parse(body) as { cart?: { buyerInfo?: { visitorId?: string } } }).cart?.buyerInfo?.visitorId
      if (!visitorId) return say(`no cart visitor in ${body.slice(0, 200)}`)
      visitor.visitorId ??= visitorId
      if (visitorId !== visitor.visitorId) say(`the cart is visitor ${visitorId}'s, earlier ${visitor.visitorId}'s`)
      const owner = owners.get(visitorId) ?? visitor.index
      owners.set(visitorId, owner)
      if (owner !== visitor.index) say(`the cart is visitor ${owner}'s`)
    }

    // 50 tabs at a time; each takes the next visitor in a shuffled queue and sends its requests one by one.
    const queue = shuffle([...visitors], next)
    const started = performance.now()
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let visitor = queue.shift(); visitor; visitor = queue.shift()) {
        for (const [turn, path] of visitor.paths.entries()) await visit(visitor, path, turn)
      }
    }))
    const seconds = (performance.now() - started) / 1000

    const sorted = [...latencies].sort((a, b) => a - b)
    console.log(`load: ${latencies.length} requests (${visitors.flatMap(visitor => visitor.paths).filter(path => path === '/').length} pages, `
      + `${visitors.flatMap(visitor => visitor.paths).filter(path => path === '/api/cart').length} /api/cart) from ${VISITORS} visitors, ${CONCURRENCY} at once, in ${seconds.toFixed(1)} s: `
      + `${(latencies.length / seconds).toFixed(0)} req/s, p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; `
      + `statuses ${JSON.stringify(Object.fromEntries(statuses))}; token requests refresh_token ${wix.count('refresh_token')}, anonymous ${wix.count('anonymous')}`)

    expect(latencies).toHaveLength(REQUESTS)
    expect([...statuses.keys()].filter(status => status >= 500)).toEqual([])
    expect(problems).toEqual([])
    expect(Object.fromEntries(statuses)).toEqual({ 200: REQUESTS })
    // Exactly one renewal per expired visitor, of its own refresh token; one new visitor per visitor without a cookie.
    expect(wix.count('refresh_token')).toBe(EXPIRED)
    expect(wix.state.tokenRequests.filter(request => request.grantType === 'refresh_token').map(request => request.refreshToken).sort()).toEqual(expiredRefreshTokens.sort())
    expect(wix.count('anonymous')).toBe(WITHOUT_COOKIE)
    // The cookie is written once for each visitor that needed a new session, on its first answer, and never for the rest.
    expect(visitors.filter(visitor => visitor.cookiesSet !== (visitor.kind === 'valid' ? 0 : 1)).map(visitor => `${visitor.index} (${visitor.kind}): ${visitor.cookiesSet}`)).toEqual([])
    // Every visitor's cart is its own.
    expect(owners.size).toBe(VISITORS)
  })
})
