// @wix/sdk's OAuthStrategy posts its token requests to the fixed URL https://www.wixapis.com/oauth2/token
// with the global fetch (build/auth/oauth2/OAuthStrategy.js, `fetchTokens`): neither an option nor an
// environment variable changes that host (`createClient({ host })` only moves REST module calls). So, for
// the benchmark, calls to that host go to NUXT_WIX_API_BASE_URL (the stand-in) instead.
import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'

const WIX_API = 'https://www.wixapis.com'

export default defineNitroPlugin(() => {
  const base = String(useRuntimeConfig().wixApiBaseUrl || WIX_API).replace(/\/+$/, '')
  if (base === WIX_API) return
  const fetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(`${WIX_API}/`)) return fetch(input, init)
    return fetch(base + url.slice(WIX_API.length), input instanceof Request ? new Request(base + url.slice(WIX_API.length), input) : init)
  }
})
