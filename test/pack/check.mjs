// Checks the package the way a user gets it: packs the tarball, installs it into fresh Nuxt apps outside
// the repo (no @wix/sdk; pinia only as the peer dependency npm brings), builds each app, and renders a page
// against the stand-in Wix server. One app a row:
// - locked: the repo's Nuxt with the build toolchain pinned to the repo's lockfile; a failure fails the check.
// - lowest: the lowest Nuxt minor the module supports, resolved as the registry stood when the lockfile was
//   last written, on the machine's own Node; a failure fails the check.
// - newest: whatever the registry serves today; a failure is a warning, so an upstream release shows up the
//   day it happens without failing CI.
// Called by .ci/run after `npm run prepack`; exits 1 on any failure of a required row.
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const [major, minor] = process.versions.node.split('.').map(Number)
// The stand-in is TypeScript; Node strips its types natively from 22.18 on.
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`pack check: needs Node 22.18+ (found ${process.version}); run it with the repo's node_modules/.bin first in PATH.`)
  process.exit(1)
}
// The client id only: each app's stand-in comes from its installed `nuxt-wix-visitor/testing`, as users get it.
const { STAND_IN_CLIENT_ID } = await import(pathToFileURL(join(repo, 'src/testing/wix-stand-in.ts')).href)

const children = new Set()
let tmp, wix, interrupted
let serverOutput = ''
let passed = 0
let failed = 0

const started = Date.now()
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`
// Nothing new starts after an interrupt: its cleanup may already have run.
function notInterrupted() {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`)
}
let currentStep = ''
function step(title) {
  notInterrupted()
  currentStep = title
  console.log(`\n▶ ${title} (at ${elapsed()})`)
}

// Every child gets a process group of its own, so stopping it also stops what it started (npm runs scripts).
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise(resolve => child.once('exit', resolve))
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal)
    }
    catch { /* already gone */ }
  }
  kill('SIGTERM')
  const force = setTimeout(() => kill('SIGKILL'), 5000)
  return exited.finally(() => clearTimeout(force))
}

async function tail(file, lines = 40) {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** Runs a command to completion, its output in a log file whose tail is shown if it fails. */
function run(title, command, args, { cwd, env = process.env, log, timeout = 10 * 60_000 }) {
  notInterrupted()
  const fd = openSync(log, 'w')
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  children.add(child)
  const timer = setTimeout(() => stop(child), timeout)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', async (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      if (code === 0) return resolve()
      reject(new Error(`${title} failed (${signal ?? `exit ${code}`}); last lines of its log:\n${await tail(log)}`))
    })
  })
}

