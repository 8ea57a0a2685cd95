import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { VisitorSession } from '../../src/runtime/session'
import type { VisitorSessionOptions } from '../../src/runtime/session'
import { WixTokenError } from '../../src/runtime/token-error'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'
import { rejectionOf } from './rejection'
import { expiredVisitorOf, sessionOptions } from './session-setup'

const SDK_EMPTY = { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } }

const standIn = await startWixStandIn()
afterAll(() => standIn.close())
beforeEach(() => standIn.reset())

function createSession(overrides: Partial<VisitorSessionOptions> = {}) {
  const persisted: (Tokens | null)[] = []
  const session = new VisitorSession(sessionOptions(standIn, persisted, overrides))
  return { session, persisted }
}

const expiredVisitor = () => expiredVisitorOf(standIn)

describe('generateVisitorTokens', () => {
  it('without tokens mints a new visitor', async () => {
    const { session, persisted } = createSession()
    const tokens = await session.generateVisitorTokens()
    expect(standIn.count('anonymous')).toBe(1)
    expect(standIn.count('refresh_token')).toBe(0)
    expect(tokens.refreshToken.role).toBe('visitor')
    expect(session.tokens).toEqual(tokens)
    expect(persisted).toEqual([tokens])
  })

  it('with null mints a new visitor', async () => {
    const { session } = createSession()
    await session.generateVisitorTokens(null)
    expect(standIn.count('anonymous')).toBe(1)
  })

  it('with valid tokens makes no request and returns them', async () => {
    const { session } = createSession()
    const visitor = standIn.createVisitor()
    const tokens = await session.generateVisitorTokens(visitor)
    expect(standIn.state.tokenRequests).toHaveLength(0)
    expect(tokens).toEqual(visitor)
    expect(session.tokens).toEqual(visitor)
  })

  it('with an expired access token renews once and keeps the refresh token', async () => {
    const { session, persisted } = createSession()
    const expired = expiredVisitor()
    const tokens = await session.generateVisitorTokens(expired)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(standIn.state.tokenRequests[0]).toEqual({ grantType: 'refresh_token', clientId: standIn.clientId, refreshToken: expired.refreshToken.value })
    expect(tokens.refreshToken).toEqual(expired.refreshToken)
    expect(tokens.accessToken.value).not.toBe(expired.accessToken.value)
    expect(tokens.accessToken.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 3600)
    expect(session.tokens).toEqual(tokens)
    expect(persisted).toEqual([tokens])
  })

  it('with an access token expiring within renewBeforeExpiry renews', async () => {
    const { session } = createSession({ renewBeforeExpiry: 3600 })
    const visitor = standIn.createVisitor(600)
    const tokens = await session.generateVisitorTokens(visitor)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(tokens.refreshToken).toEqual(visitor.refreshToken)
  })

  it('with a revoked refresh token mints a new visitor', async () => {
    const { session, persisted } = createSession()
    const expired = expiredVisitor()
    standIn.revoke(expired.refreshToken.value)
    const tokens = await session.generateVisitorTokens(expired)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(1)
    expect(tokens.refreshToken.value).not.toBe(expired.refreshToken.value)
    expect(tokens.refreshToken.role).toBe('visitor')
    expect(session.tokens).toEqual(tokens)
    expect(session.error).toBeNull()
    expect(persisted).toEqual([tokens])
  })

  it('with the SDK empty value mints a new visitor', async () => {
    const { session } = createSession()
    const tokens = await session.generateVisitorTokens(SDK_EMPTY)
    expect(standIn.count('anonymous')).toBe(1)
    expect(standIn.count('refresh_token')).toBe(0)
    expect(tokens.refreshToken.value).not.toBe('')
  })

  it.each([
    ['a 500', 500],
    ['a dropped connection', 'down'],
  ] as const)('%s during renewal rejects, leaves the session unchanged and does not mint', async (_name, failure) => {
    const current = expiredVisitor()
    const snapshot = structuredClone(current)
    const { session, persisted } = createSession({ tokens: current })
    standIn.fail(failure)
    const error = await rejectionOf(session.generateVisitorTokens(current))
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.transient).toBe(true)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(session.tokens).toBe(current)
    expect(session.tokens).toEqual(snapshot)
    expect(persisted).toEqual([])
  })

  it('with invalid tokens carrying a refresh token rejects with a TypeError and no request', async () => {
    const { session, persisted } = createSession()
    const error = await rejectionOf(session.generateVisitorTokens({ accessToken: { value: 'at', expiresAt: -1 }, refreshToken: { value: 'rt', role: 'visitor' } }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('accessToken.expiresAt')
    expect(standIn.state.tokenRequests).toHaveLength(0)
    expect(session.tokens).toBeNull()
    expect(persisted).toEqual([])
  })
})

describe('single flight', () => {
  it('20 concurrent getAccessToken() without tokens: one anonymous request, one value', async () => {
    const { session, persisted } = createSession()
    const values = await Promise.all(Array.from({ length: 20 }, () => session.getAccessToken()))
    expect(standIn.count('anonymous')).toBe(1)
    expect(standIn.count('refresh_token')).toBe(0)
    expect(new Set(values).size).toBe(1)
    expect(values[0]).toBe(session.tokens!.accessToken.value)
    expect(persisted).toHaveLength(1)
  })

  it('20 concurrent getAccessToken() with an expired access token: one refresh_token request', async () => {
    const expired = expiredVisitor()
    const { session, persisted } = createSession({ tokens: expired })
    const values = await Promise.all(Array.from({ length: 20 }, () => session.getAccessToken()))
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(new Set(values).size).toBe(1)
    expect(values[0]).not.toBe(expired.accessToken.value)
    expect(session.tokens!.refreshToken).toEqual(expired.refreshToken)
    expect(persisted).toHaveLength(1)
  })

  it('5 concurrent generateVisitorTokens(): one mint', async () => {
    const { session } = createSession()
    const results = await Promise.all(Array.from({ length: 5 }, () => session.generateVisitorTokens()))
    expect(standIn.count('anonymous')).toBe(1)
    expect(new Set(results.map(tokens => tokens.refreshToken.value)).size).toBe(1)
  })

  it('concurrent renewals of one refresh token share one request', async () => {
    const expired = expiredVisitor()
    const { session } = createSession()
    const results = await Promise.all([
      session.renewToken(expired.refreshToken.value),
      session.renewToken(expired.refreshToken),
      session.generateVisitorTokens(expired),
    ])
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(new Set(results.map(tokens => tokens.accessToken.value)).size).toBe(1)
  })

  it('concurrent callers share a failure, and a later call makes a new request', async () => {
    const { session } = createSession()
    standIn.fail(500, 1)
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => session.getAccessToken()))
    expect(outcomes.every(outcome => outcome.status === 'rejected')).toBe(true)
    expect(standIn.count('anonymous')).toBe(1)
    await session.getAccessToken()
    expect(standIn.count('anonymous')).toBe(2)
  })

  it('a sequential call after a finished flight makes no new request while tokens are valid', async () => {
    const { session } = createSession()
    const first = await session.getAccessToken()
    const second = await session.getAccessToken()
    expect(second).toBe(first)
    expect(standIn.count('anonymous')).toBe(1)
  })
})

