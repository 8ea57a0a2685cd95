// Builds every e2e fixture once per test run; the e2e files only start servers on the builds.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildDirOf, fixtures } from './fixtures'
import type { FixtureName } from './fixtures'

const builder = fileURLToPath(new URL('./build-fixture.mjs', import.meta.url))

export default async function buildFixtures() {
  for (const name of Object.keys(fixtures) as FixtureName[]) {
    const buildDir = buildDirOf(name)
    // WIX_REUSE_BUILD=1 skips rebuilding while iterating on tests alone.
    if (process.env.WIX_REUSE_BUILD && existsSync(`${buildDir}/output/server/index.mjs`)) continue
    await rm(buildDir, { recursive: true, force: true })
    // A process of its own: the Nuxt build takes over the console, which the test reporter needs.
    console.log(`Building the ${name} fixture…`)
    execFileSync(process.execPath, [builder, fixtures[name], buildDir], { stdio: ['ignore', 'ignore', 'inherit'] })
  }
}
