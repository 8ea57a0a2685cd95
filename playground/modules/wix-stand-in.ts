// Starts the local Wix stand-in next to `nuxt dev` when no client id is configured.
import { defineNuxtModule, useLogger } from '@nuxt/kit'
import { startWixStandIn } from '../../src/testing'

export default defineNuxtModule({
  meta: { name: 'wix-stand-in' },
  setup(_options, nuxt) {
    if (!nuxt.options.dev || !nuxt.options.runtimeConfig.public.wixStandIn) return
    const port = Number(new URL(nuxt.options.runtimeConfig.public.wixVisitorApiBaseUrl).port)
    nuxt.hook('ready', async () => {
      try {
        const standIn = await startWixStandIn({ port })
        nuxt.hook('close', () => standIn.close())
        useLogger('wix-stand-in').info(`Local Wix stand-in on ${standIn.url}: set NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID to talk to Wix instead`)
      }
      catch (error) {
        useLogger('wix-stand-in').warn(`Could not start the local Wix stand-in on port ${port}: ${(error as Error).message}`)
      }
    })
  },
})
