// Server side of the handoff: resolve the request's visitor from its cookie before the render, so the
// render already sees it and the renewed or minted session goes out as Set-Cookie with this response.
// Nothing else is made per request: the Pinia store only exists if the page asks for the visitor.
import { defineNuxtPlugin, navigateTo, useRequestEvent, useRequestURL } from '#app'
import { isSharedResponse } from '../../server/visitor-session'
import { handOverServerExit, useAppVisitorSession } from '../app-session'
import { AUTH_ERROR_PARAM, authErrorOf } from '../../auth-routes'
import { visitorMarker } from '../../stored-session'
import { writeHandoff } from '../handoff'

handOverServerExit({
  origin: nuxtApp => (nuxtApp.runWithContext(() => useRequestURL()) as URL).origin,
  leave: (nuxtApp, url) => nuxtApp.runWithContext(() => navigateTo(url, { external: true })) as Promise<false | undefined>,
})

export default defineNuxtPlugin({
  name: 'wix-visitor:server',
  // Not async: a returning visitor's page view (a valid token in the cookie) waits for nothing here.
  setup(nuxtApp) {
    const event = useRequestEvent()
    // What is prerendered or cached is served to other visitors too: it gets no visitor of its own.
    if (!event || nuxtApp.payload.prerenderedAt || isSharedResponse(event)) return

    // The app's session (its end of a member session is the app's hook), whether or not the page makes the store.
    const session = useAppVisitorSession(nuxtApp)
    // Said once the render is done, so a session the page itself created counts too.
    nuxtApp.hooks.hookOnce('app:rendered', () => {
      const tokens = session.tokens
      writeHandoff(nuxtApp, { rendered: visitorMarker(tokens), minted: !session.initialTokens && !!tokens, role: tokens?.refreshToken.role, expiresAt: tokens?.accessToken.expiresAt })
    })
    // A login or logout that came back with a failure says why, after any token request (whose success
    // would clear it). A cheap test first: this runs on every page.
    const reportReturn = () => {
      if (!event.path.includes(AUTH_ERROR_PARAM)) return
      const failure = authErrorOf(event.path.slice(event.path.indexOf('?')))
      if (failure) session.report(failure)
    }
    if (!session.needsTokens) return reportReturn()
    // A failure is in the session's error; the page still renders, and the next call tries again.
    return session.ensureTokens().then(reportReturn, reportReturn)
  },
})
