// The Pinia store: a reactive view of the visitor session. The tokens stay out of the SSR payload
// (skipHydrate); the browser reads them from its own cookie and localStorage.
import { defineStore, skipHydrate } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useNuxtApp, useRequestEvent, useRuntimeConfig } from '#imports'
import { VisitorSession } from '../../session'
import { useRequestVisitorSession } from '../../server/visitor-session'
import { writeBrowserSession } from '../browser-storage'
import { mintOncePerBrowser } from '../browser-mint'
import type { Tokens, TokensInput, WixVisitorErrorInfo, WixVisitorRuntimeOptions } from '../../types'

export const useWixVisitorStore = defineStore('wixVisitor', () => {
  const options = useRuntimeConfig().public.wixVisitor as WixVisitorRuntimeOptions
  const nuxtApp = useNuxtApp()
  const session = import.meta.server
    ? useRequestVisitorSession(useRequestEvent()!, options)
    : new VisitorSession({
        ...options,
        tokens: null,
        persist: tokens => writeBrowserSession(options, tokens),
        mintExclusively: (mint, replacing) => mintOncePerBrowser(options, mint, replacing),
      })

  /** The active tokens; never serialized into the page. */
  const tokens = skipHydrate(shallowRef<Tokens | null>(session.tokens))
  /** `true` while a token request is in flight. */
  const pending = ref(session.pending)
  /** The last token request's failure, or `null`. */
  const error = shallowRef<WixVisitorErrorInfo | null>(session.error)
  // While the page hydrates, the state shows what the server rendered, whatever the session does meanwhile.
  let hydrating = false
  let requestChangedWhileHydrating = false
  session.subscribe((change) => {
    if (change === 'member-ended') {
      // On the server, the server plugin calls the hook for the request.
      if (import.meta.client) void nuxtApp.callHook('wix-visitor:member-ended')
      return
    }
    if (hydrating) {
      requestChangedWhileHydrating ||= change === 'request'
      return
    }
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
    /** The current tokens (a copy), or `null`. */
    getTokens: (): Tokens | null => session.getTokens(),
    /** Makes tokens read from storage active without writing them back (used by the client plugin). */
    resume: (stored: Tokens | null): void => session.resume(stored),
    /** Takes over tokens another tab stored, without writing them back (used by the client plugin). */
    follow: (shared: Tokens | null): void => session.follow(shared),
    /** Shows `error` as the session's error, e.g. a login's outcome (used by the plugins). */
    report: (failure: WixVisitorErrorInfo): void => session.report(failure),
    /** `true` when `tokens` hold the visitor this app instance minted last (used by the client plugin). */
    isOwnMint: (candidate: Tokens | null): boolean => session.isOwnMint(candidate),
    /** Writes the current tokens to the cookie and localStorage again (used by the client plugin). */
    save: (): void => session.save(),
    /** Shows `rendered` until `endHydration()`, so hydration matches the server's HTML. */
    startHydration: (rendered: Tokens | null): void => {
      hydrating = true
      tokens.value = rendered
    },
    /** Shows the session as it is, once hydration is done. */
    endHydration: (): void => {
      hydrating = false
      tokens.value = session.tokens
      if (requestChangedWhileHydrating) {
        pending.value = session.pending
        error.value = session.error
      }
    },
    /** Validates and activates tokens; throws a TypeError naming the wrong field. */
    setTokens: (input: TokensInput): Tokens => session.setTokens(input),
    /** Forgets the visitor: store, cookie and localStorage. */
    clearTokens: (): void => session.clearTokens(),
    /** Confirms, renews or replaces `input` (no argument: mints a new visitor) and makes the result active. */
    generateVisitorTokens: (input?: TokensInput | null): Promise<Tokens> => session.generateVisitorTokens(input),
    /** Renews the access token of `refreshToken` (default: the current one); never mints a new visitor. */
    renewToken: (refreshToken?: string | TokensInput['refreshToken']): Promise<Tokens> => session.renewToken(refreshToken),
    /** Keeps, renews or mints (with `autoGenerate`) so there is a usable session; `null` when there is none. */
    ensureTokens: (): Promise<Tokens | null> => session.ensureTokens(),
    /** A valid access token value, renewing or minting first where needed. */
    getAccessToken: (): Promise<string> => session.getAccessToken(),
    /** Renews once after a 401 to a request sent with `sentToken` (used by the authenticated fetch). */
    recoverFromUnauthorized: (sentToken: string): Promise<void> => session.recoverFromUnauthorized(sentToken),
  }
})