describe('renewToken', () => {
  it('renews a refresh token given as a string', async () => {
    const expired = expiredVisitor()
    const { session, persisted } = createSession()
    const tokens = await session.renewToken(expired.refreshToken.value)
    expect(standIn.state.tokenRequests).toEqual([{ grantType: 'refresh_token', clientId: standIn.clientId, refreshToken: expired.refreshToken.value }])
    expect(tokens.refreshToken).toEqual({ value: expired.refreshToken.value, role: 'visitor' })
    expect(session.tokens).toEqual(tokens)
    expect(persisted).toEqual([tokens])
  })

  it('a string matching the current refresh token keeps its role', async () => {
    const visitor = standIn.createVisitor()
    const member: Tokens = { ...visitor, refreshToken: { ...visitor.refreshToken, role: 'member' } }
    const { session } = createSession({ tokens: member })
    const tokens = await session.renewToken(member.refreshToken.value)
    expect(tokens.refreshToken).toEqual(member.refreshToken)
  })

  it('renews a refresh token given as an object, keeping its role', async () => {
    const expired = expiredVisitor()
    const { session } = createSession()
    const tokens = await session.renewToken({ value: expired.refreshToken.value, role: 'member' })
    expect(standIn.count('refresh_token')).toBe(1)
    expect(tokens.refreshToken).toEqual({ value: expired.refreshToken.value, role: 'member' })
  })

  it('without an argument renews the current refresh token', async () => {
    const current = standIn.createVisitor()
    const { session } = createSession({ tokens: current })
    const tokens = await session.renewToken()
    expect(standIn.state.tokenRequests).toEqual([{ grantType: 'refresh_token', clientId: standIn.clientId, refreshToken: current.refreshToken.value }])
    expect(tokens.refreshToken).toEqual(current.refreshToken)
    expect(tokens.accessToken.value).not.toBe(current.accessToken.value)
  })

  it('without an argument and without a session rejects with a TypeError', async () => {
    const { session } = createSession()
    const error = await rejectionOf(session.renewToken())
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('no refresh token')
    expect(standIn.state.tokenRequests).toHaveLength(0)
  })

  it('an empty string rejects with a TypeError', async () => {
    const { session } = createSession()
    const error = await rejectionOf(session.renewToken(''))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('refreshToken must be a non-empty string')
    expect(standIn.state.tokenRequests).toHaveLength(0)
  })

  it('an invalid object rejects with a TypeError naming the field', async () => {
    const { session } = createSession()
    const error = await rejectionOf(session.renewToken({ value: 'rt', role: 'admin' }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('refreshToken.role')
    const empty = await rejectionOf(session.renewToken({ value: '', role: 'visitor' }))
    expect(empty).toBeInstanceOf(TypeError)
    expect(empty.message).toContain('refreshToken.value must be a non-empty string')
    expect(standIn.state.tokenRequests).toHaveLength(0)
  })

  it('never mints: a revoked refresh token rejects', async () => {
    const current = expiredVisitor()
    standIn.revoke(current.refreshToken.value)
    const { session, persisted } = createSession({ tokens: current })
    const error = await rejectionOf(session.renewToken())
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.rejected).toBe(true)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
    expect(persisted).toEqual([])
    const again = await rejectionOf(session.renewToken(current.refreshToken.value))
    expect(again.rejected).toBe(true)
    expect(standIn.count('anonymous')).toBe(0)
  })

  it('never mints: a transient failure rejects', async () => {
    const current = expiredVisitor()
    const { session } = createSession({ tokens: current })
    standIn.fail('down')
    const error = await rejectionOf(session.renewToken())
    expect(error.transient).toBe(true)
    expect(standIn.count('anonymous')).toBe(0)
    expect(session.tokens).toBe(current)
  })
})

describe('setTokens / clearTokens / getTokens', () => {
  it('setTokens validates, activates and persists', () => {
    const { session, persisted } = createSession()
    const visitor = standIn.createVisitor()
    const tokens = session.setTokens(visitor)
    expect(tokens).toEqual(visitor)
    expect(session.tokens).toEqual(visitor)
    expect(persisted).toEqual([visitor])
    expect(standIn.state.tokenRequests).toHaveLength(0)
  })

  it.each([
    ['null', null, 'tokens must be an object'],
    ['the SDK empty value', SDK_EMPTY, 'refreshToken.value must be a non-empty string'],
    ['a wrong role', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { value: 'rt', role: 'admin' } }, 'refreshToken.role'],
    ['a string expiresAt', { accessToken: { value: 'at', expiresAt: '1' }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt'],
    ['no accessToken', { refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken must be an object'],
  ])('setTokens with %s throws a TypeError naming the field and changes nothing', (_name, input, field) => {
    const current = standIn.createVisitor()
    const snapshot = structuredClone(current)
    const { session, persisted } = createSession({ tokens: current })
    let listened = 0
    session.subscribe(() => listened++)
    expect(() => session.setTokens(input as never)).toThrow(TypeError)
    expect(() => session.setTokens(input as never)).toThrow(field)
    expect(() => session.setTokens(input as never)).toThrow(/^useWixVisitor\(\)\.setTokens: /)
    expect(session.tokens).toBe(current)
    expect(session.tokens).toEqual(snapshot)
    expect(persisted).toEqual([])
    expect(listened).toBe(0)
  })

  it('clearTokens forgets the session and persists null', () => {
    const current = standIn.createVisitor()
    const { session, persisted } = createSession({ tokens: current })
    session.clearTokens()
    expect(session.tokens).toBeNull()
    expect(session.getTokens()).toBeNull()
    expect(persisted).toEqual([null])
    expect(session.initialTokens).toBe(current)
  })

  it('getTokens returns a copy', () => {
    const current = standIn.createVisitor()
    const { session } = createSession({ tokens: current })
    const copy = session.getTokens()!
    expect(copy).toEqual(current)
    copy.accessToken.value = 'changed'
    expect(session.tokens!.accessToken.value).toBe(current.accessToken.value)
  })

  it('resume activates tokens without persisting them', () => {
    const { session, persisted } = createSession()
    const current = standIn.createVisitor()
    session.resume(current)
    expect(session.tokens).toBe(current)
    expect(persisted).toEqual([])
  })
})

describe('ensureTokens / getAccessToken', () => {
  it('with valid tokens: no request', async () => {
    const current = standIn.createVisitor()
    const { session, persisted } = createSession({ tokens: current })
    expect(await session.ensureTokens()).toBe(current)
    expect(await session.getAccessToken()).toBe(current.accessToken.value)
    expect(standIn.state.tokenRequests).toHaveLength(0)
    expect(persisted).toEqual([])
  })

  it('with autoGenerate false and no tokens: null and no request; getAccessToken rejects clearly', async () => {
    const { session, persisted } = createSession({ autoGenerate: false })
    expect(await session.ensureTokens()).toBeNull()
    const error = await rejectionOf(session.getAccessToken())
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.message).toContain('no visitor session')
    expect(error.message).toContain('autoGenerate is off')
    expect(error.message).toContain('generateVisitorTokens()')
    expect(standIn.state.tokenRequests).toHaveLength(0)
    expect(persisted).toEqual([])
  })

  it('with autoGenerate false an expired access token is still renewed', async () => {
    const expired = expiredVisitor()
    const { session } = createSession({ autoGenerate: false })
    session.resume(expired)
    const tokens = await session.ensureTokens()
    expect(tokens!.refreshToken).toEqual(expired.refreshToken)
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(0)
  })

  it('with autoGenerate false a revoked refresh token clears the session and rejects, without minting', async () => {
    const expired = expiredVisitor()
    standIn.revoke(expired.refreshToken.value)
    const { session, persisted } = createSession({ autoGenerate: false, tokens: expired })
    const error = await rejectionOf(session.getAccessToken())
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.rejected).toBe(true)
    expect(session.tokens).toBeNull()
    expect(persisted).toEqual([null])
    expect(standIn.count('anonymous')).toBe(0)
  })

  it.each([false, true])('with autoGenerate %s a client id Wix does not know keeps the stored visitor', async (autoGenerate) => {
    const expired = expiredVisitor()
    const { session, persisted } = createSession({ autoGenerate, tokens: expired, clientId: 'not-a-client' })
    const error = await rejectionOf(session.getAccessToken())
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.invalidClient).toBe(true)
    expect(error.message).toContain('check wixVisitor.clientId')
    expect(session.tokens).toEqual(expired)
    expect(persisted).toEqual([])
    // With autoGenerate on, the mint is refused for the same reason, which is how the visitor stays.
    const refresh = { grantType: 'refresh_token', clientId: 'not-a-client', refreshToken: expired.refreshToken.value }
    expect(standIn.state.tokenRequests).toEqual(autoGenerate ? [refresh, { grantType: 'anonymous', clientId: 'not-a-client' }] : [refresh])
  })

  it('with autoGenerate true a revoked refresh token gives a new visitor', async () => {
    const expired = expiredVisitor()
    standIn.revoke(expired.refreshToken.value)
    const { session, persisted } = createSession({ tokens: expired })
    const value = await session.getAccessToken()
    expect(standIn.count('refresh_token')).toBe(1)
    expect(standIn.count('anonymous')).toBe(1)
    expect(session.tokens!.refreshToken.value).not.toBe(expired.refreshToken.value)
    expect(value).toBe(session.tokens!.accessToken.value)
    expect(persisted).toEqual([session.tokens])
  })

  it('a transient failure while renewing keeps the visitor and does not mint', async () => {
    const expired = expiredVisitor()
    const { session, persisted } = createSession({ tokens: expired })
    standIn.fail(503)
    const error = await rejectionOf(session.getAccessToken())
    expect(error.transient).toBe(true)
    expect(session.tokens).toBe(expired)
    expect(standIn.count('anonymous')).toBe(0)
    expect(persisted).toEqual([])
    standIn.recover()
    await session.getAccessToken()
    expect(session.tokens!.refreshToken).toEqual(expired.refreshToken)
    expect(standIn.count('anonymous')).toBe(0)
  })

  it('an empty client id rejects without any request', async () => {
    const { session } = createSession({ clientId: '' })
    const error = await rejectionOf(session.getAccessToken())
    expect(error).toBeInstanceOf(WixTokenError)
    expect(error.transient).toBe(false)
    expect(error.message).toContain('no client id')
    expect(session.error).toEqual({ message: error.message, status: null, transient: false })
    expect(standIn.state.tokenRequests).toHaveLength(0)
  })
})

describe('error and pending', () => {
  it('after a failure, error holds message, status and transient; the next success clears it', async () => {
    const { session } = createSession()
    expect(session.error).toBeNull()
    standIn.fail(500, 1)
    const error = await rejectionOf(session.generateVisitorTokens())
    expect(session.error).toEqual({ message: error.message, status: 500, transient: true })
    expect(session.error!.message).toContain('HTTP 500')
    await session.generateVisitorTokens()
    expect(session.error).toBeNull()
  })

  it('a network failure has a null status', async () => {
    const { session } = createSession()
    standIn.fail('down', 1)
    await rejectionOf(session.getAccessToken())
    expect(session.error).toMatchObject({ status: null, transient: true })
    expect(session.error!.message).toEqual(expect.any(String))
  })

  it('the error message never contains a token value', async () => {
    const expired = expiredVisitor()
    standIn.revoke(expired.refreshToken.value)
    const { session } = createSession({ tokens: expired })
    await rejectionOf(session.renewToken())
    expect(session.error).toMatchObject({ status: 400, transient: false })
    // The stand-in quotes the token in its error body; the message keeps the words, not the token.
    expect(session.error!.message).toContain('invalid refresh token [redacted]')
    expect(session.error!.message).not.toContain(expired.refreshToken.value)
    expect(session.error!.message).not.toContain(expired.accessToken.value)

    const other = expiredVisitor()
    session.resume(other)
    standIn.fail(500, 1)
    await rejectionOf(session.renewToken())
    expect(session.error).toMatchObject({ status: 500, transient: true })
    expect(session.error!.message).not.toContain(other.refreshToken.value)
    expect(session.error!.message).not.toContain(other.accessToken.value)
    expect(JSON.stringify(session.error)).not.toContain(other.refreshToken.value)
  })

  it('pending is true while a mint is in flight', async () => {
    const { session } = createSession()
    standIn.state.delay = 100
    expect(session.pending).toBe(false)
    const promise = session.getAccessToken()
    expect(session.pending).toBe(true)
    await promise
    expect(session.pending).toBe(false)
  })

  it('pending is true while a renewal is in flight, and false after a failure', async () => {
    const { session } = createSession({ tokens: expiredVisitor() })
    standIn.state.delay = 100
    const promise = session.generateVisitorTokens(session.tokens)
    expect(session.pending).toBe(true)
    await promise
    expect(session.pending).toBe(false)

    standIn.fail(500, 1)
    const failing = session.renewToken()
    expect(session.pending).toBe(true)
    await rejectionOf(failing)
    expect(session.pending).toBe(false)
  })
})

describe('a change made while a request is out', () => {
  it('clearTokens is not undone by the mint that was in flight; the waiting caller gets a token of the session as it is now', async () => {
    const { session, persisted } = createSession()
    standIn.state.delay = 100
    const flight = session.getAccessToken()
    session.clearTokens()
    const token = await flight
    // The first answer was for a session that no longer exists; the empty one got a visitor of its own.
    expect(persisted[0]).toBeNull()
    expect(standIn.count('anonymous')).toBe(2)
    expect(token).toBe(session.tokens!.accessToken.value)
  })

  it('setTokens (say, a member login) is not undone by the renewal that was in flight, and the waiting caller gets the member\'s token', async () => {
    const { session } = createSession({ tokens: expiredVisitor() })
    const member: Tokens = { ...standIn.createVisitor(), refreshToken: { value: 'member-refresh', role: 'member' } }
    standIn.state.delay = 100
    const flight = session.getAccessToken()
    session.setTokens(member)
    expect(await flight).toBe(member.accessToken.value)
    expect(session.tokens).toEqual(member)
    expect(standIn.count('refresh_token')).toBe(1)
  })

  it('an explicit generateVisitorTokens() is made active even when a renewal finishes while it is out', async () => {
    const { session } = createSession({ tokens: expiredVisitor() })
    standIn.state.delay = 50
    const renewal = session.getAccessToken()
    const minted = session.generateVisitorTokens()
    await renewal
    const visitor = await minted
    expect(session.tokens).toEqual(visitor)
    expect(standIn.count('anonymous')).toBe(1)
  })

  it('a renewal the session made by itself does not land over a visitor generated while it was out', async () => {
    const { session } = createSession({ tokens: expiredVisitor() })
    const release = standIn.holdNext()
    const renewal = session.getAccessToken()
    await expect.poll(() => standIn.state.tokenRequests.length).toBe(1)
    const visitor = await session.generateVisitorTokens()
    release()
    const token = await renewal
    expect(session.tokens).toEqual(visitor)
    expect(token).toBe(visitor.accessToken.value)
    expect(standIn.count('refresh_token')).toBe(1)
  })
})

describe('sessions sharing storage (browser tabs)', () => {
  it('an explicit generateVisitorTokens() still lands when another tab\'s session is followed meanwhile', async () => {
    const { session, persisted } = createSession({ tokens: standIn.createVisitor() })
    standIn.state.delay = 100
    const minted = session.generateVisitorTokens()
    session.follow(standIn.createVisitor())
    const visitor = await minted
    expect(session.tokens).toEqual(visitor)
    expect(persisted).toEqual([visitor])
  })

  it('a renewal the session made by itself gives way to a session followed meanwhile', async () => {
    const { session } = createSession({ tokens: expiredVisitor() })
    standIn.state.delay = 100
    const waiting = session.getAccessToken()
    const shared = standIn.createVisitor()
    session.follow(shared)
    expect(await waiting).toBe(shared.accessToken.value)
    expect(session.tokens).toEqual(shared)
  })

  it('a mint the session makes by itself can be answered by the visitor another tab stored', async () => {
    const stored = standIn.createVisitor()
    const replaced: (Tokens | null)[] = []
    const { session } = createSession({
      mintExclusively: async (_mint, replacing) => {
        replaced.push(replacing)
        return stored
      },
    })
    expect(await session.getAccessToken()).toBe(stored.accessToken.value)
    expect(session.tokens).toEqual(stored)
    expect(replaced).toEqual([null])
    expect(standIn.count('anonymous')).toBe(0)
    // What the app asks for explicitly is never answered from storage.
    await session.generateVisitorTokens()
    expect(standIn.count('anonymous')).toBe(1)
  })

  it('an explicit generateVisitorTokens() during an exclusive mint makes its own visitor, and it wins', async () => {
    const stored = standIn.createVisitor()
    let answerWithStored!: () => void
    const { session } = createSession({
      mintExclusively: () => new Promise(resolve => (answerWithStored = () => resolve(stored))),
    })
    const waiting = session.getAccessToken()
    const generated = await session.generateVisitorTokens()
    expect(generated.refreshToken.value).not.toBe(stored.refreshToken.value)
    expect(standIn.count('anonymous')).toBe(1)
    answerWithStored()
    expect(await waiting).toBe(generated.accessToken.value)
    expect(session.tokens).toEqual(generated)
  })

  it('an exclusive mint is active and persisted before the exclusive section ends', async () => {
    let persistedInside: (Tokens | null)[] = []
    const { session, persisted } = createSession({
      mintExclusively: async (mint) => {
        const minted = await mint.request()
        mint.land(minted)
        persistedInside = [...persisted]
        return minted
      },
    })
    const token = await session.getAccessToken()
    expect(persistedInside).toHaveLength(1)
    expect(persistedInside[0]!.accessToken.value).toBe(token)
    expect(persisted).toEqual(persistedInside)
    expect(standIn.count('anonymous')).toBe(1)
  })

  it('an exclusive mint that another tab\'s visitor overtook is neither used nor persisted', async () => {
    const shared = standIn.createVisitor()
    const { session, persisted } = createSession({ mintExclusively: async (mint) => {
      const minted = await mint.request()
      mint.land(minted)
      return minted
    } })
    const waiting = session.getAccessToken()
    session.follow(shared)
    expect(await waiting).toBe(shared.accessToken.value)
    expect(standIn.count('anonymous')).toBe(1)
    expect(session.tokens).toEqual(shared)
    expect(persisted).toEqual([])
  })
})

describe('persist and subscribe', () => {
  it('persist is called with the new tokens after each successful request', async () => {
    const { session, persisted } = createSession()
    const minted = await session.generateVisitorTokens()
    expect(persisted).toEqual([minted])
    const renewed = await session.renewToken()
    expect(persisted).toEqual([minted, renewed])
    standIn.fail(500, 1)
    await rejectionOf(session.renewToken())
    expect(persisted).toEqual([minted, renewed])
    const again = await session.renewToken()
    expect(persisted).toEqual([minted, renewed, again])
    expect(persisted.at(-1)).toEqual(session.tokens)
  })

  it('subscribe is told of pending, tokens and error changes; unsubscribe stops it', async () => {
    const { session } = createSession()
    const seen: { pending: boolean, hasTokens: boolean, hasError: boolean }[] = []
    const unsubscribe = session.subscribe(() => seen.push({ pending: session.pending, hasTokens: !!session.tokens, hasError: !!session.error }))
    await session.generateVisitorTokens()
    expect(seen[0]).toEqual({ pending: true, hasTokens: false, hasError: false })
    expect(seen.at(-1)).toEqual({ pending: false, hasTokens: true, hasError: false })
    expect(seen.some(entry => entry.hasTokens)).toBe(true)

    seen.length = 0
    standIn.fail(500, 1)
    await rejectionOf(session.renewToken())
    expect(seen.at(-1)).toEqual({ pending: false, hasTokens: true, hasError: true })

    seen.length = 0
    unsubscribe()
    await session.renewToken()
    session.clearTokens()
    expect(seen).toEqual([])
  })
})
