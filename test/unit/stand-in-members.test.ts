// The stand-in's redirect sessions, hosted pages and authorization code grant, over real HTTP.
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { STAND_IN_CLIENT_ID, STAND_IN_MEMBER_COOKIE, STAND_IN_MEMBER_ID, startWixStandIn } from '../../src/testing'

const standIn = await startWixStandIn()
afterAll(() => standIn.close())
beforeEach(() => standIn.reset())

const redirectUri = 'http://127.0.0.1:3000/auth/callback?from=test'
const memberCookie = `${STAND_IN_MEMBER_COOKIE}=${STAND_IN_MEMBER_ID}`

interface TokenAnswer { access_token: string, expires_in: number, refresh_token: string | null, token_type: string }

function pkce() {
  const codeVerifier = randomBytes(32).toString('base64url')
  return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url') }
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${standIn.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

// Made directly, so the token request log holds only what a test sends itself.
function visitorAccessToken() {
  return standIn.createVisitor().accessToken.value
}

async function createSession(body: Record<string, unknown>, authorization?: string) {
  return postJson('/_api/redirects-api/v1/redirect-session', body, { authorization: authorization ?? visitorAccessToken() })
}

/** The hosted page URL of a redirect session that must be accepted. */
async function hostedUrl(body: Record<string, unknown>) {
  const response = await createSession(body)
  expect(response.status).toBe(200)
  return (await response.json() as { redirectSession: { fullUrl: string } }).redirectSession.fullUrl
}

function authBody(codeChallenge: string, prompt = 'login', state = 'state-1') {
  return {
    auth: {
      authRequest: {
        clientId: standIn.clientId, redirectUri, codeChallenge, codeChallengeMethod: 'S256',
        responseType: 'code', responseMode: 'query', scope: 'offline_access', state,
      },
      prompt,
    },
  }
}

function checkoutBody(callbacks: Record<string, string>) {
  return { ecomCheckout: { checkoutId: 'checkout-1' }, callbacks }
}

/** GET or form POST on the stand-in, never following a redirect, with the stand-in's login cookie if given. */
async function visit(url: string, method: 'GET' | 'POST' = 'GET', cookie?: string) {
  const headers: Record<string, string> = cookie ? { cookie } : {}
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded'
  return fetch(url, { method, headers, redirect: 'manual', body: method === 'POST' ? '' : undefined })
}

function locationOf(response: Response) {
  expect(response.status).toBe(302)
  return new URL(response.headers.get('location')!)
}

/** Logs in on a fresh hosted login page: the code, the redirect and the login cookie it sets. */
async function logInForCode(codeChallenge: string) {
  const page = await hostedUrl(authBody(codeChallenge))
  const response = await visit(`${page}/login`, 'POST')
  const location = locationOf(response)
  return { code: location.searchParams.get('code')!, location, setCookie: response.headers.getSetCookie() }
}

async function exchange(fields: Record<string, unknown>) {
  return postJson('/oauth2/token', { clientId: standIn.clientId, grantType: 'authorization_code', redirectUri, ...fields })
}

describe('redirect sessions', () => {
  it('need an access token the stand-in issued and that is live', async () => {
    const { codeChallenge } = pkce()
    expect((await createSession(authBody(codeChallenge), 'at.unknown')).status).toBe(401)
    const stale = standIn.createVisitor(-10).accessToken.value
    const response = await createSession(authBody(codeChallenge), stale)
    expect(response.status).toBe(401)
    expect(await response.json()).toHaveProperty('message')
    expect(standIn.state.redirectSessions).toHaveLength(0)
  })

  it.each([
    ['no intent', {}],
    ['two intents', { login: {}, logout: { clientId: standIn.clientId } }],
    ['an intent the stand-in does not serve', { bookingsCheckout: {} }],
    ['an unknown clientId', { auth: { ...authBody('challenge').auth, authRequest: { ...authBody('challenge').auth.authRequest, clientId: 'other' } } }],
    ['a relative redirectUri', { auth: { authRequest: { ...authBody('challenge').auth.authRequest, redirectUri: '/auth/callback' } } }],
    ['an empty codeChallenge', authBody('')],
    ['a plain challenge method', { auth: { authRequest: { ...authBody('challenge').auth.authRequest, codeChallengeMethod: 'plain' } } }],
    ['the fragment response mode', { auth: { authRequest: { ...authBody('challenge').auth.authRequest, responseMode: 'fragment' } } }],
    ['no state', authBody('challenge', 'login', '')],
    ['an unknown prompt', authBody('challenge', 'always')],
    ['a logout without postFlowUrl', { logout: { clientId: standIn.clientId } }],
    ['a logout of an unknown client', { logout: { clientId: 'other' }, callbacks: { postFlowUrl: 'http://127.0.0.1:3000/' } }],
    ['a checkout without checkoutId', { ecomCheckout: {} }],
    ['a relative callback', checkoutBody({ postFlowUrl: '/cart' })],
  ])('answer 400 to %s', async (_name, body) => {
    const response = await createSession(body)
    expect(response.status).toBe(400)
    expect((await response.json() as { message: string }).message).toEqual(expect.any(String))
    expect(standIn.state.redirectSessions).toHaveLength(0)
  })

  it('records an accepted session and answers its hosted page URL', async () => {
    const authorization = visitorAccessToken()
    const body = authBody(pkce().codeChallenge)
    const response = await createSession(body, authorization)
    const { redirectSession } = await response.json() as { redirectSession: Record<string, unknown> }
    expect(redirectSession).toEqual({
      id: expect.any(String),
      fullUrl: `${standIn.url}/_stand-in/hosted/${redirectSession.id}`,
      shortUrl: expect.any(String),
      urlDetails: { endpoint: expect.any(String), searchParams: {} },
      sessionToken: expect.any(String),
    })
    expect(standIn.state.redirectSessions).toEqual([{ id: redirectSession.id, intent: 'auth', body, authorization }])
  })

  it('answers the CORS preflight of a browser page', async () => {
    const response = await fetch(`${standIn.url}/_api/redirects-api/v1/redirect-session`, {
      method: 'OPTIONS',
      headers: { 'origin': 'http://127.0.0.1:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000')
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization')
  })

  it('answers 404 to an unknown hosted page', async () => {
    expect((await visit(`${standIn.url}/_stand-in/hosted/unknown`)).status).toBe(404)
  })
})

describe('hosted login and the authorization code grant', () => {
  it('shows a login page with a login and a cancel button', async () => {
    const page = await hostedUrl(authBody(pkce().codeChallenge))
    const response = await visit(page)
    expect(response.headers.get('content-type')).toContain('text/html')
    const html = await response.text()
    expect(html).toContain('<title>Wix stand-in: log in</title>')
    expect(html).toMatch(/action="\/_stand-in\/hosted\/[^/"]+\/login"><button type="submit" id="stand-in-login">Log in as test member</)
    expect(html).toMatch(/action="\/_stand-in\/hosted\/[^/"]+\/cancel"><button type="submit" id="stand-in-cancel">Cancel</)
  })

  it('logs in: a cookie for the member, a code and the state on the redirectUri, its query kept', async () => {
    const { code, location, setCookie } = await logInForCode(pkce().codeChallenge)
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:3000/auth/callback')
    expect(location.searchParams.get('from')).toBe('test')
    expect(location.searchParams.get('state')).toBe('state-1')
    expect(code).toEqual(expect.any(String))
    expect(setCookie).toEqual([expect.stringMatching(new RegExp(`^${memberCookie}; Path=/; HttpOnly; SameSite=Lax$`))])
  })

  it('exchanges the code with the right verifier for member tokens, once', async () => {
    const { codeVerifier, codeChallenge } = pkce()
    const { code } = await logInForCode(codeChallenge)
    const response = await exchange({ code, codeVerifier })
    expect(response.status).toBe(200)
    const answer = await response.json() as TokenAnswer
    expect(answer).toMatchObject({ access_token: expect.any(String), expires_in: 14_400, refresh_token: expect.any(String), token_type: 'Bearer' })
    expect(standIn.isMember(answer.refresh_token!)).toBe(true)
    expect(standIn.count('authorization_code')).toBe(1)
    expect(standIn.state.tokenRequests[0]).toEqual({ grantType: 'authorization_code', clientId: standIn.clientId, redirectUri, code, codeVerifier })

    const reused = await exchange({ code, codeVerifier })
    expect(reused.status).toBe(400)
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it.each([
    ['a wrong verifier', { codeVerifier: pkce().codeVerifier }],
    ['another redirectUri', { redirectUri: 'http://127.0.0.1:3000/auth/callback' }],
    ['no verifier', { codeVerifier: undefined }],
  ])('refuses an exchange with %s, invalid_grant', async (_name, change) => {
    const { codeVerifier, codeChallenge } = pkce()
    const { code } = await logInForCode(codeChallenge)
    const response = await exchange({ code, codeVerifier, ...change })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_grant', message: expect.any(String) })
  })

  it('refuses an unknown code, invalid_grant', async () => {
    const response = await exchange({ code: 'code.unknown', codeVerifier: pkce().codeVerifier })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code older than 10 minutes, invalid_grant', async () => {
    const { codeVerifier, codeChallenge } = pkce()
    const { code } = await logInForCode(codeChallenge)
    // Only Date is faked, so the sockets and timers the request needs run as usual.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1000 })
    try {
      const response = await exchange({ code, codeVerifier })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
    }
    finally {
      vi.useRealTimers()
    }
  })

  it('refuses a code issued to another known client, invalid_grant', async () => {
    const otherClientId = '11111111-2222-4333-8444-555555555555'
    const twoClients = await startWixStandIn({ clientIds: [STAND_IN_CLIENT_ID, otherClientId] })
    try {
      const { codeVerifier, codeChallenge } = pkce()
      const token = twoClients.createVisitor().accessToken.value
      const created = await fetch(`${twoClients.url}/_api/redirects-api/v1/redirect-session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'authorization': token },
        body: JSON.stringify(authBody(codeChallenge)),
      })
      const { redirectSession } = await created.json() as { redirectSession: { fullUrl: string } }
      const code = locationOf(await visit(`${redirectSession.fullUrl}/login`, 'POST')).searchParams.get('code')
      const response = await fetch(`${twoClients.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: otherClientId, grantType: 'authorization_code', redirectUri, code, codeVerifier }),
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
    }
    finally {
      await twoClients.close()
    }
  })

  it('applies an injected failure to the grant without spending the code', async () => {
    const { codeVerifier, codeChallenge } = pkce()
    const { code } = await logInForCode(codeChallenge)
    standIn.fail(503, 1)
    expect((await exchange({ code, codeVerifier })).status).toBe(503)
    expect((await exchange({ code, codeVerifier })).status).toBe(200)
    expect(standIn.count('authorization_code')).toBe(2)
  })

  it('cancels: access_denied with the state, no code, no cookie', async () => {
    const page = await hostedUrl(authBody(pkce().codeChallenge, 'select_account', 'state-2'))
    const response = await visit(`${page}/cancel`, 'POST')
    const location = locationOf(response)
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('error_description')).toEqual(expect.any(String))
    expect(location.searchParams.get('state')).toBe('state-2')
    expect(location.searchParams.get('from')).toBe('test')
    expect(location.searchParams.has('code')).toBe(false)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('with prompt none and no Wix login: login_required at once', async () => {
    const page = await hostedUrl(authBody(pkce().codeChallenge, 'none', 'state-3'))
    const location = locationOf(await visit(page, 'GET', 'standInMember=someone-else'))
    expect(location.searchParams.get('error')).toBe('login_required')
    expect(location.searchParams.get('error_description')).toEqual(expect.any(String))
    expect(location.searchParams.get('state')).toBe('state-3')
  })

  it('with prompt none and the Wix login cookie: a code at once, exchanged for the same member', async () => {
    const { codeVerifier, codeChallenge } = pkce()
    const page = await hostedUrl(authBody(codeChallenge, 'none', 'state-4'))
    const location = locationOf(await visit(page, 'GET', `other=1; ${memberCookie}`))
    expect(location.searchParams.get('state')).toBe('state-4')
    const code = location.searchParams.get('code')!
    const answer = await (await exchange({ code, codeVerifier })).json() as TokenAnswer
    expect(standIn.isMember(answer.refresh_token!)).toBe(true)
  })
})

describe('member tokens', () => {
  it('renew with the refresh_token grant, share one member cart, and can be revoked', async () => {
    const first = pkce()
    const firstAnswer = await (await exchange({ code: (await logInForCode(first.codeChallenge)).code, codeVerifier: first.codeVerifier })).json() as TokenAnswer
    const second = pkce()
    const secondAnswer = await (await exchange({ code: (await logInForCode(second.codeChallenge)).code, codeVerifier: second.codeVerifier })).json() as TokenAnswer
    expect(secondAnswer.refresh_token).not.toBe(firstAnswer.refresh_token)

    const renewal = await postJson('/oauth2/token', { clientId: standIn.clientId, grantType: 'refresh_token', refreshToken: firstAnswer.refresh_token })
    expect(renewal.status).toBe(200)
    const { access_token } = await renewal.json() as TokenAnswer
    const cart = await fetch(`${standIn.url}/ecom/v1/carts/current`, { headers: { authorization: access_token } })
    expect(await cart.json()).toMatchObject({ cart: { buyerInfo: { memberId: STAND_IN_MEMBER_ID } } })
    expect(standIn.cartOf(firstAnswer.refresh_token!)).toBe(standIn.cartOf(secondAnswer.refresh_token!))

    standIn.revoke(firstAnswer.refresh_token!)
    expect(standIn.isMember(firstAnswer.refresh_token!)).toBe(false)
    const refused = await postJson('/oauth2/token', { clientId: standIn.clientId, grantType: 'refresh_token', refreshToken: firstAnswer.refresh_token })
    expect(refused.status).toBe(400)
    expect(standIn.isMember(secondAnswer.refresh_token!)).toBe(true)
  })

  it('are told apart from a visitor\'s', () => {
    expect(standIn.isMember(standIn.createVisitor().refreshToken.value)).toBe(false)
    const member = standIn.createMember()
    expect(member.refreshToken.role).toBe('member')
    expect(standIn.isMember(member.refreshToken.value)).toBe(true)
  })
})

describe('hosted checkout', () => {
  const thankYouPageUrl = 'http://127.0.0.1:3000/thank-you?order=1'
  const postFlowUrl = 'http://127.0.0.1:3000/cart'

  it('shows a page with three buttons', async () => {
    const html = await (await visit(await hostedUrl(checkoutBody({ postFlowUrl })))).text()
    expect(html).toContain('<title>Wix stand-in: checkout</title>')
    for (const [action, id] of [['place-order', 'stand-in-place-order'], ['login-and-order', 'stand-in-login-and-order'], ['back', 'stand-in-back']]) {
      expect(html).toMatch(new RegExp(`action="/_stand-in/hosted/[^/"]+/${action}"><button type="submit" id="${id}">`))
    }
  })

  it('place-order without a Wix login: wixMemberLoggedIn=false on the thank-you page, its query kept', async () => {
    const page = await hostedUrl(checkoutBody({ postFlowUrl, thankYouPageUrl }))
    const location = locationOf(await visit(`${page}/place-order`, 'POST'))
    expect(location.href).toBe(`${thankYouPageUrl}&wixMemberLoggedIn=false`)
    expect(standIn.state.orders).toEqual([{ checkoutId: 'checkout-1', memberLoggedIn: false }])
  })

  it('place-order with the Wix login cookie: wixMemberLoggedIn=true, postFlowUrl without a thank-you page', async () => {
    const page = await hostedUrl(checkoutBody({ postFlowUrl }))
    const location = locationOf(await visit(`${page}/place-order`, 'POST', memberCookie))
    expect(location.href).toBe(`${postFlowUrl}?wixMemberLoggedIn=true`)
    expect(standIn.state.orders).toEqual([{ checkoutId: 'checkout-1', memberLoggedIn: true }])
  })

  it('login-and-order: sets the Wix login cookie and says wixMemberLoggedIn=true', async () => {
    const page = await hostedUrl(checkoutBody({ postFlowUrl, thankYouPageUrl }))
    const response = await visit(`${page}/login-and-order`, 'POST')
    expect(locationOf(response).searchParams.get('wixMemberLoggedIn')).toBe('true')
    expect(response.headers.getSetCookie()).toEqual([expect.stringContaining(`${memberCookie}; Path=/`)])
    expect(standIn.state.orders).toEqual([{ checkoutId: 'checkout-1', memberLoggedIn: true }])
  })

  it('back: to postFlowUrl, no order', async () => {
    const page = await hostedUrl(checkoutBody({ postFlowUrl, thankYouPageUrl }))
    expect(locationOf(await visit(`${page}/back`, 'POST')).href).toBe(`${postFlowUrl}?wixMemberLoggedIn=false`)
    expect(locationOf(await visit(`${page}/back`, 'POST', memberCookie)).href).toBe(`${postFlowUrl}?wixMemberLoggedIn=true`)
    expect(standIn.state.orders).toEqual([])
  })
})

describe('hosted logout', () => {
  it('clears the Wix login cookie, records the logout and returns to postFlowUrl', async () => {
    const postFlowUrl = 'http://127.0.0.1:3000/?logged-out=1'
    const page = await hostedUrl({ logout: { clientId: standIn.clientId }, callbacks: { postFlowUrl } })
    const response = await visit(page, 'GET', memberCookie)
    expect(locationOf(response).href).toBe(postFlowUrl)
    const [cleared] = response.headers.getSetCookie()
    expect(cleared).toMatch(new RegExp(`^${STAND_IN_MEMBER_COOKIE}=;`))
    expect(cleared).toContain('Max-Age=0')
    expect(cleared).toContain('Path=/')
    expect(standIn.state.logouts).toEqual([{ clientId: standIn.clientId, memberId: STAND_IN_MEMBER_ID }])
  })
})

describe('the login intent and reset()', () => {
  it('a login intent answers a page', async () => {
    const response = await visit(await hostedUrl({ login: {} }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/html')
  })

  it('reset() forgets sessions, logouts and orders', async () => {
    await hostedUrl({ login: {} })
    standIn.state.logouts.push({ clientId: standIn.clientId, memberId: null })
    standIn.state.orders.push({ checkoutId: 'x', memberLoggedIn: false })
    standIn.reset()
    expect(standIn.state.redirectSessions).toEqual([])
    expect(standIn.state.logouts).toEqual([])
    expect(standIn.state.orders).toEqual([])
  })
})
