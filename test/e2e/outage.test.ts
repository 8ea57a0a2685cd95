// A Wix outage seen from the server: once the breaker opens, pages stop waiting for the token endpoint,
// and after the cool-down the next request tries again.
import { afterAll, describe, expect, it } from 'vitest'
import { fetch } from '@nuxt/test-utils/e2e'
import { startWixStandIn } from '../../src/testing'
import { serveFixture } from './fixtures'

const wix = await startWixStandIn()
afterAll(() => wix.close())
// The fixture's token requests time out after 3 s; a short cool-down keeps the test brief.
await serveFixture('basic', wix, { NUXT_WIX_VISITOR_BREAKER_COOLDOWN: '1000', NUXT_WIX_VISITOR_BREAKER_MAX_COOLDOWN: '1000' })

describe('during a Wix outage', () => {
  it('pages answer without waiting for a hanging token endpoint once the breaker opens, then recover', async () => {
    wix.reset()
    wix.state.delay = 20_000
    // Three new visitors at once: each waits for its mint until the timeout, which opens the breaker.
    const first = await Promise.all([1, 2, 3].map(() => fetch('/')))
    expect(first.map(response => response.status)).toEqual([200, 200, 200])
    expect(wix.count('anonymous')).toBe(3)

    const started = Date.now()
    const during = await fetch('/')
    const html = await during.text()
    const took = Date.now() - started
    expect(during.status).toBe(200)
    expect(wix.count('anonymous')).toBe(3)
    expect(html).toContain('data-reason="breaker_open"')
    expect(html).toContain('data-testid="no-session"')
    // Far below the 3 s the fixture's token requests may take: the page did not wait for one.
    expect(took).toBeLessThan(2500)

    wix.recover()
    // After the cool-down, one request probes the endpoint, mints, and closes the breaker.
    await expect.poll(async () => {
      await fetch('/')
      return wix.count('anonymous')
    }, { timeout: 10_000, interval: 250 }).toBe(4)
    const after = await fetch('/')
    expect(await after.text()).toContain('data-testid="visitor"')
    expect(wix.count('anonymous')).toBe(5)
  })
})
