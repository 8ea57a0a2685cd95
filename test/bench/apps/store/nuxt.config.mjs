// Benchmark app `store`: the baseline app (Nuxt and Pinia, no Wix) plus a minimal Pinia setup store that
// holds the same state as the module's store, with no actions and no session behind it (the store is in
// app/pages/index.vue). It measures what a minimal Pinia store holding the visitor's state costs by
// itself: `store − baseline` is that cost, and the module's budgets count from it (test/bench/run.mjs).
export default {
  modules: ['@pinia/nuxt'],
  devtools: { enabled: false },
  compatibilityDate: '2026-11-01',
  telemetry: false,
}
