// Speed of the hot paths: reading a stored session, a token that needs no request, and the cost the
// authenticated fetch adds to a call, measured against the local stand-in over real HTTP.
import { afterAll, it } from 'vitest'
import { Bench } from 'tinybench'
import { ofetch } from 'ofetch'
import { VisitorSession } from '../../src/runtime/session'
import { decodeStoredSession, encodeStoredSession } from '../../src/runtime/stored-session'
import { createWixFetch } from '../../src/runtime/wix-fetch'
import { startWixStandIn } from '../../src/testing'

const wix = await startWixStandIn()
afterAll(() => wix.close())

const tokens = wix.createVisitor()
const stored = encodeStoredSession(wix.clientId, tokens)
const session = new VisitorSession({
  clientId: wix.clientId,
  apiBaseUrl: wix.url,
  timeout: 5000,
  autoGenerate: true,
  renewBeforeExpiry: 60,
  tokens,
  persist: () => {},
})
const wixFetch = createWixFetch(session, wix.url)
const plainFetch = ofetch.create({ baseURL: wix.url, headers: { authorization: tokens.accessToken.value } })

it('measures the hot paths', async () => {
  const suite = new Bench({ iterations: 200, time: 500 })
  suite
    .add('decode and validate a cookie value', () => {
      decodeStoredSession(stored, wix.clientId)
    })
    .add('getAccessToken() with a valid token (no request)', async () => {
      await session.getAccessToken()
    })
    .add('cart request: plain ofetch with a fixed header', async () => {
      await plainFetch('/ecom/v1/carts/current')
    })
    .add('cart request: the authenticated fetch', async () => {
      await wixFetch('/ecom/v1/carts/current')
    })
  await suite.run()
  console.table(suite.table())
})
