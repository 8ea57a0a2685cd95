// The visitor session of one server request: read from the cookie once, kept on the event, so Nitro
// handlers and the page render of the same request share one visitor and one flight.
import { deleteCookie, getCookie, getRequestHost, getRequestProtocol, setCookie } from 'h3'
import type { H3Event } from 'h3'
import { cookieSizeProblem, decodeStoredSession, encodeStoredSession } from '../stored-session'
import { VisitorSession } from '../session'
import { runningBreaker } from '../breaker'
import type { Tokens, WixVisitorCookieOptions, WixVisitorRuntimeOptions } from '../types'

declare module 'h3' {
  interface H3EventContext {
    wixVisitorSession?: VisitorSession
  }
}

/**
 * Puts the session into the request's own Cookie header too, so the page's fetches to the app's server
 * routes during SSR (which forward the request's headers) carry the visitor just minted or renewed.
 */
function forwardSessionCookie(event: H3Event, name: string, value: string | null) {
  const headers = event.node?.req?.headers
  if (!headers) return
  const prefix = `${encodeURIComponent(name)}=`
  const others = (headers.cookie ?? '').split(/;\s*/).filter(part => part && !part.startsWith(prefix))
  headers.cookie = [...others, ...(value === null ? [] : [`${prefix}${encodeURIComponent(value)}`])].join('; ')
}

/** Writes the session cookie; answers what went wrong instead of throwing into the request. */
function writeSessionCookie(event: H3Event, cookie: WixVisitorCookieOptions, clientId: string, tokens: Tokens | null): string | undefined {
  const value = tokens && encodeStoredSession(clientId, tokens)
  const tooLarge = value ? cookieSizeProblem(cookie.name, value, cookie.domain) : undefined
  if (tooLarge) return tooLarge
  try {
    forwardSessionCookie(event, cookie.name, value)
    // A cookie changed after the response has started can no longer reach the browser.
    if (event.node?.res?.headersSent) return
    const attributes = { path: cookie.path, domain: cookie.domain || undefined, sameSite: cookie.sameSite, secure: cookie.secure, httpOnly: false }
    if (value) setCookie(event, cookie.name, value, { ...attributes, maxAge: cookie.maxAge })
    else deleteCookie(event, cookie.name, attributes)
  }
  catch (error) {
    return `nuxt-wix-visitor: the session cookie could not be written (${(error as Error)?.message ?? error})`
  }
}

const SHARING_RULES = ['cache', 'swr', 'isr', 'prerender'] as const

/** `true` when the response may be served to other visitors too: prerendered, or cached by a route rule. */
export function isSharedResponse(event: H3Event): boolean {
  const routeRules: Record<string, unknown> = event.context._nitro?.routeRules ?? {}
  return !!import.meta.prerender || SHARING_RULES.some(rule => routeRules[rule])
}

/** Says `message` in the server log once per process (both copies of the runtime share `key`). */
function warnOnce(key: string, message: string): void {
  const said = Symbol.for(`nuxt-wix-visitor:warned-${key}`)
  const holder = globalThis as Record<symbol, boolean | undefined>
  if (holder[said]) return
  holder[said] = true
  console.warn(`[nuxt-wix-visitor] ${message}`)
}

/**
 * `true` when the browser will drop the cookie: `Secure` on a plain-HTTP request to a host other than
 * localhost. Said once per process in the server log; such requests mint nothing on the server, so a
 * browser that never keeps the cookie does not cost a new visitor on every page view.
 */
function dropsSecureCookie(event: H3Event, cookie: WixVisitorCookieOptions): boolean {
  if (!cookie.secure || getRequestProtocol(event) === 'https') return false
  const host = getRequestHost(event).replace(/:\d+$/, '')
  if (host === 'localhost' || host === '127.0.0.1' || host === '[::1]') return false
  warnOnce('secure-over-http', `the session cookie is Secure, but ${host} is served over plain HTTP, where browsers drop it: serve the site over HTTPS (or behind a proxy that sends X-Forwarded-Proto: https), or set wixVisitor.cookie.secure to false. Until then the server mints no visitors and the browser keeps the session in localStorage.`)
  return true
}

/**
 * `true` for a page load, without the session cookie, that comes from one of the site's own pages: the
 * browser refuses the cookie (a privacy setting or extension), or lost it. A mint for the page's render
 * would be lost again on the next page view, so the render leaves the visitor to the browser, which keeps
 * it in localStorage. Said once per process in the server log. Only page renders ask: a server route
 * (the login route, say) needs a visitor to act on.
 */
function refusesCookie(event: H3Event, name: string): boolean {
  const headers = event.node?.req?.headers
  if (headers?.['sec-fetch-site'] !== 'same-origin' || headers['sec-fetch-mode'] !== 'navigate') return false
  warnOnce('refused-cookie', `a browser navigated between the site's own pages without the ${name} cookie (it refuses or lost it): such page loads mint no visitor on the server; the browser keeps its own in localStorage`)
  return true
}

/**
 * The request's visitor session, created from the session cookie on first use. A shared response gets an
 * empty session that neither reads the cookie, nor mints, nor writes: no visitor is baked into it.
 * `pageRender`: the session is made for the page's render (by the server plugin), not for a server route.
 */
export function useRequestVisitorSession(event: H3Event, options: WixVisitorRuntimeOptions, { pageRender = false }: { pageRender?: boolean } = {}): VisitorSession {
  if (event.context.wixVisitorSession) return event.context.wixVisitorSession
  const cookie = isSharedResponse(event) ? false : options.cookie
  const raw = cookie ? getCookie(event, cookie.name) : undefined
  const tokens = cookie ? decodeStoredSession(raw, options.clientId) : null
  event.context.wixVisitorSession = new VisitorSession({
    ...options,
    // A request that carries the session cookie comes from a browser that keeps it: the plain-HTTP check
    // is for the others only, so a returning visitor's page view does no more than decode the cookie.
    autoGenerate: options.autoGenerate && !!cookie
      && (!!tokens || (!dropsSecureCookie(event, cookie) && !(pageRender && raw === undefined && refusesCookie(event, cookie.name)))),
    tokens,
    persist: tokens => cookie ? writeSessionCookie(event, cookie, options.clientId, tokens) : undefined,
    retryFailures: false,
    breaker: runningBreaker(),
  })
  return event.context.wixVisitorSession
}
