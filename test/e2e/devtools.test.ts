// The DevTools tab: registered by a real Nuxt under `nuxt dev` only, absent from production builds, and
// the token request log's inference from how the session changes.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createResolver, loadNuxt } from '@nuxt/kit'
import type { Nuxt, NuxtPage } from '@nuxt/schema'
import type { ModuleCustomTab } from '@nuxt/devtools-kit/types'
import { DEVTOOLS_ROUTE, setupDevtools } from '../../src/devtools'
import { entriesOfArrival, entryOfRequest, fingerprint, isLogEntry, LOG_CHANNEL, viewOf } from '../../src/runtime/devtools/request-log'
import type { Tokens } from '../../src/runtime/types'
import { buildDirOf, fixtures } from './fixtures'
import type { FixtureName } from './fixtures'

const { resolve } = createResolver(new URL('../../src/module.ts', import.meta.url).href)
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url))
const scratch: string[] = []
afterAll(() => Promise.all(scratch.map(dir => rm(dir, { recursive: true, force: true }))))

/**
 * A bare Nuxt app (in a scratch directory inside the project, so it finds `nuxt`) whose only module calls
 * setupDevtools, and what it registered: DevTools tabs, pages and plugins.
 */
async function registeredBy(overrides: { dev: boolean, pages?: boolean, baseURL?: string }) {
  await mkdir(cacheDir, { recursive: true })
  const rootDir = await mkdtemp(join(cacheDir, 'wix-visitor-devtools-'))
  scratch.push(rootDir)
  const nuxt: Nuxt = await loadNuxt({
    cwd: rootDir,
    dev: overrides.dev,
    overrides: {
      pages: overrides.pages ?? true,
      app: { baseURL: overrides.baseURL ?? '/' },
      devtools: { enabled: false },
      modules: [(_options: unknown, nuxt: Nuxt) => setupDevtools(nuxt, resolve)],
    },
  })
  try {
    const tabs: ModuleCustomTab[] = []
    await nuxt.callHook('devtools:customTabs', tabs)
    const pages: NuxtPage[] = []
    await nuxt.callHook('pages:extend', pages)
    const plugins = nuxt.options.plugins.map(plugin => typeof plugin === 'string' ? { src: plugin, mode: 'all' } : plugin)
    return {
      tabs: tabs.filter(tab => tab.name === 'wix-visitor'),
      pages: pages.filter(page => page.path.endsWith(DEVTOOLS_ROUTE)),
      plugins: plugins.filter(plugin => plugin.src.includes('/runtime/devtools/')),
    }
  }
  finally {
    await nuxt.close()
  }
}

describe('setupDevtools in a real Nuxt', () => {
  it('under nuxt dev, adds the tab, its page and the request log plugin', async () => {
    const { tabs, pages, plugins } = await registeredBy({ dev: true })
    expect(tabs).toEqual([{
      name: 'wix-visitor',
      title: 'Wix visitor',
      icon: 'carbon:user-identification',
      view: { type: 'iframe', src: DEVTOOLS_ROUTE },
    }])
    expect(pages).toHaveLength(1)
    expect(pages[0]!.path).toBe('/__wix-visitor-devtools')
    expect(existsSync(pages[0]!.file!)).toBe(true)
    expect(plugins).toHaveLength(1)
    expect(plugins[0]!.mode).toBe('client')
    expect(plugins[0]!.src).toMatch(/\/runtime\/devtools\/request-log\.client\.ts$/)
    expect(existsSync(plugins[0]!.src)).toBe(true)
  })

  it('points the tab at the page under app.baseURL', async () => {
    const { tabs } = await registeredBy({ dev: true, baseURL: '/shop/' })
    expect(tabs[0]!.view).toEqual({ type: 'iframe', src: '/shop/__wix-visitor-devtools' })
  })

  it('adds nothing to a production build', async () => {
    expect(await registeredBy({ dev: false })).toEqual({ tabs: [], pages: [], plugins: [] })
  })

  it('adds nothing to an app without pages, which has no route for the tab\'s page', async () => {
    expect(await registeredBy({ dev: true, pages: false })).toEqual({ tabs: [], pages: [], plugins: [] })
  })
})

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name))
}

describe('the production builds of the e2e fixtures', () => {
  // Built by global-setup.ts with the module as the fixtures use it.
  it.each(Object.keys(fixtures) as FixtureName[])('%s holds no trace of the DevTools tab', async (name) => {
    const output = `${buildDirOf(name)}/output`
    expect(existsSync(`${output}/server/index.mjs`), `no build at ${output}`).toBe(true)
    const mentions = { module: [] as string[], page: [] as string[], channel: [] as string[] }
    for (const file of await filesUnder(output)) {
      const text = await readFile(file, 'latin1')
      // The client plugin's name shows the search reads the app's own code.
      if (text.includes('wix-visitor:client')) mentions.module.push(file)
      if (text.includes(DEVTOOLS_ROUTE)) mentions.page.push(file)
      if (text.includes(LOG_CHANNEL)) mentions.channel.push(file)
    }
    expect(mentions.module).not.toEqual([])
    expect(mentions.page).toEqual([])
    expect(mentions.channel).toEqual([])
  })
})

