// Checks the package the way a user gets it: packs the tarball, installs it into a fresh Nuxt app outside
// the repo (no @wix/sdk; pinia only as the peer dependency npm brings), builds that app, and renders a page
// against the stand-in Wix server. Called by .ci/run after `npm run prepack`; exits 1 on any failure.
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const [major, minor] = process.versions.node.split('.').map(Number)
// The stand-in is TypeScript; Node strips its types natively from 22.18 on.
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`pack check: needs Node 22.18+ (found ${process.version}); run it with the repo's node_modules/.bin first in PATH.`)
  process.exit(1)
}
const { startWixStandIn, STAND_IN_CLIENT_ID } = await import(pathToFileURL(join(repo, 'test/stand-in/wix-server.ts')).href)

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
function step(title) {
  notInterrupted()
  console.log(`\n▶ ${title} (at ${elapsed()})`)
}
function check(name, ok, detail = '') {
  if (ok) passed++
  else failed++
  console.log(`  ${ok ? '✓' : '✗'} ${name}${ok || !detail ? '' : ` (${detail})`}`)
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

async function main() {
  step('npm pack')
  tmp = await mkdtemp(join(tmpdir(), 'nuxt-wix-visitor-pack-'))
  await run('npm pack', 'npm', ['pack', '--pack-destination', tmp], { cwd: repo, log: join(tmp, 'pack.log') })
  const tarball = (await readdir(tmp)).find(name => name.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack left no tarball in ${tmp}`)
  console.log(`  ${join(tmp, tarball)}`)

  step('A fresh Nuxt app using the tarball')
  const app = join(tmp, 'app')
  const { devDependencies } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'))
  await mkdir(join(app, 'app/pages'), { recursive: true })
  // `node` as a dependency puts Node 22 first on the app's PATH, as in the repo's own scripts.
  const dependencies = { 'nuxt': devDependencies.nuxt, 'node': devDependencies.node, 'nuxt-wix-visitor': `file:${join(tmp, tarball)}` }
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-check-app', private: true, type: 'module', dependencies }, null, 2))
  await writeFile(join(app, 'nuxt.config.ts'), `export default defineNuxtConfig({
  modules: ['nuxt-wix-visitor'],
  wixVisitor: { clientId: ${JSON.stringify(STAND_IN_CLIENT_ID)} },
})
`)
  await writeFile(join(app, 'app/pages/index.vue'), PAGE)
  console.log(`  ${app}: ${Object.entries(dependencies).map(([name, range]) => `${name}@${range}`).join(', ')}`)

  step('npm install, a minute or two')
  await run('npm install', 'npm', ['install', '--no-audit', '--no-fund'], { cwd: app, log: join(tmp, 'install.log'), timeout: 15 * 60_000 })
  const bin = join(app, 'node_modules/.bin')
  // The caller's own NUXT_PUBLIC_WIX_VISITOR_* settings would change what is checked: the app gets none of them.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('NUXT_PUBLIC_WIX_VISITOR_'))
  const env = { ...Object.fromEntries(inherited), PATH: `${bin}${delimiter}${process.env.PATH}`, NUXT_TELEMETRY_DISABLED: '1' }
  const appNode = execFileSync(join(bin, 'node'), ['--version'], { env, encoding: 'utf8' }).trim()
  check(`the app runs on Node 22 (${appNode})`, appNode.startsWith('v22.'))

  step('nuxt build')
  await run('nuxt build', join(bin, 'nuxt'), ['build'], { cwd: app, env, log: join(tmp, 'build.log') })

  step('Serving the app against the stand-in Wix server')
  wix = await startWixStandIn()
  const port = await freePort()
  notInterrupted()
  const server = spawn(join(bin, 'node'), ['.output/server/index.mjs'], {
    cwd: app,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(server)
  for (const stream of [server.stdout, server.stderr]) stream.on('data', chunk => (serverOutput += chunk))
  await waitForPort(port, server)
  console.log(`  app on http://127.0.0.1:${port}, stand-in on ${wix.url}`)

  step('A new visitor')
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

  step('The same visitor again, with its cookie')
  const tokenRequests = wix.state.tokenRequests.length
  const second = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: `wixSession=${session?.raw ?? ''}` } })
  const again = await second.text()
  check('GET / answers 200', second.status === 200, `got ${second.status}`)
  check('no token request', wix.state.tokenRequests.length === tokenRequests, `${wix.state.tokenRequests.length - tokenRequests} made`)
  check('no cookie set', !sessionCookieOf(second))
  check('the page shows role visitor', /id="role"[^>]*>visitor</.test(again))

  step('No @wix/sdk bridge in an app without @wix/sdk')
  const declarations = await Promise.all(['.nuxt/imports.d.ts', '.nuxt/types/imports.d.ts'].map(file => readFile(join(app, file), 'utf8').catch(() => '')))
  // The positive check first: an empty or missing declaration file would pass the negative one.
  check('the auto-import declarations name useWixVisitor', declarations.some(text => text.includes('useWixVisitor')))
  check('they do not name useWixClient', !declarations.some(text => text.includes('useWixClient')))
  const mentions = await filesContaining(join(app, '.output'), '@wix/sdk')
  check('no file under .output mentions @wix/sdk', mentions.length === 0, mentions.slice(0, 5).join(', '))
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
if (failed && serverOutput) console.error(`\nApp server output:\n${serverOutput}`)
await cleanup()
console.log(`\nCleaned up; ${elapsed()} in all.`)
console.log(`pack: ${passed} passed, ${failed} failed`)
process.exit(failed || interrupted ? 1 : 0)
