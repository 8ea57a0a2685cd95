import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  chooseStoredSession,
  decodeStoredSession,
  encodeStoredSession,
  isSameSession,
  isSameVisitor,
} from '../../src/runtime/stored-session'
import { requestVisitorTokens } from '../../src/runtime/grants'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'

const CLIENT_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'
const standIn = await startWixStandIn()
afterAll(() => standIn.close())
const OTHER_CLIENT_ID = '11111111-2222-4333-8444-555555555555'
const now = () => Math.floor(Date.now() / 1000)

function tokens(refresh = 'rt.one', access = 'at.one', expiresAt = now() + 14_400, role: Tokens['refreshToken']['role'] = 'visitor'): Tokens {
  return { accessToken: { value: access, expiresAt }, refreshToken: { value: refresh, role } }
}

describe('encodeStoredSession / decodeStoredSession', () => {
  it('round-trips', () => {
    const value = tokens()
    const raw = encodeStoredSession(CLIENT_ID, value)
    expect(JSON.parse(raw)).toEqual({ clientId: CLIENT_ID, tokens: value })
    expect(decodeStoredSession(raw, CLIENT_ID)).toEqual(value)
  })

  it('round-trips every role', () => {
    for (const role of ['visitor', 'member', 'none'] as const) {
      const value = tokens('rt', 'at', 123, role)
      expect(decodeStoredSession(encodeStoredSession(CLIENT_ID, value), CLIENT_ID)).toEqual(value)
    }
  })

  it('round-trips after URL encoding, as a cookie value', () => {
    const value = tokens()
    const cookie = encodeURIComponent(encodeStoredSession(CLIENT_ID, value))
    expect(decodeStoredSession(decodeURIComponent(cookie), CLIENT_ID)).toEqual(value)
  })

  it('drops unknown fields', () => {
    const raw = JSON.stringify({ clientId: CLIENT_ID, tokens: { ...tokens(), extra: 1 }, extra: 2 })
    expect(decodeStoredSession(raw, CLIENT_ID)).toEqual(tokens('rt.one', 'at.one', JSON.parse(raw).tokens.accessToken.expiresAt))
  })

  it('accepts a bare Tokens JSON', () => {
    const value = tokens()
    expect(decodeStoredSession(JSON.stringify(value), CLIENT_ID)).toEqual(value)
  })

  it('reads a session of another client id as null', () => {
    const raw = encodeStoredSession(OTHER_CLIENT_ID, tokens())
    expect(decodeStoredSession(raw, CLIENT_ID)).toBeNull()
    expect(decodeStoredSession(raw, OTHER_CLIENT_ID)).toEqual(tokens('rt.one', 'at.one', JSON.parse(raw).tokens.accessToken.expiresAt))
  })

  it('reads a wrapper without clientId, or with tokens missing, as null', () => {
    expect(decodeStoredSession(JSON.stringify({ tokens: tokens() }), CLIENT_ID)).toBeNull()
    expect(decodeStoredSession(JSON.stringify({ clientId: CLIENT_ID }), CLIENT_ID)).toBeNull()
    expect(decodeStoredSession(JSON.stringify({ clientId: CLIENT_ID, tokens: null }), CLIENT_ID)).toBeNull()
    expect(decodeStoredSession(JSON.stringify({ clientId: 42, tokens: tokens() }), CLIENT_ID)).toBeNull()
  })

  it('reads the empty client id only against itself', () => {
    const raw = encodeStoredSession('', tokens())
    expect(decodeStoredSession(raw, CLIENT_ID)).toBeNull()
  })

  const full = encodeStoredSession(CLIENT_ID, tokens())
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty string', ''],
    ['truncated JSON', full.slice(0, full.length - 5)],
    ['half the JSON', full.slice(0, full.length / 2)],
    ['not JSON', 'wixSession'],
    ['a URL-encoded value left encoded', encodeURIComponent(full)],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a JSON string', '"tokens"'],
    ['a JSON boolean', 'true'],
    ['a JSON array', '[]'],
    ['an array of tokens', JSON.stringify([tokens()])],
    ['an empty object', '{}'],
    ['the SDK empty value, bare', JSON.stringify({ accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } })],
    ['the SDK empty value, wrapped', JSON.stringify({ clientId: CLIENT_ID, tokens: { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } } })],
    ['a wrong role', JSON.stringify({ clientId: CLIENT_ID, tokens: tokens('rt', 'at', 1, 'admin' as never) })],
    ['a string expiresAt', JSON.stringify({ clientId: CLIENT_ID, tokens: { accessToken: { value: 'at', expiresAt: '1' }, refreshToken: { value: 'rt', role: 'visitor' } } })],
    ['a negative expiresAt', JSON.stringify({ accessToken: { value: 'at', expiresAt: -5 }, refreshToken: { value: 'rt', role: 'visitor' } })],
    ['tokens as a string', JSON.stringify({ clientId: CLIENT_ID, tokens: JSON.stringify(tokens()) })],
    ['a refresh token only', JSON.stringify({ refreshToken: { value: 'rt', role: 'visitor' } })],
  ])('reads %s as null, without throwing', (_name, raw) => {
    expect(() => decodeStoredSession(raw, CLIENT_ID)).not.toThrow()
    expect(decodeStoredSession(raw, CLIENT_ID)).toBeNull()
  })

  describe('with tokens from the stand-in', () => {
    beforeEach(() => standIn.reset())

    it('round-trips real minted tokens', async () => {
      const minted = await requestVisitorTokens({ clientId: standIn.clientId, apiBaseUrl: standIn.url, timeout: 2000 })
      const raw = encodeStoredSession(standIn.clientId, minted)
      expect(decodeStoredSession(raw, standIn.clientId)).toEqual(minted)
      expect(decodeStoredSession(raw, OTHER_CLIENT_ID)).toBeNull()
      expect(standIn.count('anonymous')).toBe(1)
    })
  })
})

