// The Pinia store: the reactive state of this app instance's visitor session, and nothing else (the
// operations are on useWixVisitor()). The tokens stay out of the SSR payload (skipHydrate); the browser
// reads them from its own cookie and localStorage.
import { defineStore, skipHydrate } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useNuxtApp } from '#imports'
import { isShowingRendered, onShowSession, shownTokens, useAppVisitorSession } from '../app-session'
import type { Tokens, WixVisitorErrorInfo } from '../../types'

export const useWixVisitorStore = defineStore('wixVisitor', () => {
  const nuxtApp = useNuxtApp()
  const session = useAppVisitorSession(nuxtApp)

  /** The active tokens; never serialized into the page. */
  const tokens = skipHydrate(shallowRef<Tokens | null>(shownTokens(nuxtApp)))
  /** `true` while a token request is in flight. */
  const pending = ref(session.pending)
  /** The last token request's failure (or a login's outcome), or `null`. */
  const error = shallowRef<WixVisitorErrorInfo | null>(session.error)

  // While the page hydrates, the state shows what the server rendered (its tokens from the handoff; its
  // pending and error from the payload), whatever the session does meanwhile; a request made meanwhile
  // shows once hydration is done.
  let requestChanged = false
  onShowSession(nuxtApp, () => {
    tokens.value = shownTokens(nuxtApp)
    if (isShowingRendered(nuxtApp) || !requestChanged) return
    pending.value = session.pending
    error.value = session.error
  })
  session.subscribe((change) => {
    if (change === 'member-ended') return
    if (isShowingRendered(nuxtApp)) {
      requestChanged ||= change === 'request'
      return
    }
    if (change === 'tokens') tokens.value = session.tokens
    else {
      pending.value = session.pending
      error.value = session.error
    }
  })

  return { tokens, pending, error }
})
