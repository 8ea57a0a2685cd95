// What the server tells the page about the visitor it rendered, in the payload: a marker, never a token.
import type { NuxtApp } from '#app'

export interface VisitorHandoff {
  /** `visitorMarker()` of the rendered visitor; `null` when the server rendered none (its token request failed, say). */
  rendered: string | null
  /** The server minted the rendered visitor for lack of a stored session. */
  minted: boolean
}

/** The handoff of a server-rendered page; `undefined` where no server rendered for this visitor (shared or client-only pages). */
export function readHandoff(nuxtApp: NuxtApp): VisitorHandoff | undefined {
  return (nuxtApp.payload as { wixVisitor?: VisitorHandoff }).wixVisitor
}

export function writeHandoff(nuxtApp: NuxtApp, handoff: VisitorHandoff): void {
  (nuxtApp.payload as { wixVisitor?: VisitorHandoff }).wixVisitor = handoff
}