describe('isSameVisitor / isSameSession', () => {
  it('compares refresh tokens for the visitor, everything for the session', () => {
    const a = tokens('rt.a', 'at.1', 100)
    expect(isSameVisitor(a, tokens('rt.a', 'at.2', 200))).toBe(true)
    expect(isSameVisitor(a, tokens('rt.b', 'at.1', 100))).toBe(false)
    expect(isSameVisitor(a, null)).toBe(false)
    expect(isSameVisitor(null, a)).toBe(false)
    expect(isSameVisitor(null, null)).toBe(false)

    expect(isSameSession(a, tokens('rt.a', 'at.1', 100))).toBe(true)
    expect(isSameSession(a, tokens('rt.a', 'at.2', 100))).toBe(false)
    expect(isSameSession(a, tokens('rt.a', 'at.1', 101))).toBe(false)
    expect(isSameSession(a, tokens('rt.b', 'at.1', 100))).toBe(false)
    expect(isSameSession(a, null)).toBe(false)
    expect(isSameSession(null, null)).toBe(true)
  })
})

describe('chooseStoredSession', () => {
  const base = now()

  it('nothing stored: null', () => {
    expect(chooseStoredSession(null, null, false)).toBeNull()
    expect(chooseStoredSession(null, null, true)).toBeNull()
  })

  it('only one present: that one', () => {
    const cookie = tokens('rt.cookie')
    const local = tokens('rt.local')
    for (const minted of [false, true]) {
      expect(chooseStoredSession(cookie, null, minted)).toBe(cookie)
      expect(chooseStoredSession(null, local, minted)).toBe(local)
    }
  })

  it('same visitor: the later expiresAt wins, whatever mintedOnServer says', () => {
    const older = tokens('rt.same', 'at.old', base + 100)
    const newer = tokens('rt.same', 'at.new', base + 10_000)
    for (const minted of [false, true]) {
      expect(chooseStoredSession(older, newer, minted)).toBe(newer)
      expect(chooseStoredSession(newer, older, minted)).toBe(newer)
    }
  })

  it('same visitor, same expiry: the cookie', () => {
    const cookie = tokens('rt.same', 'at.cookie', base + 100)
    const local = tokens('rt.same', 'at.local', base + 100)
    expect(chooseStoredSession(cookie, local, false)).toBe(cookie)
    expect(chooseStoredSession(cookie, local, true)).toBe(cookie)
  })

  it('different visitors: the cookie wins', () => {
    const cookie = tokens('rt.cookie', 'at.cookie', base + 100)
    const local = tokens('rt.local', 'at.local', base + 10_000)
    expect(chooseStoredSession(cookie, local, false)).toBe(cookie)
  })

  it('different visitors, cookie minted on the server: localStorage wins', () => {
    const cookie = tokens('rt.cookie', 'at.cookie', base + 10_000)
    const local = tokens('rt.local', 'at.local', base + 100)
    expect(chooseStoredSession(cookie, local, true)).toBe(local)
  })
})
