// The visitor's authenticated fetch: an ofetch instance that sends the visitor's access token to the
// Wix API host only, renews it before it expires, and answers a 401 with one renewal and one retry.
import { ofetch } from 'ofetch'
import { withBase } from 'ufo'
import type { $Fetch, FetchOptions } from 'ofetch'

/** Where the fetch gets its token; `VisitorSession` and the Pinia store both fit. */
export interface AccessTokenSource {
  getAccessToken: () => Promise<string>
  recoverFromUnauthorized: (sentToken: string) => Promise<void>
}

interface WixFetchOptions extends FetchOptions {
  /** The token this request carries; set by the fetch itself. */
  wixAccessToken?: string
  /** Set once the request was retried after a 401: the next 401 goes to the caller. */
  wixRetried?: boolean
}

function isWixApiHost(url: URL): boolean {
  return url.protocol === 'https:' && (url.hostname === 'wixapis.com' || url.hostname.endsWith('.wixapis.com'))
}

/**
 * `true` when a request to `target` may carry the visitor's token: it goes, once ofetch has resolved it
 * against `apiBaseUrl`, to that origin or, when `apiBaseUrl` is Wix's own, to any Wix API host over https.
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

/** Creates the authenticated fetch for one session. */
export function createWixFetch(source: AccessTokenSource, apiBaseUrl: string): $Fetch {
  return ofetch.create({
    baseURL: apiBaseUrl,
    async onRequest({ request, options }) {
      const wixOptions = options as WixFetchOptions
      const target = typeof request === 'string' ? request : request.url
      // A caller's own Authorization header stays; on a retry the header is the one set here.
      if (!mayCarryToken(target, apiBaseUrl) || (options.headers.has('authorization') && !wixOptions.wixAccessToken)) return
      wixOptions.wixAccessToken = await source.getAccessToken()
      options.headers.set('authorization', wixOptions.wixAccessToken)
    },
    async onResponseError({ response, options }) {
      const wixOptions = options as WixFetchOptions
      if (response.status !== 401 || !wixOptions.wixAccessToken || wixOptions.wixRetried) return
      wixOptions.wixRetried = true
      try {
        await source.recoverFromUnauthorized(wixOptions.wixAccessToken)
      }
      catch {
        // The renewal failed (its error is in the session); the caller gets the 401.
        return
      }
      wixOptions.retry = 1
      wixOptions.retryStatusCodes = [401]
      wixOptions.retryDelay = 0
    },
  })
}
