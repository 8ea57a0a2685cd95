import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: { tooling: true, stylistic: true },
  dirs: { src: ['./playground/app', './test/fixtures/basic/app'] },
}).append({ ignores: ['dist', '**/.nuxt', '**/.output'] })