async function freePort() {
  const probe = createServer()
  await new Promise(resolve => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address()
  await new Promise(resolve => probe.close(resolve))
  return port
}

// Waits for the port to accept connections: a plain TCP connect, as an HTTP probe of a page would mint a
// visitor and spoil the token request count.
async function waitForPort(port, child, timeout = 30_000) {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app server exited (${child.signalCode ?? child.exitCode}):\n${serverOutput}`)
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  throw new Error(`the app server did not listen on port ${port} within ${timeout / 1000}s:\n${serverOutput}`)
}

function sessionCookieOf(response) {
  const cookie = response.headers.getSetCookie().find(value => value.startsWith('wixSession='))
  if (!cookie) return undefined
  const raw = cookie.slice('wixSession='.length).split(';')[0]
  try {
    return { raw, value: JSON.parse(decodeURIComponent(raw)) }
  }
  catch {
    return { raw, value: null }
  }
}

async function filesContaining(dir, text) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const hits = []
  for (const entry of entries.filter(entry => entry.isFile())) {
    const path = join(entry.parentPath, entry.name)
    if ((await readFile(path)).includes(text)) hits.push(path.slice(dir.length + 1))
  }
  return hits
}

const readJson = async path => JSON.parse(await readFile(path, 'utf8'))
const manifest = await readJson(join(repo, 'package.json'))
const lockfile = await readJson(join(repo, 'package-lock.json'))

/** Every version of `name` the repo's lockfile holds, at any depth. */
function lockedVersionsOf(name) {
  const suffix = `node_modules/${name}`
  return [...new Set(Object.entries(lockfile.packages)
    .filter(([path]) => path === suffix || path.endsWith(`/${suffix}`))
    .map(([, entry]) => entry.version))]
}

// The packages that decide whether a Nuxt build works. Only their names are written here: the versions
// come from the lockfile. A package locked at several versions cannot be pinned by one override.
const TOOLCHAIN = ['vite', 'rolldown', 'rollup', 'esbuild', '@vitejs/plugin-vue', '@vitejs/plugin-vue-jsx', 'vue', 'vue-router',
  'vue-bundle-renderer', 'unctx', 'unimport', 'unplugin', 'nitropack', 'h3', '@nuxt/vite-builder', '@nuxt/nitro-server']

function lockedToolchain() {
  const pins = {}
  const several = []
  for (const name of TOOLCHAIN) {
    const versions = lockedVersionsOf(name)
    if (versions.length === 1) pins[name] = versions[0]
    else if (versions.length > 1) several.push(`${name} (${versions.join(', ')})`)
  }
  return { pins, several }
}

/** When the lockfile was last committed: the lowest row resolves its packages as they stood then. */
function lockfileDate() {
  try {
    const date = execFileSync('git', ['log', '-1', '--format=%cI', '--', 'package-lock.json'], { cwd: repo, encoding: 'utf8' }).trim()
    return date || undefined
  }
  catch {
    return undefined
  }
}

/** `~4.1.0` for a peer range `^4.1.0`: the lowest minor the module declares, at its newest patch. */
function lowestNuxtRange() {
  const match = /^\^(\d+)\.(\d+)\./.exec(manifest.peerDependencies?.nuxt ?? '')
  if (!match) throw new Error(`package.json peerDependencies.nuxt should be a caret range, got ${manifest.peerDependencies?.nuxt}`)
  return `~${match[1]}.${match[2]}.0`
}

/** PATH without any node_modules/.bin (npm puts the repo's Node 22 there): the machine's own Node comes first. */
const machinePath = (process.env.PATH ?? '').split(delimiter).filter(dir => !dir.includes(`${sep}node_modules${sep}`)).join(delimiter)

const PAGE = `<script setup>
// The module's auto-imported composable, and its authenticated fetch called during SSR.
const { tokens, $fetch: wixFetch } = useWixVisitor()
const { data } = await useAsyncData('cart', () => wixFetch('/ecom/v1/carts/current'))
</script>

<template>
  <main>
    <p id="role">{{ tokens?.refreshToken.role ?? 'none' }}</p>
    <p id="items">{{ data?.cart.lineItems.length }}</p>
  </main>
</template>

<style scoped>
main { font-family: sans-serif; }
</style>
`

/** Installs, builds and serves one fresh app; every check lands in `row.checks`. */
async function checkRow(row, tarball) {
  const check = (name, ok, detail = '') => {
    row.checks.push({ name, ok })
    console.log(`  ${ok ? '✓' : '✗'} ${name}${ok || !detail ? '' : ` (${detail})`}`)
  }
  const dir = join(tmp, row.id)
  step(`[${row.id}] A fresh Nuxt app using the tarball: ${row.title}`)
  await mkdir(join(dir, 'app/pages'), { recursive: true })
  const dependencies = { 'nuxt': row.nuxt, ...row.nodeDependency && { node: manifest.devDependencies.node }, 'nuxt-wix-visitor': `file:${join(tmp, tarball)}` }
  const appManifest = { name: `pack-check-${row.id}`, private: true, type: 'module', dependencies, ...row.overrides && { overrides: row.overrides } }
  await writeFile(join(dir, 'package.json'), JSON.stringify(appManifest, null, 2))
  await writeFile(join(dir, 'nuxt.config.ts'), `export default defineNuxtConfig({
  modules: ['nuxt-wix-visitor'],
  wixVisitor: { clientId: ${JSON.stringify(STAND_IN_CLIENT_ID)} },
})
`)
  await writeFile(join(dir, 'app/pages/index.vue'), PAGE)
  console.log(`  ${dir}: ${Object.entries(dependencies).map(([name, range]) => `${name}@${range}`).join(', ')}`)
  if (row.overrides) console.log(`  overrides from package-lock.json: ${Object.entries(row.overrides).map(([name, version]) => `${name}@${version}`).join(', ')}`)
  if (row.before) console.log(`  resolved as the registry stood on ${row.before} (npm --before)`)

  // The caller's own NUXT_PUBLIC_WIX_VISITOR_* settings would change what is checked: the app gets none of them.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('NUXT_PUBLIC_WIX_VISITOR_'))
  const bin = join(dir, 'node_modules/.bin')
  const env = { ...Object.fromEntries(inherited), PATH: `${bin}${delimiter}${row.nodeDependency ? process.env.PATH : machinePath}`, NUXT_TELEMETRY_DISABLED: '1' }

  step(`[${row.id}] npm install, a minute or two`)
  const installArgs = ['install', '--no-audit', '--no-fund', ...row.before ? [`--before=${row.before}`] : []]
  await run('npm install', 'npm', installArgs, { cwd: dir, env, log: join(dir, 'install.log'), timeout: 15 * 60_000 })
  // The copy a package's user resolves: nested under it first, else hoisted.
  const installed = async (name, user = '') => {
    for (const base of [join(dir, 'node_modules', user, 'node_modules'), join(dir, 'node_modules')]) {
      const version = (await readJson(join(base, name, 'package.json')).catch(() => ({}))).version
      if (version) return version
    }
    return '?'
  }
  row.versions = { nuxt: await installed('nuxt'), vite: await installed('vite', '@nuxt/vite-builder') }
  row.versions.node = execFileSync(existsSync(join(bin, 'node')) ? join(bin, 'node') : 'node', ['--version'], { env, encoding: 'utf8' }).trim()
  console.log(`  installed nuxt ${row.versions.nuxt}, vite ${row.versions.vite}; Node ${row.versions.node}`)
  row.expect?.(row.versions, check)

  step(`[${row.id}] nuxt build`)
  await run('nuxt build', join(bin, 'nuxt'), ['build'], { cwd: dir, env, log: join(dir, 'build.log') })

  step(`[${row.id}] Serving the app against the stand-in Wix server of nuxt-wix-visitor/testing`)
  const installedModule = join(dir, 'node_modules/nuxt-wix-visitor')
  const testingEntry = (await readJson(join(installedModule, 'package.json'))).exports?.['./testing']?.import
  check('package.json exports ./testing', typeof testingEntry === 'string', `got ${testingEntry}`)
  const { startWixStandIn } = await import(pathToFileURL(join(installedModule, testingEntry)).href)
  wix = await startWixStandIn()
  const port = await freePort()
  notInterrupted()
  const server = spawn('node', ['.output/server/index.mjs'], {
    cwd: dir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(server)
  for (const stream of [server.stdout, server.stderr]) stream.on('data', chunk => (serverOutput += chunk))
  try {
    await waitForPort(port, server)
    console.log(`  app on http://127.0.0.1:${port}, stand-in on ${wix.url}`)

    step(`[${row.id}] A new visitor`)
    const first = await fetch(`http://127.0.0.1:${port}/`)
    const html = await first.text()
    const session = sessionCookieOf(first)
    const tokens = session?.value?.tokens
    check('GET / answers 200', first.status === 200, `got ${first.status}`)
    check('it sets a wixSession cookie', !!session?.value, session ? `unreadable: ${session.raw}` : 'none set')
    check('the cookie holds the stand-in client id', session?.value?.clientId === wix.clientId, `got ${session?.value?.clientId}`)
    check('the cookie holds a visitor refresh token', tokens?.refreshToken?.role === 'visitor', `got ${tokens?.refreshToken?.role}`)
    check('the page shows role visitor', /id="role"[^>]*>visitor</.test(html))
    check('the page shows 0 cart items, fetched during SSR', /id="items"[^>]*>0</.test(html))
    check('exactly one anonymous token request', wix.count('anonymous') === 1, `got ${wix.count('anonymous')}`)
    check('the cart request carried the visitor token', wix.state.apiRequests.length === 1 && wix.state.apiRequests[0].status === 200)
    check('no token value in the HTML', !!tokens && !html.includes(tokens.accessToken.value) && !html.includes(tokens.refreshToken.value))

    step(`[${row.id}] The same visitor again, with its cookie`)
    const tokenRequests = wix.state.tokenRequests.length
    const second = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: `wixSession=${session?.raw ?? ''}` } })
    const again = await second.text()
    check('GET / answers 200', second.status === 200, `got ${second.status}`)
    check('no token request', wix.state.tokenRequests.length === tokenRequests, `${wix.state.tokenRequests.length - tokenRequests} made`)
    check('no cookie set', !sessionCookieOf(second))
    check('the page shows role visitor', /id="role"[^>]*>visitor</.test(again))
  }
  finally {
    await stop(server)
    children.delete(server)
    await wix.close()
    wix = undefined
  }

  step(`[${row.id}] No @wix/sdk bridge in an app without @wix/sdk`)
  const declarations = await Promise.all(['.nuxt/imports.d.ts', '.nuxt/types/imports.d.ts'].map(file => readFile(join(dir, file), 'utf8').catch(() => '')))
  // The positive check first: an empty or missing declaration file would pass the negative one.
  check('the auto-import declarations name useWixVisitor', declarations.some(text => text.includes('useWixVisitor')))
  check('they do not name useWixClient', !declarations.some(text => text.includes('useWixClient')))
  const mentions = await filesContaining(join(dir, '.output'), '@wix/sdk')
  check('no file under .output mentions @wix/sdk', mentions.length === 0, mentions.slice(0, 5).join(', '))
  const standIn = await filesContaining(join(dir, '.output'), 'Wix stand-in')
  check('no file under .output holds the stand-in of nuxt-wix-visitor/testing', standIn.length === 0, standIn.slice(0, 5).join(', '))

  if (!row.edge) return
  step(`[${row.id}] The runtime on an edge preset (${row.edge})`)
  const nodeImports = await nodeBuiltinImports(join(dir, 'node_modules/nuxt-wix-visitor/dist/runtime'))
  check('the module\'s runtime files import no Node built-in', nodeImports.length === 0, nodeImports.slice(0, 5).join(', '))
  await run(`nuxt build (${row.edge})`, join(bin, 'nuxt'), ['build'], { cwd: dir, env: { ...env, NITRO_PRESET: row.edge }, log: join(dir, 'build-edge.log') })
  const workerFiles = (await readdir(join(dir, '.output/server'), { recursive: true })).filter(name => /\.m?js$/.test(name))
  const bundled = await filesContaining(join(dir, '.output/server'), 'nuxt-wix-visitor:')
  check(`the ${row.edge} build succeeds and bundles the module's runtime`, workerFiles.length > 0 && bundled.length > 0, `${bundled.length} of ${workerFiles.length} server files hold it`)
}

