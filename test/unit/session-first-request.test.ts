// The first token request of a process (or a browser tab) waits for the request code to load. A call made
// then must act as if it had been sent at once: on the tokens the session had at the call, giving way to
// the changes made while the code loads. Each test loads the session module afresh, so its first call is
// such a first request.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'
import { expiredVisitorOf, sessionOptions } from './session-setup'

const standIn = await startWixStandIn()
afterAll(() => standIn.close())
beforeEach(() => {
  standIn.reset()
  vi.resetModules()
})

async function freshSession(tokens: Tokens | null) {
  const { VisitorSession } = await import('../../src/runtime/session')
  const persisted: (Tokens | null)[] = []
  return { session: new VisitorSession(sessionOptions(standIn, persisted, { tokens })), persisted }
}

const expiredVisitor = () => expiredVisitorOf(standIn)

describe('the first token request, while its code loads', () => {
  it('counts as pending from the call', async () => {
    const { session } = await freshSession(expiredVisitor())
    const ensured = session.ensureTokens()
    expect(session.pending).toBe(true)
    await ensured
    expect(session.pending).toBe(false)
  })

  it('renews the tokens of the call; a clear made meanwhile wins, and the session then mints once', async () => {
    const expired = expiredVisitor()
    const { session, persisted } = await freshSession(expired)
    const ensured = session.ensureTokens()
    session.clearTokens()
    const tokens = await ensured
    expect(standIn.state.tokenRequests.map(request => request.grantType)).toEqual(['refresh_token', 'anonymous'])
    expect(standIn.state.tokenRequests[0]).toMatchObject({ refreshToken: expired.refreshToken.value })
    expect(tokens?.refreshToken.value).not.toBe(expired.refreshToken.value)
    expect(session.tokens).toEqual(tokens)
    expect(persisted).toEqual([null, tokens])
  })

  it('does not undo a setTokens made meanwhile, and answers with those tokens', async () => {
    const { session } = await freshSession(expiredVisitor())
    const ensured = session.ensureTokens()
    const member = { ...standIn.createVisitor(), refreshToken: { ...standIn.createVisitor().refreshToken, role: 'member' as const } }
    session.setTokens(member)
    expect(await ensured).toEqual(member)
    expect(session.tokens).toEqual(member)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
  })

  it('generateVisitorTokens with valid tokens needs no code: they are active before it returns, and a later setTokens wins', async () => {
    const { session } = await freshSession(null)
    const first = standIn.createVisitor()
    const second = standIn.createVisitor()
    const generated = session.generateVisitorTokens(first)
    expect(session.getTokens()).toEqual(first)
    session.setTokens(second)
    expect(await generated).toEqual(first)
    expect(session.tokens).toEqual(second)
    expect(standIn.state.tokenRequests).toEqual([])
  })
})
