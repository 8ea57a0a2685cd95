// GET {prefix}/logout-callback?returnTo=/path: back from Wix's logout page; starts a fresh visitor. It
// clears nothing: the logout route already did, so a link from another site here logs no one out.
import { defineEventHandler, getQuery, sendRedirect } from 'h3'
import { AUTH_ERROR_PARAM, reasonOf, withQuery } from '../../auth-routes'
import { noStore, safeReturnTo } from '../member-login'
import { sessionOf } from '../utils/wix-visitor'

export default defineEventHandler(async (event) => {
  const query = getQuery(event)
  noStore(event)
  const session = sessionOf(event)
  try {
    await session.ensureTokens()
  }
  catch {
    // The page the browser lands on tries again, as after any failed token request.
  }
  return sendRedirect(event, withQuery(safeReturnTo(query.returnTo), { [AUTH_ERROR_PARAM]: reasonOf(query[AUTH_ERROR_PARAM]) }), 302)
})
