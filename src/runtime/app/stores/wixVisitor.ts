// The Pinia store: a reactive view of the visitor session. The tokens stay out of the SSR payload
// (skipHydrate); the browser reads them from its own cookie and localStorage.
import { defineStore, skipHydrate } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useRequestEvent, useRuntimeConfig } from '#imports'
import { VisitorSession } from '../../session'
import { useRequestVisitorSession } from '../../server/visitor-session'
import { writeBrowserSession } from '../browser-storage'
import type { Tokens, TokensInput, WixVisitorErrorInfo, WixVisitorRuntimeOptions } from '../../types'

export const useWixVisitorStore = defineStore('wixVisitor', () => {
  const options = useRuntimeConfig().public.wixVisitor as WixVisitorRuntimeOptions
  const session = import.meta.server
    ? useRequestVisitorSession(useRequestEvent()!, options)
    : new VisitorSession({ ...options, tokens: null, persist: tokens => writeBrowserSession(options, tokens) })

  /** The active tokens; never serialized into the page. */
  const tokens = skipHydrate(shallowRef<Tokens | null>(session.tokens))
  /** `true` while a token request is in flight. */
  const pending = ref(session.pending)
  /** The last token request's failure, or `null`. */
  const error = shallowRef<WixVisitorErrorInfo | null>(session.error)
  /** Set by the server when it minted this response's visitor for lack of a stored session. */
  const mintedOnServer = ref(false)
  /** Set by the server when it resolved this response's visitor, so the browser starts from the same cookie. */
  const resolvedOnServer = ref(false)

  // While the page hydrates, the state shows what the server rendered, whatever the session does meanwhile.
  let hydrating = false
  session.subscribe((change) => {
    if (hydrating) return
    if (change === 'tokens') {
      tokens.value = session.tokens
      return
    }
    pending.value = session.pending
    error.value = session.error
  })

  return {
    tokens,
    pending,
    error,
    mintedOnServer,
    resolvedOnServer,
    getTokens: (): Tokens | null => session.getTokens(),
    resume: (stored: Tokens | null): void => session.resume(stored),
    save: (): void => session.save(),
    /** Shows `rendered` until `endHydration()`, so hydration matches the server's HTML. */
    startHydration: (rendered: Tokens | null): void => {
      hydrating = true
      tokens.value = rendered
    },
    endHydration: (): void => {
      hydrating = false
      tokens.value = session.tokens
      if (session.pending || session.error) {
        pending.value = session.pending
        error.value = session.error
      }
    },
    setTokens: (input: TokensInput): Tokens => session.setTokens(input),
    clearTokens: (): void => session.clearTokens(),
    generateVisitorTokens: (input?: TokensInput | null): Promise<Tokens> => session.generateVisitorTokens(input),
    renewToken: (refreshToken?: string | TokensInput['refreshToken']): Promise<Tokens> => session.renewToken(refreshToken),
    ensureTokens: (): Promise<Tokens | null> => session.ensureTokens(),
    getAccessToken: (): Promise<string> => session.getAccessToken(),
    recoverFromUnauthorized: (sentToken: string): Promise<void> => session.recoverFromUnauthorized(sentToken),
  }
})
