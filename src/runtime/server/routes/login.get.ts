// GET {prefix}/login?returnTo=/path&prompt=login|none: starts a login on the Wix-hosted page.
import { defineEventHandler, getQuery, sendRedirect } from 'h3'
import { authRoute, AUTH_ERROR_PARAM, withQuery } from '../../auth-routes'
import { noStore, safeReturnTo, saveLoginAttempt, siteOrigin, startLoginAttempt } from '../member-login'
import { createWixRedirectSession, visitorOptionsOf } from '../utils/wix-visitor'

const PROMPTS = new Set(['login', 'none', 'consent', 'select_account'])

export default defineEventHandler(async (event) => {
  noStore(event)
  const options = visitorOptionsOf(event)
  const query = getQuery(event)
  const returnTo = safeReturnTo(query.returnTo)
  const prompt = typeof query.prompt === 'string' && PROMPTS.has(query.prompt) ? query.prompt : 'login'
  try {
    const attempt = await startLoginAttempt(returnTo, `${siteOrigin(event, options)}${authRoute(options, 'callback')}`)
    // Made with the visitor's token (minted first if there is none), as Wix expects.
    const { url } = await createWixRedirectSession(event, {
      auth: {
        authRequest: {
          redirectUri: attempt.redirectUri,
          clientId: options.clientId,
          codeChallenge: attempt.codeChallenge,
          codeChallengeMethod: 'S256',
          responseMode: 'query',
          responseType: 'code',
          scope: 'offline_access',
          state: attempt.state,
        },
        prompt,
      },
    })
    saveLoginAttempt(event, options, attempt)
    return sendRedirect(event, url, 302)
  }
  catch {
    return sendRedirect(event, withQuery(returnTo, { [AUTH_ERROR_PARAM]: 'login_failed' }), 302)
  }
})