/** `file: specifier` for every import of a Node built-in (`node:*` or a bare built-in name) under `dir`. */
async function nodeBuiltinImports(dir) {
  const builtins = new Set(builtinModules)
  const hits = []
  for (const name of await readdir(dir, { recursive: true })) {
    if (!/\.(?:m?js|vue)$/.test(name)) continue
    const text = await readFile(join(dir, name), 'utf8')
    for (const [, specifier] of text.matchAll(/(?:from|import)[\s(]*['"]([^'"]+)['"]/g)) {
      if (specifier.startsWith('node:') || builtins.has(specifier)) hits.push(`${name}: ${specifier}`)
    }
  }
  return hits
}

function planRows() {
  const [lockedNuxt] = lockedVersionsOf('nuxt')
  const { pins, several } = lockedToolchain()
  if (several.length) console.log(`  locked at several versions, so not pinned: ${several.join(', ')}`)
  const before = lockfileDate()
  const lowest = lowestNuxtRange()
  const rows = [
    {
      id: 'locked',
      title: `Nuxt ${lockedNuxt} with the toolchain of package-lock.json`,
      nuxt: lockedNuxt,
      overrides: pins,
      nodeDependency: true,
      required: true,
      edge: 'cloudflare-module',
      expect: (versions, check) => check(`vite is the locked ${pins.vite}`, versions.vite === pins.vite, `got ${versions.vite}`),
    },
    {
      id: 'lowest',
      title: `the lowest supported Nuxt (${lowest}) on the machine's Node`,
      nuxt: lowest,
      before,
      nodeDependency: false,
      required: true,
      expect: (versions, check) => check(`nuxt is ${lowest}`, versions.nuxt.startsWith(lowest.slice(1, -1)), `got ${versions.nuxt}`),
    },
    { id: 'newest', title: 'Nuxt and its toolchain as published today (a failure is a warning)', nuxt: 'latest', nodeDependency: true, required: false },
  ]
  if (!before) console.log('  the lockfile has no commit date here (no git history): the lowest row resolves against today\'s registry')
  return rows.map(row => ({ ...row, checks: [], failure: undefined, versions: undefined }))
}

async function main() {
  step('npm pack')
  tmp = await mkdtemp(join(tmpdir(), 'nuxt-wix-visitor-pack-'))
  await run('npm pack', 'npm', ['pack', '--pack-destination', tmp], { cwd: repo, log: join(tmp, 'pack.log') })
  const tarball = (await readdir(tmp)).find(name => name.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack left no tarball in ${tmp}`)
  console.log(`  ${join(tmp, tarball)}`)

  const rows = planRows()
  for (const row of rows) {
    serverOutput = ''
    try {
      await checkRow(row, tarball)
    }
    catch (error) {
      if (interrupted) throw error
      row.failure = `${currentStep}: ${error.message}`
      console.error(`\n${row.required ? '✗' : '⚠'} ${row.failure}`)
    }
    // A failed row shows the server's side of it.
    if ((row.failure || row.checks.some(entry => !entry.ok)) && serverOutput) console.error(`\nApp server output:\n${serverOutput}`)
  }
  report(rows)
}

function report(rows) {
  const locked = rows[0].overrides ?? {}
  console.log('\n| row | Nuxt | Vite | Node | checks | result |\n|---|---|---|---|---|---|')
  for (const row of rows) {
    const bad = row.checks.filter(entry => !entry.ok).length
    const ok = !row.failure && bad === 0
    const result = ok ? 'pass' : row.required ? 'FAIL' : 'warning'
    const v = row.versions ?? {}
    console.log(`| ${row.id} | ${v.nuxt ?? '?'} | ${v.vite ?? '?'} | ${v.node ?? '?'} | ${row.checks.length - bad}/${row.checks.length} | ${result} |`)
    if (row.required) {
      passed += row.checks.length - bad
      failed += bad + (row.failure ? 1 : 0)
    }
  }
  for (const row of rows.filter(row => !row.required)) {
    const bad = row.checks.filter(entry => !entry.ok)
    if (!row.failure && bad.length === 0) continue
    // The step and its command's own error code (such as Rolldown's [EXTERNAL_MODULES_...]), not the whole log.
    const code = /\[[A-Z][A-Z_]{5,}\][^\n]*/.exec(row.failure ?? '')?.[0]
    const what = row.failure ? `${row.failure.split(';')[0]}${code ? `: ${code}` : ''}` : `failed checks: ${bad.map(entry => entry.name).join('; ')}`
    const versions = row.versions ? `nuxt ${row.versions.nuxt}, vite ${row.versions.vite}` : 'versions unknown (install failed)'
    console.log(`\n⚠ warning, not a failure: the ${row.id} row failed at ${what}`)
    console.log(`  with ${versions}; the repository is locked to nuxt ${lockedVersionsOf('nuxt')[0]}, vite ${locked.vite}`)
  }
}

// Once only, whether reached at the end or on an interrupt.
let cleaning
function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map(stop))
    await wix?.close()
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })()
  return cleaning
}

// An interrupt stops the children, which makes the current step fail, and the run ends as usual from there.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = signal
    console.error(`\npack check: interrupted by ${signal}, cleaning up`)
    cleanup()
  })
}

try {
  await main()
}
catch (error) {
  failed++
  // After an interrupt, the step it stopped fails too: that failure is not news.
  console.error(`\n✗ ${interrupted ? `interrupted by ${interrupted}` : error.message}`)
}
await cleanup()
console.log(`\nCleaned up; ${elapsed()} in all.`)
console.log(`pack: ${passed} passed, ${failed} failed`)
process.exit(failed || interrupted ? 1 : 0)
