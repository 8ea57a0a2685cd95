import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  // `nuxt-wix-visitor/testing`: the Wix stand-in for users' tests; never imported by the runtime.
  entries: ['./src/testing'],
  externals: ['h3', 'pinia', 'vue'],
})