describe('the request log', () => {
  const inAnHour = Math.floor(Date.now() / 1000) + 3600
  const tokens = (refresh: string, access: string, role: Tokens['refreshToken']['role'] = 'visitor', expiresAt = inAnHour): Tokens =>
    ({ accessToken: { value: access, expiresAt }, refreshToken: { value: refresh, role } })
  const visitor = tokens('refresh-one', 'access-one', 'visitor', inAnHour - 1800)
  const page = '/cart'

  it('tells tokens apart by short fingerprints and never shows a token value', () => {
    expect(fingerprint('refresh-one')).toMatch(/^[0-9a-f]{12}$/)
    expect(fingerprint('refresh-one')).toBe(fingerprint('refresh-one'))
    expect(new Set(['refresh-one', 'refresh-two', 'access-one', '', 'a', 'b']).size).toBe(new Set(['refresh-one', 'refresh-two', 'access-one', '', 'a', 'b'].map(fingerprint)).size)
    const entries = [
      entryOfRequest(null, viewOf(visitor), null, page),
      entryOfRequest(viewOf(visitor), viewOf(tokens('refresh-one', 'access-two')), null, page),
      entryOfRequest(viewOf(visitor), viewOf(tokens('refresh-member', 'access-three', 'member')), null, page),
    ]
    expect(JSON.stringify(entries)).not.toMatch(/refresh-|access-/)
  })

  it('reads a new visitor, a new member and a renewal from how the session changed', () => {
    expect(entryOfRequest(null, viewOf(visitor), null, page, 1)).toMatchObject({ at: 1, grant: 'anonymous', outcome: 'ok', page })
    expect(entryOfRequest(viewOf(visitor), viewOf(tokens('refresh-two', 'access-two')), null, page).grant).toBe('anonymous')
    expect(entryOfRequest(viewOf(visitor), viewOf(tokens('refresh-member', 'access-two', 'member')), null, page).grant).toBe('authorization_code')
    const renewal = entryOfRequest(viewOf(visitor), viewOf(tokens('refresh-one', 'access-two')), null, page)
    expect(renewal).toMatchObject({ grant: 'refresh_token', outcome: 'ok' })
    expect(renewal.detail).toContain(fingerprint('refresh-one'))
    // An answer the session did not take (it moved on meanwhile) is not passed off as a grant.
    expect(entryOfRequest(viewOf(visitor), viewOf(visitor), null, page).grant).toBe('unknown')
    expect(entryOfRequest(viewOf(visitor), null, null, page).grant).toBe('unknown')
  })

  it('takes a failure\'s grant from its message, and its message as the detail', () => {
    const failure = { message: 'nuxt-wix-visitor: the refresh_token grant failed with HTTP 400: invalid refresh token', status: 400, transient: false }
    expect(entryOfRequest(viewOf(visitor), viewOf(visitor), failure, page)).toMatchObject({ grant: 'refresh_token', outcome: 'failed', detail: failure.message })
    const refused = { message: 'nuxt-wix-visitor: the session was refused', status: 401, transient: false }
    expect(entryOfRequest(viewOf(visitor), viewOf(visitor), refused, page).detail).toBe(`${refused.message} (HTTP 401)`)
    const timeout = { message: 'nuxt-wix-visitor: the anonymous grant timed out', status: null, transient: true }
    expect(entryOfRequest(viewOf(visitor), viewOf(visitor), timeout, page)).toMatchObject({ grant: 'anonymous', outcome: 'failed', detail: `${timeout.message}, transient` })
    const noClientId = { message: 'nuxt-wix-visitor: no client id configured', status: null, transient: false }
    expect(entryOfRequest(null, null, noClientId, page).grant).toBe('anonymous')
    expect(entryOfRequest(viewOf(visitor), viewOf(visitor), noClientId, page).grant).toBe('unknown')
  })

  it('notices what happened between two pages of a tab: a server mint, a member login, a renewal elsewhere', () => {
    const context = { mintedOnServer: false, error: null, page }
    const now = viewOf(visitor)
    expect(entriesOfArrival(undefined, now, { ...context, mintedOnServer: true })).toMatchObject([{ grant: 'anonymous', outcome: 'ok' }])
    // The tab's first page: a stored session is no request.
    expect(entriesOfArrival(undefined, now, context)).toEqual([])
    expect(entriesOfArrival(now, now, context)).toEqual([])
    expect(entriesOfArrival(now, viewOf(tokens('refresh-member', 'access-two', 'member')), context)).toMatchObject([{ grant: 'authorization_code', outcome: 'ok' }])
    expect(entriesOfArrival(null, now, context)).toMatchObject([{ grant: 'anonymous', outcome: 'ok' }])
    expect(entriesOfArrival(now, viewOf(tokens('refresh-one', 'access-two')), context)).toMatchObject([{ grant: 'refresh_token', outcome: 'ok' }])
    const exchange = { message: 'nuxt-wix-visitor: Wix did not exchange the login code for member tokens', status: null, transient: false, reason: 'exchange' }
    expect(entriesOfArrival(now, now, { ...context, error: exchange })).toMatchObject([{ grant: 'authorization_code', outcome: 'failed' }])
  })

  it('accepts only entries of its own shape from the channel', () => {
    expect(isLogEntry(entryOfRequest(null, viewOf(visitor), null, page))).toBe(true)
    for (const value of [null, 'entry', { at: 1, grant: 'password', outcome: 'ok', detail: '', page }, { at: '1', grant: 'anonymous', outcome: 'ok', detail: '', page }]) {
      expect(isLogEntry(value)).toBe(false)
    }
  })
})
