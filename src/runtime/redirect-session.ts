// Redirect sessions: how a visitor or member is sent to a Wix-hosted page (checkout, login, logout) and
// brought back. Created with the session's own access token, through its authenticated fetch.
import type { $Fetch } from 'ofetch'

/** The flow to start: one intent of Wix's redirect-session API, e.g. `{ ecomCheckout: { checkoutId } }`. */
export type WixRedirectIntent = Record<string, unknown>

/** Where Wix sends the browser back; a relative URL is resolved against the site's origin. */
export interface WixRedirectCallbacks {
  postFlowUrl?: string
  thankYouPageUrl?: string
  cartPageUrl?: string
  [callback: string]: string | undefined
}

/** A created redirect session: send the browser to `url`. */
export interface WixRedirectSession {
  url: string
  sessionToken: string
}

const ENDPOINT = '/_api/redirects-api/v1/redirect-session'

/**
 * `value` as an absolute URL of the site: a callback that would send the browser to another origin (an
 * absolute URL, `//host`, a backslash trick, `javascript:`) is refused, since apps pass user input here too.
 */
function sameOriginUrl(name: string, value: string, origin: string): string {
  let url: URL | undefined
  try {
    url = new URL(value, origin)
  }
  catch {
    // Refused below.
  }
  if (!url || url.origin !== origin || value.includes('\\')) {
    throw new TypeError(`nuxt-wix-visitor: callbacks.${name} must be a path or URL of this site (${origin}), got ${JSON.stringify(value)}`)
  }
  return url.href
}

/** Creates a redirect session with `wixFetch` (which carries the session's token). */
export async function requestRedirectSession(wixFetch: $Fetch, intent: WixRedirectIntent, callbacks: WixRedirectCallbacks | undefined, origin: string): Promise<WixRedirectSession> {
  if (typeof intent !== 'object' || intent === null || Array.isArray(intent) || Object.keys(intent).length === 0) {
    throw new TypeError('nuxt-wix-visitor: a redirect session needs an intent object, e.g. { ecomCheckout: { checkoutId } }')
  }
  const resolved = callbacks && Object.fromEntries(Object.entries(callbacks)
    .filter(([, value]) => typeof value === 'string' && value)
    .map(([name, value]) => [name, sameOriginUrl(name, value!, origin)]))
  const answer = await wixFetch<{ redirectSession?: { fullUrl?: unknown, sessionToken?: unknown } }>(ENDPOINT, {
    method: 'POST',
    body: resolved && Object.keys(resolved).length ? { ...intent, callbacks: resolved } : intent,
  })
  const fullUrl = answer?.redirectSession?.fullUrl
  if (typeof fullUrl !== 'string' || !/^https?:\/\//i.test(fullUrl)) {
    throw new Error('nuxt-wix-visitor: the redirect session answer has no usable fullUrl')
  }
  return { url: fullUrl, sessionToken: String(answer.redirectSession?.sessionToken ?? '') }
}
