// What the visitor's authenticated fetch does with each request, loaded with its first request: the
// visitor's access token goes to the Wix API host only, is renewed before it expires, and a 401 gets one
// renewal and one retry.
import type { AccessTokenSource } from './wix-fetch'

function isWixApiHost(url: URL): boolean {
  return url.protocol === 'https:' && (url.hostname === 'wixapis.com' || url.hostname.endsWith('.wixapis.com'))
}

/**
 * `true` when a request to `url`, as `fetch` receives it, may carry the visitor's token: an absolute URL
 * of the origin of `apiBaseUrl` or, when `apiBaseUrl` is Wix's own, of any Wix API host over https.
 * A URL still relative at this point would go to wherever the page is: never.
 */
export function mayCarryToken(url: string, apiBaseUrl: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false
  try {
    const target = new URL(url)
    const base = new URL(apiBaseUrl)
    return target.origin === base.origin || (isWixApiHost(base) && isWixApiHost(target))
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

/** Sends `input` as `fetch` would, with the session's token where it may go (see `mayCarryToken`). */
export async function fetchWithToken(source: AccessTokenSource, apiBaseUrl: string, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
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
