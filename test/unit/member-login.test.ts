// The pure parts of the member login: where the browser may be sent back to, the PKCE pair, and how a
// login's outcome reads back from the URL.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { safeReturnTo, startLoginAttempt } from '../../src/runtime/server/member-login'
import { authErrorOf, withQuery } from '../../src/runtime/auth-routes'
import { ofetch } from 'ofetch'
import { requestRedirectSession } from '../../src/runtime/redirect-session'

describe('safeReturnTo', () => {
  it('keeps paths of this site, with their query and hash', () => {
    for (const path of ['/', '/cart', '/a/b?c=1&d=%2F#top', '/search?q=//not-a-host']) expect(safeReturnTo(path)).toBe(path)
  })

  it('sends everything that could leave the site to /', () => {
    const hostile = [
      'https://elsewhere.example', 'http://elsewhere.example/path', '//elsewhere.example', '///elsewhere.example',
      '/\\elsewhere.example', '\\\\elsewhere.example', '/%5celsewhere.example', '/%2F%2Felsewhere.example', '/%2felsewhere.example',
      '/\t/elsewhere.example', '/\n/elsewhere.example', ' /x', 'javascript:alert(1)', 'cart', '', '/.//elsewhere.example',
      '/..//elsewhere.example', '/%2e/%2felsewhere.example', '/a/%2e%2e/%2F/elsewhere.example', `/${'a'.repeat(1100)}`,
      undefined, null, 42, ['/cart'], { toString: () => '/cart' },
    ]
    for (const value of hostile) expect(safeReturnTo(value), JSON.stringify(String(value))).toBe('/')
  })
})

describe('startLoginAttempt', () => {
  it('makes a 43-character verifier, its S256 challenge and a fresh state each time', async () => {
    const a = await startLoginAttempt('/cart', 'https://shop.example/_wix/auth/callback')
    const b = await startLoginAttempt('/cart', 'https://shop.example/_wix/auth/callback')
    expect(a.codeVerifier).toMatch(/^[\w-]{43}$/)
    expect(a.codeChallenge).toBe(createHash('sha256').update(a.codeVerifier).digest('base64url'))
    expect(a.state).toMatch(/^[\w-]{32}$/)
    expect(b.state).not.toBe(a.state)
    expect(b.codeVerifier).not.toBe(a.codeVerifier)
  })
})

describe('login outcomes in the URL', () => {
  it('reads a reason code into an error, and ignores anything that is not one', () => {
    expect(authErrorOf(`?${new URLSearchParams({ wixAuthError: 'access_denied' })}`)).toMatchObject({ reason: 'access_denied', status: null, transient: false })
    expect(authErrorOf('?wixAuthError=%3Cscript%3E')).toBeNull()
    expect(authErrorOf('?other=1')).toBeNull()
  })

  it('adds parameters to a path without losing its own', () => {
    expect(withQuery('/a?b=1#h', { wixAuthError: 'state', skipped: undefined })).toBe('/a?b=1&wixAuthError=state#h')
  })
})

describe('redirect session callbacks', () => {
  it('refuse any callback that would send the browser to another origin, before anything is sent', async () => {
    // Nothing listens on port 1: a request that went out would fail differently.
    const wixFetch = ofetch.create({ baseURL: 'http://127.0.0.1:1' })
    for (const postFlowUrl of ['https://elsewhere.example/x', '//elsewhere.example/x', '/\\elsewhere.example', 'javascript:alert(1)', 'http://shop.example/x']) {
      const refused = await requestRedirectSession(wixFetch, { ecomCheckout: { checkoutId: 'c' } }, { postFlowUrl }, 'https://shop.example').catch(error => error)
      expect(refused, postFlowUrl).toBeInstanceOf(TypeError)
      expect(refused.message).toMatch(/callbacks\.postFlowUrl must be a path or URL of this site/)
    }
  })
})
