// Named route middleware `wix-member`: a page that needs a member sends anyone else through the login
// and back to the page they asked for.
import { defineNuxtRouteMiddleware, navigateTo, useNuxtApp, useRuntimeConfig } from '#imports'
import { shownTokens } from '../app-session'
import { authRoute, withQuery } from '../../auth-routes'
import { configuredOptions } from '../../configured-options'

export default defineNuxtRouteMiddleware((to) => {
  // What the store shows (the rendered visitor while the page hydrates), without making the store: a
  // middleware importing the store would move it out of the page's chunk into one more file to load.
  if (shownTokens(useNuxtApp())?.refreshToken.role === 'member') return
  const options = configuredOptions(useRuntimeConfig().public)
  return navigateTo(withQuery(authRoute(options, 'login'), { returnTo: to.fullPath }), { external: true })
})
