// Benchmark app `handrolled`: what Nuxt apps do without the module. A server middleware builds an
// @wix/sdk client per request from the `wixSession` cookie (server/middleware/wix-session.mjs); Pinia as
// in the other two apps. NUXT_WIX_API_BASE_URL points @wix/sdk at the stand-in (server/plugins).
import { STAND_IN_CLIENT_ID } from '../../../../src/testing/wix-stand-in'

export default {
  modules: ['@pinia/nuxt'],
  devtools: { enabled: false },
  runtimeConfig: {
    wixClientId: STAND_IN_CLIENT_ID,
    wixApiBaseUrl: 'https://www.wixapis.com',
  },
  compatibilityDate: '2026-11-01',
  telemetry: false,
}
