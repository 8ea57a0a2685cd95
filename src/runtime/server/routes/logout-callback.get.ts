// GET {prefix}/logout-callback?returnTo=/path: back from Wix's logout page; starts a fresh visitor.
import { defineEventHandler, getQuery, sendRedirect } from 'h3'
import { AUTH_ERROR_PARAM, reasonOf, withQuery } from '../../auth-routes'
import { safeReturnTo } from '../member-login'
import { sessionOf } from '../utils/wix-visitor'

export default defineEventHandler(async (event) => {
  const query = getQuery(event)
  const session = sessionOf(event)
  if (session.tokens?.refreshToken.role === 'member') session.clearTokens()
  try {
    await session.ensureTokens()
  }
  catch {
    // The page the browser lands on tries again, as after any failed token request.
  }
  return sendRedirect(event, withQuery(safeReturnTo(query.returnTo), { [AUTH_ERROR_PARAM]: reasonOf(query[AUTH_ERROR_PARAM]) }), 302)
})
