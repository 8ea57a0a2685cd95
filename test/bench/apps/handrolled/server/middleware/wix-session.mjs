// The usual hand-written visitor session: read the `wixSession` cookie, build an @wix/sdk client with its
// tokens, let `generateVisitorTokens` keep, renew or mint them, write the cookie back when it changed,
// and hand the tokens to the page on event.context.
import { OAuthStrategy, createClient } from '@wix/sdk'
import { defineEventHandler, getCookie, setCookie } from 'h3'
import { useRuntimeConfig } from 'nitropack/runtime'

const COOKIE = 'wixSession'

function readTokens(raw) {
  try {
    return raw ? JSON.parse(raw) : undefined
  }
  catch {
    return undefined
  }
}

export default defineEventHandler(async (event) => {
  if (event.path.startsWith('/_nuxt/') || event.path.startsWith('/__nuxt')) return
  const raw = getCookie(event, COOKIE)
  const tokens = readTokens(raw)
  const wixClient = createClient({ auth: OAuthStrategy({ clientId: useRuntimeConfig(event).wixClientId, tokens }) })
  try {
    const current = await wixClient.auth.generateVisitorTokens(tokens)
    wixClient.auth.setTokens(current)
    const value = JSON.stringify(current)
    if (value !== raw) setCookie(event, COOKIE, value, { path: '/', maxAge: 60 * 60 * 24 * 30, sameSite: 'lax' })
    event.context.wixTokens = current
  }
  catch (error) {
    console.error('wix visitor tokens failed', error)
  }
})
