import { readonly } from 'vue'
import { storeToRefs } from 'pinia'
import { useNuxtApp } from '#imports'
import { useWixVisitorStore } from '../stores/wixVisitor'

/**
 * The visitor session of this app instance (one per SSR request, one per browser tab), with the
 * operations of the Wix SDK's visitor guide.
 */
export function useWixVisitor() {
  const store = useWixVisitorStore()
  const { tokens, pending, error } = storeToRefs(store)
  return {
    /** The active tokens, or `null`. */
    tokens: readonly(tokens),
    /** `true` while a token request is in flight. */
    pending: readonly(pending),
    /** The last token request's failure, or `null`. */
    error: readonly(error),
    /** Confirms, renews or replaces `tokens` (no argument: mints a new visitor) and makes the result active. */
    generateVisitorTokens: store.generateVisitorTokens,
    /** Renews the access token of `refreshToken` (default: the current one); never mints a new visitor. */
    renewToken: store.renewToken,
    /** The current tokens (a copy), or `null`. */
    getTokens: store.getTokens,
    /** Validates and activates tokens, e.g. a saved session; throws a TypeError naming the wrong field. */
    setTokens: store.setTokens,
    /** Forgets the visitor: store, cookie and localStorage. */
    clearTokens: store.clearTokens,
    /** A valid access token value, renewing or minting first where needed. */
    getAccessToken: store.getAccessToken,
    /** The visitor's authenticated fetch (`useNuxtApp().$wixFetch`): `baseURL` is `apiBaseUrl`. */
    $fetch: useNuxtApp().$wixFetch,
  }
}
