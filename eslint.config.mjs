import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: { tooling: true, stylistic: true },
  dirs: { src: ['./playground', './test/fixtures/basic'] },
}).append({ ignores: ['dist', '**/.nuxt', '**/.output'] })
