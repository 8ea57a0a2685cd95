// The token endpoint's circuit breaker over real HTTP: when it opens, how long it stays open, and how a
// single probe closes it, with the clock in the test's hands.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { startWixStandIn } from '../../src/testing'
import { TokenBreaker } from '../../src/runtime/breaker'
import { requestRenewedTokens, requestVisitorTokens } from '../../src/runtime/grants'
import { WixTokenError } from '../../src/runtime/token-error'
import { rejectionOf } from './rejection'

const wix = await startWixStandIn()
afterAll(() => wix.close())
beforeEach(() => wix.reset())

function setup(options: Partial<ConstructorParameters<typeof TokenBreaker>[0]> = {}) {
  const clock = { now: 1_000_000 }
  const breaker = new TokenBreaker({ threshold: 3, cooldown: 4000, maxCooldown: 60_000, ...options }, () => clock.now, () => 1)
  const endpoint = { clientId: wix.clientId, apiBaseUrl: wix.url, timeout: 2000, breaker }
  return { clock, breaker, mint: () => requestVisitorTokens(endpoint), endpoint }
}

describe('the token breaker', () => {
  it('stays closed through two passing failures, and a success resets the count', async () => {
    const { breaker, mint } = setup()
    wix.fail(503, 2)
    await rejectionOf(mint())
    await rejectionOf(mint())
    expect(breaker.open).toBe(false)
    await mint()
    wix.fail(503, 2)
    await rejectionOf(mint())
    await rejectionOf(mint())
    expect(breaker.open).toBe(false)
    expect(wix.count('anonymous')).toBe(5)
  })

  it('opens after three transient failures in a row and refuses at once, without a request', async () => {
    const { breaker, mint } = setup()
    wix.fail('down', 3)
    for (let i = 0; i < 3; i++) await rejectionOf(mint())
    expect(breaker.open).toBe(true)
    const refused = await rejectionOf(mint())
    expect(refused).toBeInstanceOf(WixTokenError)
    expect(refused).toMatchObject({ transient: true, reason: 'breaker_open', status: null })
    expect((refused as WixTokenError).toInfo()).toMatchObject({ reason: 'breaker_open' })
    expect((refused as Error).message).toMatch(/breaker open/)
    expect(wix.count('anonymous')).toBe(3)
  })

  it('counts timeouts as transient failures', async () => {
    const { breaker, endpoint } = setup()
    wix.state.delay = 1000
    for (let i = 0; i < 3; i++) await rejectionOf(requestVisitorTokens({ ...endpoint, timeout: 100 }))
    expect(breaker.open).toBe(true)
  })

  it('lets one probe through after the cool-down; a success closes it', async () => {
    const { clock, breaker, mint } = setup()
    wix.fail(500, 3)
    for (let i = 0; i < 3; i++) await rejectionOf(mint())
    clock.now += 3999
    await rejectionOf(mint())
    expect(wix.count('anonymous')).toBe(3)
    clock.now += 1
    const release = wix.holdNext()
    const probe = mint()
    // While the probe is out, every other request is refused without being sent.
    await expect.poll(() => wix.count('anonymous')).toBe(4)
    expect(await rejectionOf(mint())).toMatchObject({ reason: 'breaker_open' })
    release()
    await probe
    expect(breaker.open).toBe(false)
    await mint()
    expect(wix.count('anonymous')).toBe(5)
  })

  it('reopens for twice as long when the probe fails', async () => {
    const { clock, mint } = setup()
    wix.fail(502, 4)
    for (let i = 0; i < 3; i++) await rejectionOf(mint())
    clock.now += 4000
    await rejectionOf(mint())
    expect(wix.count('anonymous')).toBe(4)
    clock.now += 7999
    expect(await rejectionOf(mint())).toMatchObject({ reason: 'breaker_open' })
    clock.now += 1
    await mint()
    expect(wix.count('anonymous')).toBe(5)
  })

  it('keeps it open exactly as long as a 429\'s Retry-After says', async () => {
    const { clock, breaker, mint } = setup()
    wix.fail(429, 3, { message: 'slow down' }, { 'retry-after': '5' })
    for (let i = 0; i < 3; i++) await rejectionOf(mint())
    clock.now += 4999
    expect(breaker.open).toBe(true)
    expect(await rejectionOf(mint())).toMatchObject({ reason: 'breaker_open' })
    clock.now += 1
    expect(breaker.open).toBe(false)
    await mint()
    expect(wix.count('anonymous')).toBe(4)
  })

  it('takes an answer that is not transient as a sign the endpoint is up', async () => {
    const { breaker, endpoint, mint } = setup()
    wix.fail(503, 2)
    await rejectionOf(mint())
    await rejectionOf(mint())
    // A refresh token Wix does not know: 400, not transient.
    await rejectionOf(requestRenewedTokens(endpoint, { value: 'unknown', role: 'visitor' }))
    wix.fail(503, 2)
    await rejectionOf(mint())
    await rejectionOf(mint())
    expect(breaker.open).toBe(false)
  })
})
