// GET {prefix}/callback: where Wix sends the browser after its login page. The state is checked first;
// any failure keeps the visitor's session as it was and tells `returnTo` why.
import { defineEventHandler, getQuery, sendRedirect } from 'h3'
import { AUTH_ERROR_PARAM, reasonOf, withQuery } from '../../auth-routes'
import { requestMemberTokens } from '../../grants'
import { runningBreaker } from '../../breaker'
import { noStore, takeLoginAttempt } from '../member-login'
import { sessionOf, visitorOptionsOf } from '../utils/wix-visitor'

export default defineEventHandler(async (event) => {
  noStore(event)
  const options = visitorOptionsOf(event)
  const query = getQuery(event)
  const taken = takeLoginAttempt(event, options, query.state)
  if ('reason' in taken) return sendRedirect(event, withQuery('/', { [AUTH_ERROR_PARAM]: taken.reason }), 302)
  const { attempt } = taken
  const fail = (reason: string) => sendRedirect(event, withQuery(attempt.returnTo, { [AUTH_ERROR_PARAM]: reason }), 302)
  if (query.error !== undefined || typeof query.code !== 'string' || !query.code) return fail(reasonOf(query.error) ?? 'exchange')
  try {
    const member = await requestMemberTokens({ ...options, breaker: runningBreaker() }, { code: query.code, codeVerifier: attempt.codeVerifier, redirectUri: attempt.redirectUri })
    const session = sessionOf(event)
    session.setTokens(member)
    // A member session the cookie cannot hold would not outlive this redirect: say so rather than pretend.
    if (session.error?.reason === 'storage') return fail('storage')
  }
  catch {
    return fail('exchange')
  }
  return sendRedirect(event, attempt.returnTo, 302)
})
