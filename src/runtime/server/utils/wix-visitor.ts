// Nitro utilities for routes that call Wix on the visitor's behalf. They share the request's session
// with the page render, so a middleware and the render of one request see one visitor.
import type { H3Event } from 'h3'
import type { $Fetch } from 'ofetch'
import { useRuntimeConfig } from '#imports'
import { useRequestVisitorSession } from '../visitor-session'
import { createWixFetch } from '../../wix-fetch'
import type { Tokens, WixVisitorRuntimeOptions } from '../../types'

declare module 'h3' {
  interface H3EventContext {
    wixVisitorFetch?: $Fetch
  }
}

function sessionOf(event: H3Event) {
  return useRequestVisitorSession(event, useRuntimeConfig(event).public.wixVisitor as WixVisitorRuntimeOptions)
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
export const wixVisitorFetch: (event: H3Event, ...args: Parameters<$Fetch>) => ReturnType<$Fetch> = (event, request, options) => {
  event.context.wixVisitorFetch ??= createWixFetch(sessionOf(event), useRuntimeConfig(event).public.wixVisitor.apiBaseUrl as string)
  return event.context.wixVisitorFetch(request, options)
}
