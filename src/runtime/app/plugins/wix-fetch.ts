// Provides `$wixFetch`: the authenticated fetch of this app instance's visitor session.
import { defineNuxtPlugin, useRuntimeConfig } from '#app'
import { useWixVisitorStore } from '../stores/wixVisitor'
import { createWixFetch } from '../../wix-fetch'

export default defineNuxtPlugin({
  name: 'wix-visitor:fetch',
  dependsOn: ['pinia'],
  setup() {
    const wixFetch = createWixFetch(useWixVisitorStore(), useRuntimeConfig().public.wixVisitor.apiBaseUrl)
    return { provide: { wixFetch } }
  },
})
