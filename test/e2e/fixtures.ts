// Where the shared fixture builds live, and small helpers the e2e files share.
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { setup } from '@nuxt/test-utils/e2e'
import type { WixStandIn } from '../../src/testing'

export const fixtures = {
  basic: fileURLToPath(new URL('../fixtures/basic', import.meta.url)),
  spa: fileURLToPath(new URL('../fixtures/spa', import.meta.url)),
} as const

export type FixtureName = keyof typeof fixtures

export function buildDirOf(name: FixtureName) {
  return `${fixtures[name]}/.nuxt/test/shared`
}

/** Serves the fixture built by global-setup.ts, talking to `wix`. */
export async function serveFixture(name: FixtureName, wix: WixStandIn, env: Record<string, string> = {}) {
  await setup({
    rootDir: fixtures[name],
    build: false,
    buildDir: buildDirOf(name),
    nuxtConfig: { nitro: { output: { dir: `${buildDirOf(name)}/output` } } },
    env: { NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url, NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID: wix.clientId, ...env },
  })
}

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** The session cookie a response sets, decoded; `undefined` when it sets none. */
export function sessionCookieOf(response: Response, name = 'wixSession') {
  const cookie = response.headers.getSetCookie().find(value => value.startsWith(`${name}=`))
  if (!cookie) return undefined
  const raw = cookie.slice(name.length + 1).split(';')[0]!
  return { raw, attributes: cookie, value: raw ? JSON.parse(decodeURIComponent(raw)) : null }
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
