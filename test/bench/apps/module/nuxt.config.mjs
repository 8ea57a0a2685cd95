// Benchmark app `module`: this module (which brings @pinia/nuxt itself), built from the sources. The
// stand-in's URL arrives at run time as NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL.
import { fileURLToPath } from 'node:url'
import { STAND_IN_CLIENT_ID } from '../../../../src/testing/wix-stand-in'

export default {
  modules: [fileURLToPath(new URL('../../../../src/module', import.meta.url))],
  devtools: { enabled: false },
  compatibilityDate: '2026-11-01',
  telemetry: false,
  wixVisitor: { clientId: STAND_IN_CLIENT_ID },
}
