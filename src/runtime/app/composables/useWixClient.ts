// A @wix/sdk client bound to the visitor session: the SDK reads and writes the module's session, and its
// API calls take their token from getAccessToken(), so single flight and keep-the-visitor hold for them too.
import { createClient, OAuthStrategy } from '@wix/sdk'
import { useRuntimeConfig } from '#imports'
import { useAppVisitorSession } from '../app-session'
import { hasRefreshToken } from '../../tokens'
import { configuredOptions } from '../../configured-options'

const EMPTY_TOKENS = { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } }

/** The strategy's methods that make authenticated calls through its own, internal header logic. */
const MEMBER_FLOWS = [
  'getAuthUrl',
  'getMemberTokensForDirectLogin',
  'getMemberTokensForExternalLogin',
  'getMemberTokensForExternalLoginWithSession',
  'login',
  'logout',
  'processVerification',
  'register',
  'sendPasswordResetEmail',
] as const

/**
 * A Wix SDK client, `createClient({ modules, auth: OAuthStrategy(...) })`, that shares this app
 * instance's visitor session (one per SSR request, one per browser tab).
 */
export function useWixClient<Modules extends Record<string, unknown> = Record<string, never>>(modules?: Modules) {
  const session = useAppVisitorSession()
  const auth = OAuthStrategy({
    clientId: configuredOptions(useRuntimeConfig().public).clientId,
    tokenStorage: {
      getTokens: () => session.getTokens() ?? structuredClone(EMPTY_TOKENS),
      setTokens: tokens => hasRefreshToken(tokens) ? session.setTokens(tokens) : session.clearTokens(),
    },
  })
  // The strategy's own header logic would mint a new visitor on any renewal failure: use the module's.
  auth.getAuthHeaders = async () => ({ headers: { Authorization: await session.getAccessToken() } })
  // Its member flows call that logic internally; a valid token first leaves it nothing to renew.
  for (const name of MEMBER_FLOWS) {
    const flow = auth[name] as (...args: unknown[]) => Promise<unknown>
    if (typeof flow !== 'function') continue
    ;(auth[name] as typeof flow) = async (...args) => {
      await session.getAccessToken()
      return flow(...args)
    }
  }
  return createClient({ modules: (modules ?? {}) as Modules, auth })
}
