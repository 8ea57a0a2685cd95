// Nitro utilities for routes that call Wix on the visitor's behalf. They share the request's session
// with the page render, so a middleware and the render of one request see one visitor.
import type { H3Event } from 'h3'
import type { $Fetch } from 'ofetch'
import { useRuntimeConfig } from '#imports'
import { useRequestVisitorSession } from '../visitor-session'
import { createWixFetch } from '../../wix-fetch'
import { requestRedirectSession } from '../../redirect-session'
import type { WixRedirectCallbacks, WixRedirectIntent, WixRedirectSession } from '../../redirect-session'
import { siteOrigin } from '../member-login'
import { configuredOptions } from '../../configured-options'
import type { Tokens, WixVisitorRuntimeOptions } from '../../types'

declare module 'h3' {
  interface H3EventContext {
    wixVisitorFetch?: $Fetch
  }
}

/** The module's options, as the server sees them at run time (the same for every request). */
export function visitorOptionsOf(_event: H3Event): WixVisitorRuntimeOptions {
  // Without the event: the process's runtime config, not a copy made for this request.
  return configuredOptions(useRuntimeConfig().public)
}

/** The request's visitor session (see `useRequestVisitorSession`). */
export function sessionOf(event: H3Event) {
  return useRequestVisitorSession(event, visitorOptionsOf(event))
}

/**
 * The request's visitor tokens, read from the session cookie and renewed or minted as the page render
 * would; a change goes out as Set-Cookie. On a token endpoint failure, the tokens as they were (or `null`).
 */
export async function getWixVisitorTokens(event: H3Event): Promise<Tokens | null> {
  const session = sessionOf(event)
  try {
    await session.ensureTokens()
  }
  catch {
    // The failure is kept as the session's error; the caller gets what there is.
  }
  return session.getTokens()
}

/** The visitor's authenticated fetch on the server: as `useWixVisitor().$fetch`, for this request's visitor. */
export const wixVisitorFetch: (event: H3Event, ...args: Parameters<$Fetch>) => ReturnType<$Fetch> = (event, request, options) =>
  visitorFetchOf(event)(request, options)

function visitorFetchOf(event: H3Event): $Fetch {
  event.context.wixVisitorFetch ??= createWixFetch(sessionOf(event), visitorOptionsOf(event).apiBaseUrl)
  return event.context.wixVisitorFetch
}

/**
 * Creates a redirect session to a Wix-hosted page (checkout, login, ...) with this request's visitor or
 * member token, renewing or minting first like any call; relative callback URLs are resolved against the site.
 */
export function createWixRedirectSession(event: H3Event, intent: WixRedirectIntent, callbacks?: WixRedirectCallbacks): Promise<WixRedirectSession> {
  return requestRedirectSession(visitorFetchOf(event), intent, callbacks, siteOrigin(event, visitorOptionsOf(event)))
}
