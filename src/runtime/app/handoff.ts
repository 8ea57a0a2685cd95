// What the server tells the page about the visitor it rendered, in the payload: a marker, never a token.
import type { NuxtApp } from '#app'
import type { Tokens } from '../types'

export interface VisitorHandoff {
  /** `visitorMarker()` of the rendered visitor; `null` when the server rendered none (its token request failed, say). */
  rendered: string | null
  /** The server minted the rendered visitor for lack of a stored session. */
  minted: boolean
  /** What the page may show of the rendered visitor without a token: its role and access token expiry. */
  role?: Tokens['refreshToken']['role']
  expiresAt?: number
}

/**
 * What hydration shows when no stored copy holds the rendered visitor (its cookie never arrived): the
 * rendered role and expiry, with empty token values, so a page showing those hydrates as rendered.
 */
export function renderedView(handoff: VisitorHandoff): Tokens | null {
  if (!handoff.rendered || !handoff.role) return null
  return { accessToken: { value: '', expiresAt: handoff.expiresAt ?? 0 }, refreshToken: { value: '', role: handoff.role } }
}

/** The handoff of a server-rendered page; `undefined` where no server rendered for this visitor (shared or client-only pages). */
export function readHandoff(nuxtApp: NuxtApp): VisitorHandoff | undefined {
  return (nuxtApp.payload as { wixVisitor?: VisitorHandoff }).wixVisitor
}

export function writeHandoff(nuxtApp: NuxtApp, handoff: VisitorHandoff): void {
  (nuxtApp.payload as { wixVisitor?: VisitorHandoff }).wixVisitor = handoff
}
