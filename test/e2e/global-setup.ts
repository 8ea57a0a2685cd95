// Builds every e2e fixture once per test run; the e2e files only start servers on the builds.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { buildNuxt, loadNuxt } from '@nuxt/kit'
import { buildDirOf, fixtures } from './fixtures'
import type { FixtureName } from './fixtures'

export default async function buildFixtures() {
  for (const name of Object.keys(fixtures) as FixtureName[]) {
    const buildDir = buildDirOf(name)
    // WIX_REUSE_BUILD=1 skips rebuilding while iterating on tests alone.
    if (process.env.WIX_REUSE_BUILD && existsSync(`${buildDir}/output/server/index.mjs`)) continue
    await rm(buildDir, { recursive: true, force: true })
    const nuxt = await loadNuxt({
      cwd: fixtures[name],
      dev: false,
      overrides: { buildDir, nitro: { output: { dir: `${buildDir}/output` } } },
    })
    await buildNuxt(nuxt)
    await nuxt.close()
  }
}
