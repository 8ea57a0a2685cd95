// POST {prefix}/logout?returnTo=/path (a GET only from the site's own pages): forgets the member at once,
// then sends the browser through Wix's logout page, which ends Wix's own session, to logout-callback.
import { defineEventHandler, getQuery, getRequestHeader, sendRedirect, setResponseStatus } from 'h3'
import { authRoute, AUTH_ERROR_PARAM, withQuery } from '../../auth-routes'
import { isSameOriginRequest, noStore, rememberLogout, safeReturnTo, siteOrigin } from '../member-login'
import { visitorMarker } from '../../stored-session'
import { createWixRedirectSession, sessionOf, visitorOptionsOf } from '../utils/wix-visitor'

export default defineEventHandler(async (event) => {
  noStore(event)
  const options = visitorOptionsOf(event)
  if (event.method !== 'GET' && event.method !== 'POST') {
    setResponseStatus(event, 405)
    return 'nuxt-wix-visitor: logout takes POST (or GET from the site\'s own pages)'
  }
  if (!isSameOriginRequest(event, options)) {
    setResponseStatus(event, 403)
    return 'nuxt-wix-visitor: logout is accepted from the site\'s own pages only'
  }
  const returnTo = safeReturnTo(getQuery(event).returnTo)
  const back = withQuery(authRoute(options, 'logout-callback'), { returnTo })
  const session = sessionOf(event)
  const member = session.tokens?.refreshToken.role === 'member' ? session.tokens : null
  let url = back
  if (member) {
    try {
      url = (await createWixRedirectSession(event, { logout: { clientId: options.clientId } }, { postFlowUrl: `${siteOrigin(event, options)}${back}` })).url
    }
    catch {
      // The member is forgotten here all the same; the page says Wix's own session may still be open.
      url = withQuery(authRoute(options, 'logout-callback'), { returnTo, [AUTH_ERROR_PARAM]: 'logout_failed' })
    }
    // Every tab of this browser drops any stored copy of this member, whatever else goes wrong on the way.
    rememberLogout(event, options, visitorMarker(member)!)
  }
  session.clearTokens()
  // The composable asks for JSON, to clear the browser's copies before it leaves.
  if (getRequestHeader(event, 'accept')?.includes('application/json')) return { url }
  return sendRedirect(event, url, 303)
})
