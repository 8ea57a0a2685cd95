import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  externals: ['h3', 'pinia', 'vue'],
})
