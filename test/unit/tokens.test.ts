import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  hasRefreshToken,
  isAccessTokenExpired,
  parseTokens,
  validateTokens,
} from '../../src/runtime/tokens'
import { WixTokenError } from '../../src/runtime/token-error'
import { requestRenewedTokens, requestVisitorTokens } from '../../src/runtime/grants'
import type { TokenEndpoint } from '../../src/runtime/tokens'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'
import { rejectionOf } from './rejection'

const standIn = await startWixStandIn()
afterAll(() => standIn.close())
const endpoint: TokenEndpoint = { clientId: standIn.clientId, apiBaseUrl: standIn.url, timeout: 2000 }

const now = () => Math.floor(Date.now() / 1000)
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

function validTokens(): Tokens {
  return {
    accessToken: { value: 'at.value', expiresAt: now() + 14_400 },
    refreshToken: { value: 'rt.value', role: 'visitor' },
  }
}

describe('validateTokens', () => {
  it('returns a clean copy of valid tokens', () => {
    const input = { ...validTokens(), extra: 'dropped' }
    const result = validateTokens(input, 'test')
    expect(result).toEqual({ accessToken: input.accessToken, refreshToken: input.refreshToken })
    expect(result).not.toHaveProperty('extra')
    expect(result.accessToken).not.toBe(input.accessToken)
    expect(result.refreshToken).not.toBe(input.refreshToken)
  })

  it('accepts every role and an empty access token value', () => {
    for (const role of ['visitor', 'member', 'none'] as const) {
      const tokens = { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: 'rt', role } }
      expect(validateTokens(tokens, 'test')).toEqual(tokens)
    }
  })

  it('prefixes the message with the label', () => {
    expect(() => validateTokens(null, 'my.label')).toThrow(/^my\.label: /)
  })

  it.each([
    ['null', null, 'tokens must be an object'],
    ['a string', 'tokens', 'tokens must be an object'],
    ['a number', 42, 'tokens must be an object'],
    ['no accessToken', { refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken must be an object'],
    ['a string accessToken', { accessToken: 'at', refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken must be an object'],
    ['no refreshToken', { accessToken: { value: 'at', expiresAt: 1 } }, 'refreshToken must be an object'],
    ['a string refreshToken', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: 'rt' }, 'refreshToken must be an object'],
    ['a numeric access value', { accessToken: { value: 1, expiresAt: 1 }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.value must be a string'],
    ['a missing expiresAt', { accessToken: { value: 'at' }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt must be a non-negative number'],
    ['a string expiresAt', { accessToken: { value: 'at', expiresAt: '1' }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt must be a non-negative number'],
    ['a negative expiresAt', { accessToken: { value: 'at', expiresAt: -1 }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt must be a non-negative number'],
    ['a NaN expiresAt', { accessToken: { value: 'at', expiresAt: Number.NaN }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt must be a non-negative number'],
    ['an infinite expiresAt', { accessToken: { value: 'at', expiresAt: Infinity }, refreshToken: { value: 'rt', role: 'visitor' } }, 'accessToken.expiresAt must be a non-negative number'],
    ['an empty refresh value', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { value: '', role: 'visitor' } }, 'refreshToken.value must be a non-empty string'],
    ['a missing refresh value', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { role: 'visitor' } }, 'refreshToken.value must be a non-empty string'],
    ['an unknown role', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { value: 'rt', role: 'admin' } }, 'refreshToken.role must be one of visitor, member, none'],
    ['a missing role', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { value: 'rt' } }, 'refreshToken.role must be one of'],
  ])('throws a TypeError naming the field for %s', (_name, value, message) => {
    expect(() => validateTokens(value, 'test')).toThrow(TypeError)
    expect(() => validateTokens(value, 'test')).toThrow(`test: ${message}`)
  })

  it('names the first wrong field', () => {
    const value = { accessToken: { value: 1, expiresAt: -1 }, refreshToken: { value: '', role: 'x' } }
    expect(() => validateTokens(value, 'test')).toThrow('test: accessToken.value must be a string')
  })
})

describe('parseTokens', () => {
  it('returns valid tokens', () => {
    const tokens = validTokens()
    expect(parseTokens(tokens)).toEqual(tokens)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'garbage'],
    ['a number', 0],
    ['an array', []],
    ['an empty object', {}],
    ['the SDK empty value', { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } }],
    ['a wrong role', { accessToken: { value: 'at', expiresAt: 1 }, refreshToken: { value: 'rt', role: 'root' } }],
  ])('returns null for %s, without throwing', (_name, value) => {
    expect(parseTokens(value)).toBeNull()
  })
})

describe('hasRefreshToken', () => {
  it('tells a usable refresh token from none', () => {
    expect(hasRefreshToken(validTokens())).toBe(true)
    expect(hasRefreshToken(null)).toBe(false)
    expect(hasRefreshToken(undefined)).toBe(false)
    expect(hasRefreshToken({ accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } })).toBe(false)
  })
})

describe('isAccessTokenExpired', () => {
  const withExpiry = (expiresAt: number, value = 'at') => ({ accessToken: { value, expiresAt } })

  it('without margin: the SDK rule', () => {
    expect(isAccessTokenExpired(withExpiry(now() + 3600))).toBe(false)
    expect(isAccessTokenExpired(withExpiry(now() - 3600))).toBe(true)
    expect(isAccessTokenExpired(withExpiry(0))).toBe(true)
  })

  it('with a margin: expiring within the margin counts as expired', () => {
    const expiresAt = now() + 600
    expect(isAccessTokenExpired(withExpiry(expiresAt), 60)).toBe(false)
    expect(isAccessTokenExpired(withExpiry(expiresAt), 3600)).toBe(true)
    expect(isAccessTokenExpired(withExpiry(now() + 7200), 3600)).toBe(false)
    expect(isAccessTokenExpired(withExpiry(now() - 3600), 60)).toBe(true)
  })

  it('a missing access token value counts as expired', () => {
    expect(isAccessTokenExpired(withExpiry(now() + 3600, ''))).toBe(true)
    expect(isAccessTokenExpired(withExpiry(now() + 3600, ''), 0)).toBe(true)
  })
})

describe('token requests against the stand-in', () => {
  beforeEach(() => standIn.reset())

  describe('requestVisitorTokens', () => {
    it('sends an anonymous grant with the client id and returns visitor tokens', async () => {
      const before = now()
      const tokens = await requestVisitorTokens(endpoint)
      expect(standIn.state.tokenRequests).toEqual([{ grantType: 'anonymous', clientId: standIn.clientId }])
      expect(standIn.state.tokenRequests[0]).not.toHaveProperty('refreshToken')
      expect(tokens.accessToken.value).toMatch(/^at\./)
      expect(tokens.refreshToken.value).toMatch(/^rt\./)
      expect(tokens.refreshToken.role).toBe('visitor')
      // expiresAt = the moment of the answer + expires_in; checked with a wide tolerance, no timing claim.
      expect(tokens.accessToken.expiresAt).toBeGreaterThanOrEqual(before + 14_400)
      expect(tokens.accessToken.expiresAt).toBeLessThan(before + 14_400 + 600)
      expect(validateTokens(tokens, 'result')).toEqual(tokens)
    })

    it('uses the lifetime the endpoint answers', async () => {
      standIn.state.accessTokenLifetime = 100_000
      const before = now()
      const tokens = await requestVisitorTokens(endpoint)
      expect(tokens.accessToken.expiresAt).toBeGreaterThanOrEqual(before + 100_000)
      expect(tokens.accessToken.expiresAt).toBeLessThan(before + 100_000 + 600)
    })

    it('two requests give two different visitors', async () => {
      const a = await requestVisitorTokens(endpoint)
      const b = await requestVisitorTokens(endpoint)
      expect(a.refreshToken.value).not.toBe(b.refreshToken.value)
      expect(standIn.count('anonymous')).toBe(2)
    })
  })

  describe('requestRenewedTokens', () => {
    it('sends a refresh_token grant and keeps the refresh token sent', async () => {
      const visitor = standIn.createVisitor()
      const before = now()
      const tokens = await requestRenewedTokens(endpoint, visitor.refreshToken)
      expect(standIn.state.tokenRequests).toEqual([
        { grantType: 'refresh_token', clientId: standIn.clientId, refreshToken: visitor.refreshToken.value },
      ])
      expect(standIn.count('anonymous')).toBe(0)
      expect(tokens.refreshToken).toEqual(visitor.refreshToken)
      expect(tokens.accessToken.value).toMatch(/^at\./)
      expect(tokens.accessToken.value).not.toBe(visitor.accessToken.value)
      expect(tokens.accessToken.expiresAt).toBeGreaterThanOrEqual(before + 14_400)
    })

    it('keeps the role of the refresh token sent and copies it', async () => {
      const visitor = standIn.createVisitor()
      const refreshToken = { value: visitor.refreshToken.value, role: 'member' as const }
      const tokens = await requestRenewedTokens(endpoint, refreshToken)
      expect(tokens.refreshToken).toEqual(refreshToken)
      expect(tokens.refreshToken).not.toBe(refreshToken)
    })
  })

  describe('errors', () => {
    it('a 500 is transient', async () => {
      standIn.fail(500)
      const error = await rejectionOf(requestVisitorTokens(endpoint))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBe(500)
      expect(error.transient).toBe(true)
      expect(error.rejected).toBe(false)
      expect(error.message).toContain('HTTP 500')
      expect(error.message).toContain('stand-in failure')
      expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/)
    })

    it.each([408, 429, 502, 503])('a %i is transient', async (status) => {
      standIn.fail(status)
      const error = await rejectionOf(requestVisitorTokens(endpoint))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBe(status)
      expect(error.transient).toBe(true)
      expect(error.rejected).toBe(false)
    })

    it('a 500 during renewal is transient, not a rejection', async () => {
      const visitor = standIn.createVisitor()
      standIn.fail(500)
      const error = await rejectionOf(requestRenewedTokens(endpoint, visitor.refreshToken))
      expect(error.status).toBe(500)
      expect(error.transient).toBe(true)
      expect(error.rejected).toBe(false)
    })

    it('a dropped connection is transient with no status', async () => {
      standIn.fail('down')
      const error = await rejectionOf(requestVisitorTokens(endpoint))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBeNull()
      expect(error.transient).toBe(true)
      expect(error.rejected).toBe(false)
      expect(error.message).toContain('anonymous grant')
      expect(standIn.count('anonymous')).toBe(1)
    })

    it('an unreachable endpoint is transient with no status', async () => {
      // Port 1 is privileged: no test server can be listening there.
      const error = await rejectionOf(requestVisitorTokens({ ...endpoint, apiBaseUrl: 'http://127.0.0.1:1' }))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBeNull()
      expect(error.transient).toBe(true)
    })

    it('a 400 for a revoked refresh token is a rejection', async () => {
      const visitor = standIn.createVisitor()
      standIn.revoke(visitor.refreshToken.value)
      const error = await rejectionOf(requestRenewedTokens(endpoint, visitor.refreshToken))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBe(400)
      expect(error.transient).toBe(false)
      expect(error.rejected).toBe(true)
      expect(error.message).toContain('refresh_token grant')
      expect(error.message).not.toContain(visitor.refreshToken.value)
      expect(standIn.count('refresh_token')).toBe(1)
    })

    it.each([401, 403])('a %i on a refresh is a rejection', async (status) => {
      const visitor = standIn.createVisitor()
      standIn.fail(status)
      const error = await rejectionOf(requestRenewedTokens(endpoint, visitor.refreshToken))
      expect(error.status).toBe(status)
      expect(error.transient).toBe(false)
      expect(error.rejected).toBe(true)
    })

    it('an unknown client id is not transient', async () => {
      const error = await rejectionOf(requestVisitorTokens({ ...endpoint, clientId: 'not-a-client' }))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBe(400)
      expect(error.transient).toBe(false)
      expect(error.message).toContain('appId is not a valid GUID')
      expect(standIn.state.tokenRequests).toEqual([{ grantType: 'anonymous', clientId: 'not-a-client' }])
    })

    it('an unknown client id on a refresh says the client id is the problem', async () => {
      const visitor = standIn.createVisitor()
      const error = await rejectionOf(requestRenewedTokens({ ...endpoint, clientId: 'not-a-client' }, visitor.refreshToken))
      expect(error.status).toBe(400)
      expect(error.invalidClient).toBe(true)
      expect(error.transient).toBe(false)
      expect(error.message).toMatch(/appId is not a valid GUID \(check wixVisitor\.clientId\)$/)
    })

    it('an OAuth invalid_client answer says the client id is the problem; invalid_grant does not', async () => {
      const visitor = standIn.createVisitor()
      standIn.fail(401, 1, { error: 'invalid_client' })
      const error = await rejectionOf(requestRenewedTokens(endpoint, visitor.refreshToken))
      expect(error.status).toBe(401)
      expect(error.invalidClient).toBe(true)
      standIn.fail(400, 1, { error: 'invalid_grant' })
      const dead = await rejectionOf(requestRenewedTokens(endpoint, visitor.refreshToken))
      expect(dead.invalidClient).toBe(false)
      expect(dead.rejected).toBe(true)
    })

    it('an empty client id fails without any request', async () => {
      const visitor = standIn.createVisitor()
      for (const promise of [
        requestVisitorTokens({ ...endpoint, clientId: '' }),
        requestRenewedTokens({ ...endpoint, clientId: '' }, visitor.refreshToken),
      ]) {
        const error = await rejectionOf(promise)
        expect(error).toBeInstanceOf(WixTokenError)
        expect(error.status).toBeNull()
        expect(error.transient).toBe(false)
        expect(error.message).toContain('no client id')
      }
      expect(standIn.state.tokenRequests).toHaveLength(0)
    })

    it('a slow endpoint with a small timeout is transient', async () => {
      standIn.state.delay = 400
      const error = await rejectionOf(requestVisitorTokens({ ...endpoint, timeout: 50 }))
      expect(error).toBeInstanceOf(WixTokenError)
      expect(error.status).toBeNull()
      expect(error.transient).toBe(true)
      expect(error.rejected).toBe(false)
      expect(error.message).toBe('nuxt-wix-visitor: the anonymous grant timed out')
      // Let the stand-in finish the delayed request so it cannot touch the next test's settings.
      await sleep(500)
    })

    it('toInfo gives plain data', async () => {
      standIn.fail(503)
      const error = await rejectionOf(requestVisitorTokens(endpoint))
      expect(error.toInfo()).toEqual({ message: error.message, status: 503, transient: true })
      expect(JSON.parse(JSON.stringify(error.toInfo()))).toEqual(error.toInfo())
    })

    it('recovers after a limited number of failures', async () => {
      standIn.fail(500, 1)
      await rejectionOf(requestVisitorTokens(endpoint))
      const tokens = await requestVisitorTokens(endpoint)
      expect(tokens.refreshToken.role).toBe('visitor')
      expect(standIn.count('anonymous')).toBe(2)
    })
  })
})
