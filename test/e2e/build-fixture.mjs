// Builds one Nuxt fixture into the given build directory; run in a process of its own by global-setup.ts.
import { buildNuxt, loadNuxt } from '@nuxt/kit'

const [rootDir, buildDir] = process.argv.slice(2)
const nuxt = await loadNuxt({
  cwd: rootDir,
  dev: false,
  overrides: { buildDir, nitro: { output: { dir: `${buildDir}/output` } } },
})
await buildNuxt(nuxt)
await nuxt.close()
