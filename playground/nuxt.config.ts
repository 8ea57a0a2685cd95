import { fileURLToPath } from 'node:url'
import { STAND_IN_CLIENT_ID } from '../src/testing'

// Without a client id the playground talks to the project's local Wix stand-in (see modules/wix-stand-in.ts).
const useStandIn = !process.env.NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID
export const STAND_IN_PORT = Number(process.env.WIX_STAND_IN_PORT || 4010)

export default defineNuxtConfig({
  // An absolute path, so apps extending the playground (the test fixtures) find the module too.
  modules: [fileURLToPath(new URL('../src/module', import.meta.url))],
  devtools: { enabled: false },
  runtimeConfig: {
    public: { wixStandIn: useStandIn },
  },
  compatibilityDate: '2026-11-01',
  wixVisitor: useStandIn ? { clientId: STAND_IN_CLIENT_ID, apiBaseUrl: `http://127.0.0.1:${STAND_IN_PORT}` } : {},
})
