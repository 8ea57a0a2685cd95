// Named route middleware `wix-member`: a page that needs a member sends anyone else through the login
// and back to the page they asked for.
import { defineNuxtRouteMiddleware, navigateTo, useRuntimeConfig } from '#imports'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { authRoute, withQuery } from '../../auth-routes'
import { configuredOptions } from '../../configured-options'

export default defineNuxtRouteMiddleware((to) => {
  if (useWixVisitorStore().tokens?.refreshToken.role === 'member') return
  const options = configuredOptions(useRuntimeConfig().public)
  return navigateTo(withQuery(authRoute(options, 'login'), { returnTo: to.fullPath }), { external: true })
})
