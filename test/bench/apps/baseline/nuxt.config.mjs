// Benchmark app `baseline`: Nuxt and Pinia, no Wix. What the module's costs are measured against.
export default {
  modules: ['@pinia/nuxt'],
  devtools: { enabled: false },
  compatibilityDate: '2026-11-01',
  telemetry: false,
}
