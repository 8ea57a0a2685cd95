// The visitor's authenticated fetch: an ofetch instance whose underlying fetch sends the visitor's access
// token to the Wix API host only, renews it before it expires, and answers a 401 with one renewal and
// one retry (authorized-fetch.ts, loaded with the first request). Working below ofetch's options and
// hooks, no per-call option can switch it off or redirect it.
import { ofetch } from 'ofetch'
import type { $Fetch } from 'ofetch'

/** Where the fetch gets its token; `VisitorSession` and the Pinia store both fit. */
export interface AccessTokenSource {
  getAccessToken: () => Promise<string>
  recoverFromUnauthorized: (sentToken: string) => Promise<void>
}

let authorized: Promise<typeof import('./authorized-fetch')> | undefined
/** The request code; a chunk that did not load is tried again with the next request. */
function loadAuthorized() {
  return authorized ??= import('./authorized-fetch').catch((error: unknown) => {
    authorized = undefined
    throw error
  })
}

/** Creates the authenticated fetch for one session. */
export function createWixFetch(source: AccessTokenSource, apiBaseUrl: string): $Fetch {
  const authorizedFetch: typeof fetch = async (input, init) => (await loadAuthorized()).fetchWithToken(source, apiBaseUrl, input, init)
  return ofetch.create({ baseURL: apiBaseUrl }, { fetch: authorizedFetch })
}
