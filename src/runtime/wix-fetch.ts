// The visitor's authenticated fetch: an ofetch instance whose underlying fetch sends the visitor's access
// token to the Wix API host only, renews it before it expires, and answers a 401 with one renewal and
// one retry. Working below ofetch's options and hooks, no per-call option can switch it off or redirect it.
import { ofetch } from 'ofetch'
import type { $Fetch } from 'ofetch'
import { withBase } from 'ufo'

/** Where the fetch gets its token; `VisitorSession` and the Pinia store both fit. */
export interface AccessTokenSource {
  getAccessToken: () => Promise<string>
  recoverFromUnauthorized: (sentToken: string) => Promise<void>
}

function isWixApiHost(url: URL): boolean {
  return url.protocol === 'https:' && (url.hostname === 'wixapis.com' || url.hostname.endsWith('.wixapis.com'))
}

/**
 * `true` when a request to `target` may carry the visitor's token: it goes (resolved against `apiBaseUrl`
 * when relative) to that origin or, when `apiBaseUrl` is Wix's own, to any Wix API host over https.
 */
export function mayCarryToken(target: string, apiBaseUrl: string): boolean {
  try {
    const url = new URL(withBase(target, apiBaseUrl))
    const base = new URL(apiBaseUrl)
    return url.origin === base.origin || (isWixApiHost(base) && isWixApiHost(url))
  }
  catch {
    return false
  }
}

/** A body that can be sent a second time; a stream cannot. */
function isReplayable(body: unknown): boolean {
  return body == null || typeof body === 'string' || body instanceof URLSearchParams || body instanceof FormData
    || body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body)
}

/** Creates the authenticated fetch for one session. */
export function createWixFetch(source: AccessTokenSource, apiBaseUrl: string): $Fetch {
  const authorizedFetch: typeof fetch = async (input, init) => {
    const isRequest = input instanceof Request
    const url = isRequest ? input.url : String(input)
    const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined))
    // A caller's own Authorization header stays as it is.
    if (!mayCarryToken(url, apiBaseUrl) || headers.has('authorization')) return fetch(input, init)

    const send = async () => {
      const token = await source.getAccessToken()
      headers.set('authorization', token)
      return { token, response: await fetch(input, { ...init, headers }) }
    }
    const first = await send()
    if (first.response.status !== 401 || (isRequest && input.body) || !isReplayable(init?.body)) return first.response
    try {
      await source.recoverFromUnauthorized(first.token)
    }
    catch {
      // The renewal failed (its error is in the session): the caller gets the 401.
      return first.response
    }
    await first.response.body?.cancel()
    return (await send()).response
  }
  return ofetch.create({ baseURL: apiBaseUrl }, { fetch: authorizedFetch })
}
