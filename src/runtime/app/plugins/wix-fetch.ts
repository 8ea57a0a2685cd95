// Provides `$wixFetch`: the authenticated fetch of this app instance's visitor session. On the server it
// draws on the request's session directly, so a page that never calls Wix creates nothing for it.
import { defineNuxtPlugin } from '#app'
import { useAppVisitorSession } from '../app-session'
import { createWixFetch } from '../../wix-fetch'
import { configuredOptions } from '../../configured-options'

export default defineNuxtPlugin({
  name: 'wix-visitor:fetch',
  setup(nuxtApp) {
    const wixFetch = createWixFetch({
      getAccessToken: () => useAppVisitorSession(nuxtApp).getAccessToken(),
      recoverFromUnauthorized: sentToken => useAppVisitorSession(nuxtApp).recoverFromUnauthorized(sentToken),
    }, configuredOptions(nuxtApp.$config.public).apiBaseUrl)
    return { provide: { wixFetch } }
  },
})
