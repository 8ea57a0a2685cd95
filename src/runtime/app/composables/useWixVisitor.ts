import { computed, readonly } from 'vue'
import { storeToRefs } from 'pinia'
import type { $Fetch } from 'ofetch'
import type { Router } from 'vue-router'
import type { NuxtApp } from '#app'
import { useNuxtApp } from '#imports'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { useAppVisitorSession, useServerExit } from '../app-session'
import type { WixRedirectCallbacks, WixRedirectIntent, WixRedirectSession } from '../../redirect-session'
import type { Tokens, TokensInput } from '../../types'
import { configuredOptions } from '../../configured-options'

/** Options of `login()`. */
export interface WixLoginOptions {
  /** The site path to come back to. @default the current route */
  returnTo?: string
  /** `'none'` logs in silently where the browser already has a Wix login, else comes back with `login_required`. @default 'login' */
  prompt?: 'login' | 'none' | 'consent' | 'select_account'
}

/**
 * The visitor session of this app instance (one per SSR request, one per browser tab), with the
 * operations of the Wix SDK's visitor guide, and the member login and Wix-hosted pages on top.
 * Made once per app instance: later calls (layouts, components) get the same object.
 */
export function useWixVisitor(): WixVisitor {
  const nuxtApp = useNuxtApp() as NuxtApp & { _wixVisitorApi?: WixVisitor }
  return nuxtApp._wixVisitorApi ??= createWixVisitor(nuxtApp)
}

/** What `useWixVisitor()` answers. */
export type WixVisitor = ReturnType<typeof createWixVisitor>

function createWixVisitor(nuxtApp: NuxtApp) {
  const store = useWixVisitorStore()
  const session = useAppVisitorSession(nuxtApp)
  const options = configuredOptions(nuxtApp.$config.public)
  const { tokens, pending, error } = storeToRefs(store)
  // Read when needed, not on every call of the composable; it may run after an await, out of context.
  // Nothing here imports Nuxt's router or URL composables: see ServerExit for why.
  const origin = () => options.siteUrl
    ? new URL(options.siteUrl).origin
    : import.meta.server ? useServerExit().origin(nuxtApp) : window.location.origin
  const here = () => (nuxtApp.$router as Router).currentRoute.value.fullPath
  /**
   * Sends the browser to `url`; during SSR, answers the request with a redirect there. In the browser, as
   * Nuxt's external navigation does: the app's effects stop, and a route middleware that returns this
   * ends the route change (`false`; while hydrating, a promise that never settles) instead of rendering
   * the page the browser is leaving.
   */
  const leaveFor = (url: string): Promise<false | undefined> => {
    if (import.meta.server) return useServerExit().leave(nuxtApp, url)
    nuxtApp._scope.stop()
    window.location.assign(url)
    return nuxtApp.isHydrating ? new Promise(() => {}) : Promise.resolve(false)
  }

  // Loaded on first use: most page views never leave for a Wix-hosted page.
  const createRedirectSession = async (intent: WixRedirectIntent, callbacks?: WixRedirectCallbacks): Promise<WixRedirectSession> => {
    const { requestRedirectSession } = await import('../../redirect-session')
    return requestRedirectSession(nuxtApp.$wixFetch as $Fetch, intent, callbacks, origin())
  }

  return {
    /** The active tokens, or `null`. */
    tokens: readonly(tokens),
    /** `true` while a token request is in flight. */
    pending: readonly(pending),
    /** The last token request's failure, or a login's outcome, or `null`. */
    error: readonly(error),
    /** `true` when the session is a logged-in member's (the refresh token's role is `member`); no request. */
    loggedIn: computed(() => tokens.value?.refreshToken.role === 'member'),
    /** Confirms, renews or replaces `tokens` (no argument: mints a new visitor) and makes the result active. */
    generateVisitorTokens: (tokens?: TokensInput | null): Promise<Tokens> => session.generateVisitorTokens(tokens),
    /** Renews the access token of `refreshToken` (default: the current one); never mints a new visitor. */
    renewToken: (refreshToken?: string | TokensInput['refreshToken']): Promise<Tokens> => session.renewToken(refreshToken),
    /** The current tokens (a copy), or `null`. */
    getTokens: (): Tokens | null => session.getTokens(),
    /** Validates and activates tokens, e.g. a saved session; throws a TypeError naming the wrong field. */
    setTokens: (tokens: TokensInput): Tokens => session.setTokens(tokens),
    /** Forgets the visitor: store, cookie and localStorage. */
    clearTokens: (): void => session.clearTokens(),
    /** A valid access token value, renewing or minting first where needed. */
    getAccessToken: (): Promise<string> => session.getAccessToken(),
    /** Keeps, renews or mints (with `autoGenerate`) so there is a usable session; `null` when there is none. */
    ensureTokens: (): Promise<Tokens | null> => session.ensureTokens(),
    /** The visitor's authenticated fetch (`useNuxtApp().$wixFetch`): `baseURL` is `apiBaseUrl`. */
    $fetch: nuxtApp.$wixFetch,
    /** Creates a redirect session to a Wix-hosted page with the session's token; resolves to `{ url, sessionToken }`. */
    createRedirectSession,
    /** Creates a redirect session and sends the browser there (during SSR, as a redirect response). */
    redirectToWix: async (intent: WixRedirectIntent, callbacks?: WixRedirectCallbacks) => {
      const { url } = await createRedirectSession(intent, callbacks)
      return leaveFor(url)
    },
    /** Sends the browser to the Wix-hosted login page through the module's login route, and back to `returnTo`. */
    login: async ({ returnTo = here(), prompt = 'login' }: WixLoginOptions = {}) => {
      const { authRoute, withQuery } = await import('../../auth-routes')
      return leaveFor(withQuery(authRoute(options, 'login'), { returnTo, prompt }))
    },
    /**
     * Logs the member out: the server forgets the member and answers with Wix's logout page, the browser
     * clears its own copies, then goes there and comes back to `returnTo` as a new visitor. Browser only.
     */
    logout: async ({ returnTo = here() }: { returnTo?: string } = {}) => {
      if (import.meta.server) throw new Error('nuxt-wix-visitor: logout() runs in the browser; link to the logout route with a form POST instead')
      const { authRoute } = await import('../../auth-routes')
      const { url } = await $fetch<{ url: string }>(authRoute(options, 'logout'), { method: 'POST', query: { returnTo }, headers: { accept: 'application/json' } })
      session.clearTokens()
      window.location.assign(url)
    },
  }
}
