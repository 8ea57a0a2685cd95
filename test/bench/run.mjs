// The module's cost against a plain Nuxt app and against the hand-written @wix/sdk session most Nuxt apps
// use today, measured on production builds on 127.0.0.1. Writes bench/results.md and bench/results.json.
//
//   node test/bench/run.mjs            (npm run bench)
//
// Four apps under test/bench/apps/, the same small page each, built once per run (into their own .nuxt
// and .output, both ignored by git):
//   baseline    Nuxt + @pinia/nuxt, no Wix
//   module      this module (from src/), pointed at the stand-in
//   handrolled  @pinia/nuxt and a server middleware that builds an @wix/sdk client per request
//   store       baseline plus a minimal Pinia setup store holding the module store's state (no actions):
//               what such a store costs by itself. It makes no token requests, so it runs only where the
//               module is set against baseline: returning visitors (rounds and sweep) and client JS.
// The Wix stand-in (src/testing/wix-stand-in.ts) runs in a child process; every server runs with
// test/bench/probe.mjs preloaded, which reports CPU time and heap over IPC.
//
// Environment:
//   BENCH_ROUNDS=5            rounds per figure; the apps take turns within a round, each round in another order
//   BENCH_SECONDS=2           seconds per load run (more, shorter rounds pair the apps more closely on a busy machine)
//   BENCH_CONNECTIONS=10      connections of the main load runs
//   BENCH_SWEEP=1,10,50       connections of the returning-visitor module/store/baseline sweep
//   BENCH_WARMUP_SECONDS=6    seconds of mixed requests per app before anything is measured
//   BENCH_HEAP_VISITORS=10000 distinct visitors per heap batch (two batches per app)
//   BENCH_REUSE_BUILD=1       reuse the apps' last builds instead of building them again
//   BENCH_MICRO=1             also run the vitest micro-benchmarks (test/bench/*.bench.ts) at the end
//   BENCH_OUT=bench           where results.md and results.json go (relative to the repository)
//   BENCH_TIMEOUT_MINUTES=20  the run stops itself, and every process it started, after this long
//   BENCH_NOTE=...            replaces the sentence on machine load in bench/results.md
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync, readFileSync, readdirSync, realpathSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { join, relative, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import autocannon from 'autocannon'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const APPS = ['baseline', 'module', 'handrolled']
/** The minimal Pinia store app: measured only against baseline and module (returning visitors, client JS). */
const STORE_APP = 'store'
const ALL_APPS = [...APPS, STORE_APP]
/**
 * A second server of the module's own build, in the returning visitors' rounds: what it differs from the
 * module by is the measurement's own error, the smallest difference the figures can show.
 */
const TWIN_APP = 'module-twin'
/** The apps of each scenario's load runs; new and expired visitors make token requests, the store app none. */
const SCENARIO_APPS = { returning: [...ALL_APPS, TWIN_APP], new: APPS, expired: APPS }
const SCENARIOS = ['returning', 'new', 'expired']
const SCENARIO_TITLES = { returning: 'Returning visitor (valid cookie)', new: 'New visitor (no cookie)', expired: 'Expired access token (fresh expired cookie per request)' }

function intFromEnv(name, fallback) {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const config = {
  rounds: Math.round(intFromEnv('BENCH_ROUNDS', 5)),
  seconds: intFromEnv('BENCH_SECONDS', 2),
  connections: Math.round(intFromEnv('BENCH_CONNECTIONS', 10)),
  sweep: (process.env.BENCH_SWEEP || '1,10,50').split(',').map(Number).filter(value => value > 0),
  heapVisitors: Math.round(intFromEnv('BENCH_HEAP_VISITORS', 10_000)),
  reuseBuild: process.env.BENCH_REUSE_BUILD === '1',
  micro: process.env.BENCH_MICRO === '1',
  timeoutMinutes: intFromEnv('BENCH_TIMEOUT_MINUTES', 20),
  outDir: resolve(ROOT, process.env.BENCH_OUT || 'bench'),
}

const WARM_UP_SECONDS = intFromEnv('BENCH_WARMUP_SECONDS', 6)

const BUDGETS = {
  returningCpuAddedUs: 25,
  /** Or, if higher, what the minimal Pinia store costs by itself (store − baseline) plus this. */
  returningCpuOverStoreUs: 10,
  returningRatio: 0.95,
  wixRatio: 1.0,
  sameTokenRequests: 0.01,
  /** module − store: the module's initial client JS beyond a minimal Pinia store's. */
  clientJsAddedBytes: 2048,
  heapPerVisitorBytes: 16,
  concurrencyRefreshes: 50,
}

const started = Date.now()
const log = (...parts) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...parts)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (!sorted.length) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
/** The apps in another order each round: A B C, B C A, C A B, ... */
const rotate = (list, by) => list.map((_, index) => list[(index + by) % list.length])

// ---------------------------------------------------------------------------------------------------
// Processes: every child gets a process group of its own, and all of them are killed on the way out.

const children = new Set()

function startChild(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  }
  catch {
    // Already gone.
  }
}

const exited = child => child.exitCode !== null || child.signalCode !== null

async function stopChild(child) {
  if (exited(child)) return
  const gone = new Promise(resolve => child.once('exit', resolve))
  killGroup(child, 'SIGTERM')
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000)
  await gone
  clearTimeout(timer)
}

function killAll() {
  for (const child of children) killGroup(child, 'SIGKILL')
}

process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n[bench] ${signal}: stopping every process the run started`)
    killAll()
    process.exit(130)
  })
}
const watchdog = setTimeout(() => {
  console.error(`[bench] over ${config.timeoutMinutes} minutes: stopping`)
  killAll()
  process.exit(2)
}, config.timeoutMinutes * 60_000)
watchdog.unref()

/** Request/answer over a child's IPC channel, matched by id. */
function ipcClient(child, what) {
  let next = 0
  const pending = new Map()
  child.on('message', (message) => {
    const entry = message && pending.get(message.id)
    if (!entry) return
    pending.delete(message.id)
    clearTimeout(entry.timer)
    const answer = { ...message }
    delete answer.id
    entry.resolve(answer)
  })
  child.once('exit', () => {
    for (const entry of pending.values()) entry.reject(new Error(`${what} exited`))
    pending.clear()
  })
  return (message, timeout = 60_000) => new Promise((resolve, reject) => {
    const id = ++next
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new Error(`${what} did not answer ${JSON.stringify(message).slice(0, 80)}`))
    }, timeout)
    pending.set(id, { resolve, reject, timer })
    child.send({ ...message, id })
  })
}

/** Keeps the last lines a child printed, for error messages. */
function tail(stream, lines = 40) {
  const kept = []
  stream?.setEncoding('utf8')
  stream?.on('data', (chunk) => {
    kept.push(...chunk.split('\n').filter(Boolean))
    if (kept.length > lines) kept.splice(0, kept.length - lines)
  })
  return kept
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port, child, output, what) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${output.join('\n')}`)
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => socket.end(() => resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await sleep(100)
  }
  throw new Error(`${what} did not listen on ${port} within 60 s:\n${output.join('\n')}`)
}

// ---------------------------------------------------------------------------------------------------
// Builds, the stand-in and the servers.

const appDir = name => join(BENCH_DIR, 'apps', name === TWIN_APP ? 'module' : name)
const NUXI = realpathSync(join(ROOT, 'node_modules/.bin/nuxi'))
const logDir = mkdtempSync(join(os.tmpdir(), 'nuxt-wix-visitor-bench-'))

async function buildApp(name) {
  const dir = appDir(name)
  if (config.reuseBuild && existsSync(join(dir, '.output/server/index.mjs'))) {
    log(`${name}: reusing the last build`)
    return { reused: true, seconds: 0 }
  }
  rmSync(join(dir, '.output'), { recursive: true, force: true })
  rmSync(join(dir, '.nuxt'), { recursive: true, force: true })
  const logFile = join(logDir, `build-${name}.log`)
  const fd = openSync(logFile, 'w')
  const begin = Date.now()
  log(`${name}: nuxi build (log: ${logFile})`)
  const child = startChild(process.execPath, [NUXI, 'build', dir], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', NUXT_TELEMETRY_DISABLED: '1', CI: '1' },
    stdio: ['ignore', fd, fd],
  })
  const code = await new Promise(resolve => child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal)))
  closeSync(fd)
  if (code !== 0 || !existsSync(join(dir, '.output/server/index.mjs'))) {
    throw new Error(`building ${name} failed (${code}):\n${readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n')}`)
  }
  return { reused: false, seconds: (Date.now() - begin) / 1000 }
}

async function startStandIn() {
  const child = startChild(process.execPath, [join(BENCH_DIR, 'stand-in-process.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  const output = tail(child.stderr)
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stand-in did not start:\n${output.join('\n')}`)), 30_000)
    child.on('message', (message) => {
      if (message?.ready) {
        clearTimeout(timer)
        resolve(message)
      }
    })
    child.once('exit', code => reject(new Error(`the stand-in exited (${code}):\n${output.join('\n')}`)))
  })
  const call = ipcClient(child, 'the stand-in')
  return { child, url: ready.url, clientId: ready.clientId, call }
}

async function startServer(name, wix) {
  const port = await freePort()
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    NITRO_HOST: '127.0.0.1',
    PORT: String(port),
    NITRO_PORT: String(port),
    // module
    NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url,
    NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID: wix.clientId,
    // handrolled
    NUXT_WIX_API_BASE_URL: wix.url,
    NUXT_WIX_CLIENT_ID: wix.clientId,
  }
  const args = ['--expose-gc', '--import', pathToFileURL(join(BENCH_DIR, 'probe.mjs')).href, join(appDir(name), '.output/server/index.mjs')]
  const child = startChild(process.execPath, args, { cwd: appDir(name), env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const output = tail(child.stdout)
  const errors = tail(child.stderr)
  let errorLines = 0
  child.stderr.on('data', chunk => (errorLines += String(chunk).split('\n').filter(Boolean).length))
  await waitForPort(port, child, [...output, ...errors], `the ${name} server`)
  const call = ipcClient(child, `the ${name} server`)
  return { name, port, url: `http://127.0.0.1:${port}/`, child, call, errors, errorLines: () => errorLines }
}

// ---------------------------------------------------------------------------------------------------
// Cookies and requests.

let clientId = ''
/**
 * The `wixSession` cookie each app writes: the module `{ clientId, tokens }`, the hand-rolled app bare tokens;
 * baseline and store (which read no cookie) get the module's, so that every app receives the same bytes.
 */
const cookieFor = {
  baseline: tokens => `wixSession=${encodeURIComponent(JSON.stringify({ clientId, tokens }))}`,
  module: tokens => `wixSession=${encodeURIComponent(JSON.stringify({ clientId, tokens }))}`,
  handrolled: tokens => `wixSession=${encodeURIComponent(JSON.stringify(tokens))}`,
  store: tokens => `wixSession=${encodeURIComponent(JSON.stringify({ clientId, tokens }))}`,
  [TWIN_APP]: tokens => `wixSession=${encodeURIComponent(JSON.stringify({ clientId, tokens }))}`,
}

async function visitors(wix, count, lifetime) {
  const made = []
  for (let left = count; left > 0; left -= 5000) {
    const { visitors: batch } = await wix.call({ op: 'visitors', count: Math.min(5000, left), lifetime })
    made.push(...batch)
  }
  return made
}

/** A cookie source that hands out each pre-made cookie once, then wraps around (counted). */
function cookiePool(cookies) {
  let next = 0
  const pool = {
    wraps: 0,
    used: () => next,
    take() {
      if (next > 0 && next % cookies.length === 0) pool.wraps++
      return cookies[next++ % cookies.length]
    },
  }
  return pool
}

function get(port, cookie, agent) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent, headers: cookie ? { cookie } : {} }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', chunk => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }))
    })
    request.once('error', reject)
  })
}

function sessionFromSetCookie(headers) {
  const cookie = (headers['set-cookie'] ?? []).find(value => value.startsWith('wixSession='))
  if (!cookie) return null
  const value = JSON.parse(decodeURIComponent(cookie.slice('wixSession='.length).split(';')[0]))
  return value.tokens ?? value
}

const roleOf = body => /<p id="role">([^<]*)<\/p>/.exec(body)?.[1]?.trim() ?? null

/** One autocannon run. `cookies`: a fixed cookie, a pool, a function of the request index, or none. */
function load(server, { connections = config.connections, seconds, amount, cookie, nextCookie }) {
  const options = { url: server.url, connections, pipelining: 1, timeout: 20 }
  if (amount) options.amount = amount
  else options.duration = seconds
  if (cookie) options.headers = { cookie }
  if (nextCookie) {
    options.requests = [{
      setupRequest(request) {
        const value = nextCookie()
        const headers = { ...request.headers }
        if (value) headers.cookie = value
        else delete headers.cookie
        return { ...request, headers }
      },
    }]
  }
  return autocannon(options)
}

const cpuMicros = ({ cpu }) => cpu.user + cpu.system

/** A measured load run: throughput, latency, server CPU and token requests per completed request. */
async function measure(server, wix, run) {
  await sleep(150)
  await wix.call({ op: 'reset' })
  const before = await server.call({ bench: 'cpu' })
  const result = await load(server, run)
  // Requests cut off at the end still finish on the server: let their token requests land.
  await sleep(300)
  const after = await server.call({ bench: 'cpu' })
  const counts = await wix.call({ op: 'counts' })
  const completed = result.requests.total
  const sent = result.requests.sent
  return {
    reqPerSec: completed / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    completed,
    sent,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
    cpuUsPerReq: (cpuMicros(after) - cpuMicros(before)) / completed,
    anonymous: counts.anonymous,
    refresh: counts.refresh,
    anonymousPerReq: counts.anonymous / completed,
    refreshPerReq: counts.refresh / completed,
    anonymousPerSent: counts.anonymous / sent,
    refreshPerSent: counts.refresh / sent,
  }
}

// ---------------------------------------------------------------------------------------------------
// The measurements.

/** The page works as intended on each app before anything is measured. */
async function sanity(server, wix, name, returningTokens) {
  const wixApp = name === 'module' || name === 'handrolled'
  const storeApp = name === STORE_APP
  const checks = []
  const check = (ok, what) => checks.push({ ok: !!ok, what })
  const counted = async (cookie) => {
    await wix.call({ op: 'reset' })
    const response = await get(server.port, cookie)
    await sleep(50)
    return { response, counts: await wix.call({ op: 'counts' }) }
  }
  const fresh = await counted(null)
  check(fresh.response.status === 200, 'new visitor: 200')
  check(/A small page for the benchmark\./.test(fresh.response.body), 'new visitor: the line of text')
  if (wixApp) {
    check(roleOf(fresh.response.body) === 'visitor', 'new visitor: role visitor')
    check(fresh.counts.anonymous === 1 && fresh.counts.refresh === 0, 'new visitor: one anonymous grant')
    check(sessionFromSetCookie(fresh.response.headers)?.refreshToken?.role === 'visitor', 'new visitor: a session cookie')
    check(!fresh.response.body.includes(sessionFromSetCookie(fresh.response.headers)?.accessToken?.value ?? '\u0000'), 'new visitor: no token in the HTML')
  }
  if (storeApp) {
    check(roleOf(fresh.response.body) === 'none', 'new visitor: role none (the store holds no tokens)')
    check(fresh.counts.all === 0, 'new visitor: no token request')
    check(!sessionFromSetCookie(fresh.response.headers), 'new visitor: no Set-Cookie')
  }
  const returning = await counted(cookieFor[name](returningTokens))
  check(returning.response.status === 200, 'returning visitor: 200')
  if (wixApp) {
    check(roleOf(returning.response.body) === 'visitor', 'returning visitor: role visitor')
    check(returning.counts.all === 0, 'returning visitor: no token request')
    check(!sessionFromSetCookie(returning.response.headers), 'returning visitor: no Set-Cookie')
  }
  if (storeApp) {
    check(roleOf(returning.response.body) === 'none', 'returning visitor: role none')
    check(returning.counts.all === 0, 'returning visitor: no token request')
  }
  const [expiredTokens] = await visitors(wix, 1, -10)
  const expired = await counted(cookieFor[name](expiredTokens))
  check(expired.response.status === 200, 'expired visitor: 200')
  if (wixApp) {
    const renewed = sessionFromSetCookie(expired.response.headers)
    check(roleOf(expired.response.body) === 'visitor', 'expired visitor: role visitor')
    check(expired.counts.refresh === 1 && expired.counts.anonymous === 0, 'expired visitor: one refresh grant')
    check(renewed?.refreshToken?.value === expiredTokens.refreshToken.value && renewed?.accessToken?.value !== expiredTokens.accessToken.value, 'expired visitor: the same visitor, a new access token')
  }
  if (storeApp) {
    check(roleOf(expired.response.body) === 'none', 'expired visitor: role none')
    check(expired.counts.all === 0, 'expired visitor: no token request')
  }
  const failed = checks.filter(entry => !entry.ok)
  if (failed.length) throw new Error(`${name}: the page does not work as the benchmark expects: ${failed.map(entry => entry.what).join('; ')}`)
  return checks.map(entry => entry.what)
}

/** gzip -9 size of the `_nuxt/*.js` files the page's HTML loads (script src, modulepreload), and of all of them. */
async function clientJs(server, name, cookie) {
  const { body } = await get(server.port, cookie)
  const loaded = new Set()
  for (const [tag] of body.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const isScript = tag.startsWith('<script')
    if (!isScript && !/\brel="modulepreload"/.test(tag)) continue
    const path = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1]
    if (path?.startsWith('/_nuxt/') && path.endsWith('.js')) loaded.add(path)
  }
  const publicDir = join(appDir(name), '.output/public')
  const size = (file) => {
    const content = readFileSync(file)
    return { raw: content.length, gzip: gzipSync(content, { level: 9 }).length }
  }
  const sum = sizes => sizes.reduce((total, entry) => ({ raw: total.raw + entry.raw, gzip: total.gzip + entry.gzip }), { raw: 0, gzip: 0 })
  const initialFiles = [...loaded].map(path => ({ path, ...size(join(publicDir, path)) }))
  const all = readdirSync(join(publicDir, '_nuxt')).filter(file => file.endsWith('.js')).map(file => size(join(publicDir, '_nuxt', file)))
  return { initial: { files: initialFiles.length, ...sum(initialFiles), list: initialFiles }, total: { files: all.length, ...sum(all) }, htmlBytes: Buffer.byteLength(body) }
}

/** Heap after forced GC, before and after two batches of distinct visitors (half new, half expired). */
async function retainedHeap(server, wix, name) {
  const batch = config.heapVisitors
  const cookies = (await visitors(wix, batch + 100, -10)).map(cookieFor[name])
  const pool = cookiePool(cookies)
  let index = 0
  // Even requests: a new visitor (no cookie); odd ones: a fresh expired visitor's cookie.
  const nextCookie = () => (index++ % 2 ? pool.take() : null)
  await wix.call({ op: 'reset' })
  const heaps = [(await server.call({ bench: 'heap' })).heapUsed]
  const runs = []
  for (let round = 0; round < 2; round++) {
    const result = await load(server, { amount: batch, nextCookie })
    runs.push({ completed: result.requests.total, ok: result['2xx'], errors: result.errors, seconds: result.duration })
    await sleep(500)
    heaps.push((await server.call({ bench: 'heap' }, 120_000)).heapUsed)
  }
  const counts = await wix.call({ op: 'counts' })
  return {
    heaps,
    runs,
    counts,
    cookiesWrapped: pool.wraps,
    perVisitor: (heaps[2] - heaps[1]) / batch,
    firstBatchPerVisitor: (heaps[1] - heaps[0]) / batch,
  }
}

/**
 * 100 simultaneous requests of 50 expired visitors, two each, one connection each: `adjacent` sends each
 * visitor's two requests back to back (A A B B ...), `apart` all first requests, then all second ones
 * (A B ... A B ...). `delay`: how long the stand-in takes to answer a token request.
 */
async function concurrency(server, wix, name, { order, delay }) {
  const expired = await visitors(wix, 50, -10)
  const cookies = expired.map(cookieFor[name])
  const sequence = order === 'adjacent' ? expired.flatMap((_, index) => [index, index]) : [...expired.keys(), ...expired.keys()]
  await sleep(200)
  await wix.call({ op: 'reset' })
  await wix.call({ op: 'delay', ms: delay })
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
  const responses = await Promise.all(sequence.map(index => get(server.port, cookies[index], agent)))
  agent.destroy()
  await sleep(300)
  const counts = await wix.call({ op: 'counts' })
  await wix.call({ op: 'delay', ms: 0 })
  const renewed = responses.map(response => sessionFromSetCookie(response.headers))
  const tokensOf = index => new Set(sequence.flatMap((visitor, at) => (visitor === index ? [renewed[at]?.accessToken.value] : [])))
  return {
    order,
    tokenLatencyMs: delay,
    requests: responses.length,
    ok: responses.filter(response => response.status === 200).length,
    visitorKept: responses.filter((_, at) => renewed[at]?.refreshToken.value === expired[sequence[at]].refreshToken.value).length,
    refreshes: counts.refresh,
    anonymous: counts.anonymous,
    pairsOnOneToken: expired.filter((_, index) => tokensOf(index).size === 1 && !tokensOf(index).has(undefined)).length,
  }
}

/** The cases run, the first one being the budget's: all 100 requests in flight together with the renewals. */
const CONCURRENCY_CASES = [
  { order: 'adjacent', delay: 100 },
  { order: 'apart', delay: 100 },
  { order: 'adjacent', delay: 0 },
  { order: 'apart', delay: 0 },
]

function runMicroBenchmarks() {
  return new Promise((resolve) => {
    const vitest = realpathSync(join(ROOT, 'node_modules/.bin/vitest'))
    const child = startChild(process.execPath, [vitest, 'bench', '--run', '--config', 'test/bench/vitest.config.ts'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', chunk => (output += chunk))
    child.stderr.on('data', chunk => (output += chunk))
    child.once('exit', code => resolve({ code, output }))
  })
}

// ---------------------------------------------------------------------------------------------------
// Reporting.

const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const signed = (value, digits = 0) => (Number.isFinite(value) ? `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}` : 'n/a')
const verdict = ok => (ok === null ? 'info' : ok ? '**pass**' : '**over**')

/**
 * The figures of the `store` app and the budgets that count from them: the module's returning-visitor CPU
 * budget is the flat one or, if higher, what the minimal Pinia store costs by itself plus a margin; the
 * module's initial client JS is judged beyond the store app's.
 */
function storeComparison({ scenarios, sweep, js }) {
  const cpu = app => scenarios.returning.median[app].cpuUsPerReq
  const storeAddedUs = cpu(STORE_APP) - cpu('baseline')
  const fromStoreUs = storeAddedUs + BUDGETS.returningCpuOverStoreUs
  const storeBudget = Number.isFinite(fromStoreUs) && fromStoreUs > BUDGETS.returningCpuAddedUs
  const initial = app => js[app].initial.gzip
  return {
    returningCpu: {
      baselineUs: cpu('baseline'),
      storeUs: cpu(STORE_APP),
      moduleUs: cpu('module'),
      storeAddedUs,
      moduleAddedUs: cpu('module') - cpu('baseline'),
      moduleOverStoreUs: cpu('module') - cpu(STORE_APP),
      twinUs: cpu(TWIN_APP),
      /** The same build on two servers: the medians' difference, and the largest difference within a round. */
      twinOverModuleUs: cpu(TWIN_APP) - cpu('module'),
      twinLargestRoundUs: Math.max(...scenarios.returning.rounds.map(round => Math.abs(round[TWIN_APP].cpuUsPerReq - round.module.cpuUsPerReq))),
      budgetUs: storeBudget ? fromStoreUs : BUDGETS.returningCpuAddedUs,
      budgetBasis: storeBudget ? 'store' : 'flat',
    },
    clientJs: {
      baselineBytes: initial('baseline'),
      storeBytes: initial(STORE_APP),
      moduleBytes: initial('module'),
      storeAddedBytes: initial(STORE_APP) - initial('baseline'),
      moduleOverStoreBytes: initial('module') - initial(STORE_APP),
      moduleOverBaselineBytes: initial('module') - initial('baseline'),
      budgetBytes: BUDGETS.clientJsAddedBytes,
    },
    sweep: Object.fromEntries(Object.entries(sweep).map(([connections, entry]) => [connections, { storeReqPerSec: entry[STORE_APP].reqPerSec, storeRatio: entry.storeRatio }])),
  }
}

function buildTable(results) {
  const { scenarios, sweep, js, heap, concurrency: conc } = results
  const storeFigures = results.storeComparison
  const m = (scenario, app, key) => scenarios[scenario].median[app][key]
  const rows = []
  const row = (figure, values, ratio, budget, ok) => rows.push({ figure, values, ratio, budget, result: verdict(ok) })

  for (const scenario of SCENARIOS) {
    const title = { returning: 'Returning visitor', new: 'New visitor', expired: 'Expired access token' }[scenario]
    const wixRatio = m(scenario, 'module', 'reqPerSec') / m(scenario, 'handrolled', 'reqPerSec')
    const baseRatio = m(scenario, 'module', 'reqPerSec') / m(scenario, 'baseline', 'reqPerSec')
    if (scenario === 'returning') {
      row(`${title}: req/s (${config.connections} conn.)`, APPS.map(app => fixed(m(scenario, app, 'reqPerSec'))), `module/baseline ${fixed(baseRatio, 3)}`, `≥ ${BUDGETS.returningRatio}`, baseRatio >= BUDGETS.returningRatio)
    }
    else {
      row(`${title}: req/s (${config.connections} conn.)`, APPS.map(app => fixed(m(scenario, app, 'reqPerSec'))), `module/handrolled ${fixed(wixRatio, 3)}`, `≥ ${BUDGETS.wixRatio.toFixed(1)}`, wixRatio >= BUDGETS.wixRatio)
    }
    row(`${title}: latency p50 / p99 (ms)`, APPS.map(app => `${fixed(m(scenario, app, 'p50'), 1)} / ${fixed(m(scenario, app, 'p99'), 1)}`), '', '', null)
    const cpuAdded = m(scenario, 'module', 'cpuUsPerReq') - m(scenario, 'baseline', 'cpuUsPerReq')
    if (scenario === 'returning') {
      const { storeUs, storeAddedUs, budgetUs, budgetBasis } = storeFigures.returningCpu
      const budget = budgetBasis === 'store' ? fixed(budgetUs, 1) : String(budgetUs)
      const fromStore = `store − baseline ${signed(storeAddedUs, 1)} µs + ${BUDGETS.returningCpuOverStoreUs} µs`
      const why = budgetBasis === 'store'
        ? `${fromStore}: the minimal Pinia store's own cost plus ${BUDGETS.returningCpuOverStoreUs} µs, above the flat ${BUDGETS.returningCpuAddedUs} µs`
        : `the flat budget: ${fromStore} is not above it`
      row(`${title}: server CPU per request (µs)`, APPS.map(app => fixed(m(scenario, app, 'cpuUsPerReq'), 1)), `module − baseline ${signed(cpuAdded, 1)} µs`, `≤ +${budget} µs (${why})`, cpuAdded <= budgetUs)
      row(`${title}: server CPU per request, \`store\` app: a minimal Pinia store holding the visitor's state, no Wix (µs)`, [fixed(m(scenario, 'baseline', 'cpuUsPerReq'), 1), '–', '–'], `store ${fixed(storeUs, 1)} µs; store − baseline ${signed(storeAddedUs, 1)} µs`, `sets the module's budget: max(${BUDGETS.returningCpuAddedUs}, store − baseline + ${BUDGETS.returningCpuOverStoreUs}) = ${budget} µs`, null)
      const { twinUs, twinOverModuleUs, twinLargestRoundUs } = storeFigures.returningCpu
      row(`${title}: server CPU per request, \`${TWIN_APP}\`: a second server of the module's own build, in the same rounds (µs)`, ['–', fixed(twinUs, 1), '–'], `${TWIN_APP} − module ${signed(twinOverModuleUs, 1)} µs (medians); up to ${fixed(twinLargestRoundUs, 1)} µs apart within a round`, 'the measurement\'s own error: a difference between apps smaller than this is not resolved by this run', null)
    }
    else {
      const cpuRatio = m(scenario, 'module', 'cpuUsPerReq') / m(scenario, 'handrolled', 'cpuUsPerReq')
      row(`${title}: server CPU per request (µs)`, APPS.map(app => fixed(m(scenario, app, 'cpuUsPerReq'), 1)), `module/handrolled ${fixed(cpuRatio, 3)}`, '', null)
    }
    const grant = scenario === 'expired' ? 'refresh' : 'anonymous'
    const other = scenario === 'expired' ? 'anonymous' : 'refresh'
    const perRequest = app => `${fixed(m(scenario, app, 'anonymousPerReq'), 3)} + ${fixed(m(scenario, app, 'refreshPerReq'), 3)} (${fixed(m(scenario, app, 'anonymousPerSent'), 3)} + ${fixed(m(scenario, app, 'refreshPerSent'), 3)})`
    const difference = kind => m(scenario, 'module', `${kind}PerSent`) - m(scenario, 'handrolled', `${kind}PerSent`)
    const same = Math.abs(difference(grant)) <= BUDGETS.sameTokenRequests && Math.abs(difference(other)) <= BUDGETS.sameTokenRequests
    row(`${title}: token requests per completed request, anonymous + refresh (per sent request)`, APPS.map(perRequest), `module − handrolled ${signed(difference(grant), 3)} ${grant} per sent`, scenario === 'returning' ? '' : `same as handrolled (±${BUDGETS.sameTokenRequests})`, scenario === 'returning' ? null : same)
  }

  const { storeAddedBytes, moduleOverStoreBytes, moduleOverBaselineBytes } = storeFigures.clientJs
  const initialJs = APPS.map(app => `${js[app].initial.gzip} (${js[app].initial.files})`)
  row('Client JS, initial load (gzip -9 B, files)', initialJs, `module − store ${signed(moduleOverStoreBytes)} B`, `module − store ≤ +${BUDGETS.clientJsAddedBytes} B (the module's code beyond a minimal Pinia store's)`, moduleOverStoreBytes <= BUDGETS.clientJsAddedBytes)
  row('Client JS, initial load: module − baseline (gzip -9 B, files)', initialJs, `module − baseline ${signed(moduleOverBaselineBytes)} B`, '', null)
  row('Client JS, initial load, `store` app: the Pinia store code the page pulls in (gzip -9 B, files)', [initialJs[0], '–', '–'], `store ${js[STORE_APP].initial.gzip} (${js[STORE_APP].initial.files}); store − baseline ${signed(storeAddedBytes)} B`, '', null)
  row('Client JS, all `_nuxt/*.js` (gzip -9 B, files)', APPS.map(app => `${js[app].total.gzip} (${js[app].total.files})`), `module − baseline ${signed(js.module.total.gzip - js.baseline.total.gzip)} B`, '', null)

  const heapAdded = heap.module.perVisitor - heap.baseline.perVisitor
  row(`Retained heap per visitor (B, 2 × ${config.heapVisitors} visitors)`, APPS.map(app => fixed(heap[app].perVisitor, 1)), `module − baseline ${signed(heapAdded, 1)} B`, `within ±${BUDGETS.heapPerVisitorBytes} B`, Math.abs(heapAdded) <= BUDGETS.heapPerVisitorBytes)

  conc.module.forEach((entry, index) => {
    const handrolled = conc.handrolled[index]
    const figure = `Concurrency: refresh grants, 100 requests of 50 expired visitors (${entry.order === 'adjacent' ? 'A A B B …' : 'A B … A B …'}, token latency ${entry.tokenLatencyMs} ms)`
    row(figure, ['–', String(entry.refreshes), String(handrolled?.refreshes ?? 'n/a')], '', index === 0 ? `module = ${BUDGETS.concurrencyRefreshes}` : '', index === 0 ? entry.refreshes === BUDGETS.concurrencyRefreshes && entry.ok === 100 : null)
  })

  for (const connections of config.sweep) {
    const entry = sweep[connections]
    row(`Returning visitor at ${connections} conn.: req/s`, [fixed(entry.baseline.reqPerSec), fixed(entry.module.reqPerSec), '–'], `module/baseline ${fixed(entry.ratio, 3)}`, `≥ ${BUDGETS.returningRatio}`, entry.ratio >= BUDGETS.returningRatio)
  }

  const lines = [
    '| Figure | baseline | module | handrolled | ratio / difference | budget | result |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map(entry => `| ${entry.figure} | ${entry.values.join(' | ')} | ${entry.ratio} | ${entry.budget} | ${entry.result} |`),
  ]
  return { markdown: lines.join('\n'), rows }
}

function spreadTable(results) {
  const lines = [
    '| Run | baseline | module | handrolled |',
    '| --- | ---: | ---: | ---: |',
  ]
  const range = values => `${fixed(Math.min(...values))}–${fixed(Math.max(...values))}`
  for (const scenario of SCENARIOS) {
    const runs = results.scenarios[scenario].rounds
    lines.push(`| ${SCENARIO_TITLES[scenario]}: req/s per round | ${APPS.map(app => runs.map(round => fixed(round[app].reqPerSec)).join(', ')).join(' | ')} |`)
    lines.push(`| ${SCENARIO_TITLES[scenario]}: CPU µs per request per round | ${APPS.map(app => runs.map(round => fixed(round[app].cpuUsPerReq, 1)).join(', ')).join(' | ')} |`)
  }
  const paired = (scenario, label, value) => `| ${label} | ${results.scenarios[scenario].rounds.map(value).join(', ')} |`
  const pairedLines = [
    '',
    'The same figures paired within each round (the apps of one round ran within seconds of each other):',
    '',
    '| Paired per round | values |',
    '| --- | --- |',
    paired('returning', 'Returning: module/baseline req/s', round => fixed(round.module.reqPerSec / round.baseline.reqPerSec, 3)),
    paired('returning', 'Returning: module − baseline CPU µs per request', round => signed(round.module.cpuUsPerReq - round.baseline.cpuUsPerReq, 1)),
    paired('returning', 'Returning: store/baseline req/s', round => fixed(round[STORE_APP].reqPerSec / round.baseline.reqPerSec, 3)),
    paired('returning', 'Returning: store − baseline CPU µs per request', round => signed(round[STORE_APP].cpuUsPerReq - round.baseline.cpuUsPerReq, 1)),
    paired('returning', 'Returning: module − store CPU µs per request', round => signed(round.module.cpuUsPerReq - round[STORE_APP].cpuUsPerReq, 1)),
    paired('returning', `Returning: ${TWIN_APP} − module CPU µs per request (the same build)`, round => signed(round[TWIN_APP].cpuUsPerReq - round.module.cpuUsPerReq, 1)),
    paired('new', 'New visitor: module/handrolled req/s', round => fixed(round.module.reqPerSec / round.handrolled.reqPerSec, 3)),
    paired('expired', 'Expired: module/handrolled req/s', round => fixed(round.module.reqPerSec / round.handrolled.reqPerSec, 3)),
  ]
  for (const connections of config.sweep) {
    const entry = results.sweep[connections]
    pairedLines.push(`| Returning at ${connections} conn.: module/baseline req/s | ${entry.rounds.map(round => fixed(round.module.reqPerSec / round.baseline.reqPerSec, 3)).join(', ')} |`)
  }
  for (const connections of config.sweep) {
    const entry = results.sweep[connections]
    pairedLines.push(`| Returning at ${connections} conn.: store/baseline req/s | ${entry.rounds.map(round => fixed(round[STORE_APP].reqPerSec / round.baseline.reqPerSec, 3)).join(', ')} |`)
  }
  for (const connections of config.sweep) {
    const entry = results.sweep[connections]
    lines.push(`| Returning at ${connections} conn.: req/s per round | ${range(entry.rounds.map(round => round.baseline.reqPerSec))} | ${range(entry.rounds.map(round => round.module.reqPerSec))} | – |`)
  }
  return [...lines, ...pairedLines].join('\n')
}

function markdownReport(results, table) {
  const { machine } = results
  const heapLines = APPS.map(app => `| ${app} | ${results.heap[app].heaps.map(value => (value / 1024 / 1024).toFixed(2)).join(' → ')} MiB | ${fixed(results.heap[app].firstBatchPerVisitor, 1)} | ${fixed(results.heap[app].perVisitor, 1)} | ${results.heap[app].counts.anonymous} + ${results.heap[app].counts.refresh} |`)
  const concurrencyLines = ['module', 'handrolled'].flatMap(app => results.concurrency[app].map(entry => `| ${app} | ${entry.order === 'adjacent' ? 'A A B B …' : 'A B … A B …'} | ${entry.tokenLatencyMs} ms | ${entry.ok}/${entry.requests} | ${entry.refreshes} | ${entry.anonymous} | ${entry.pairsOnOneToken}/50 | ${entry.visitorKept}/100 |`))
  const failures = table.rows.filter(entry => entry.result === '**over**').map(entry => entry.figure)
  return `# nuxt-wix-visitor benchmark

Generated by \`node test/bench/run.mjs\` on ${machine.date}. ${failures.length ? `Over budget: ${failures.join('; ')}.` : 'Every budget passes.'}

## Machine and run

- CPU: ${machine.cpuModel} × ${machine.cpus} (os.cpus()); load average ${machine.loadBefore.map(value => value.toFixed(2)).join(' / ')} before the run, ${machine.loadAfter.map(value => value.toFixed(2)).join(' / ')} after
- Node ${machine.node}, ${machine.platform}; Nuxt ${machine.nuxt}, @wix/sdk ${machine.wixSdk}, autocannon ${machine.autocannon}
- ${config.rounds} rounds × ${config.seconds} s per load run, ${config.connections} connections; the apps take turns within each round, in a rotated order each round; figures are medians over the rounds
- All traffic on 127.0.0.1: load from this process (autocannon), the Wix stand-in in a child process, one production server per app (\`node .output/server/index.mjs\`, with \`test/bench/probe.mjs\` preloaded for CPU and heap readings over IPC; fetches to other hosts refused: ${[...ALL_APPS, TWIN_APP].map(app => `${app} ${results.refusedOutsideRequests[app]}`).join(', ')})
- Builds: ${ALL_APPS.map(app => `${app} ${results.builds[app].reused ? 'reused' : `${fixed(results.builds[app].seconds)} s`}`).join(', ')}; the whole run took ${fixed(results.durationSeconds)} s
- ${results.noiseNote}

## Results

${table.markdown}
${failures.length && results.blockers ? `\n## What blocks the budgets that are over\n\nFrom \`bench/blockers.md\`, written by hand from CPU profiles and bundle measurements of the same code (see its own date and commit).\n\n${results.blockers}\n` : ''}
How to read it:

- *Server CPU per request*: user + system CPU time of the server process (\`process.cpuUsage()\`) over a load run, divided by the requests completed.
- *\`${TWIN_APP}\`*: a second production server of the module's build, taking its turn in the returning visitors' rounds like the other apps. The code is the same, so its difference from \`module\` is the measurement's own error on this machine: a budget smaller than that difference cannot be judged by one run, only by a machine to itself or many more rounds.
- *The \`store\` app*: the baseline app plus a minimal Pinia setup store holding the same state as the module's store (\`tokens\`, a \`shallowRef\` in \`skipHydrate\`, null; \`pending\`; \`error\`), no actions, its page rendering \`tokens?.refreshToken.role ?? 'none'\` as the module's page does. It measures what a minimal Pinia store holding the visitor's state costs by itself. It makes no token requests, so it runs only with the returning visitor (in the same rounds and rotation as the other apps, and in the connection sweep) and for client JS.
- *Returning visitor, server CPU budget*: module − baseline ≤ max(${BUDGETS.returningCpuAddedUs} µs, (store − baseline) + ${BUDGETS.returningCpuOverStoreUs} µs): the flat ${BUDGETS.returningCpuAddedUs} µs, unless the minimal Pinia store alone costs more than that minus ${BUDGETS.returningCpuOverStoreUs} µs, in which case the budget is the store's cost plus ${BUDGETS.returningCpuOverStoreUs} µs; the row says which one applies. Medians over the rounds, as everywhere.
- *Token requests per request*: the stand-in's logged token requests during a load run (\`count('anonymous')\`, \`count('refresh_token')\`, read 300 ms after the run), divided by the requests completed; in brackets, divided by the requests sent. The up to ${config.connections} requests still in flight when a run stops are served (and make their token requests) but not counted as completed, so the first figure is above 1 by about connections / completed; the bracketed one is exact, and is the one compared.
- *Expired access token*: each request carries the cookie of another visitor made by the stand-in with an access token that expired 10 s before (\`createVisitor(-10)\`); a pool made before each run, one cookie per request.
- *Client JS, initial load*: the \`/_nuxt/*.js\` files the page's HTML loads (\`<script src>\` and \`<link rel="modulepreload">\`), each gzipped at level 9, summed. The module's added code is judged beyond the \`store\` app's: module − store ≤ 2 kB = ${BUDGETS.clientJsAddedBytes} B; store − baseline (the Pinia store code the page pulls in) and module − baseline are shown for information.
- *Retained heap per visitor*: \`process.memoryUsage().heapUsed\` after forced full GCs (\`--expose-gc\`), taken after each of two batches of ${config.heapVisitors} distinct visitors (every other request a new visitor, the others a fresh expired visitor); the figure is the growth over the second batch divided by ${config.heapVisitors}, so one-time warm-up does not count.
- *Concurrency*: 100 simultaneous requests of 50 expired visitors, two each, each on its own connection; each visitor's two requests back to back (A A B B …) or all first requests, then all second ones (A B … A B …). The budget row has the stand-in answer token requests after 100 ms, about a round trip to Wix, so that all requests are in flight while the renewals are; the stand-in's immediate answer on 127.0.0.1 (0 ms) can finish a renewal before the visitor's second request is read, and such a request renews again by design (docs/session.md, Concurrency and failures).

## Spread over the rounds

${spreadTable(results)}

## Retained heap

| App | heap after GC: start → batch 1 → batch 2 | first batch B/visitor | second batch B/visitor | token requests (anonymous + refresh) |
| --- | --- | ---: | ---: | --- |
${heapLines.join('\n')}

## Concurrency

| App | order | token latency | 200 responses | refresh grants | anonymous grants | visitors whose two responses carry one access token | responses keeping their visitor |
| --- | --- | --- | --- | ---: | ---: | --- | --- |
${concurrencyLines.join('\n')}

## Client JS (initial load)

${ALL_APPS.map(app => `- ${app}: ${results.js[app].initial.list.map(file => `\`${file.path.replace('/_nuxt/', '')}\` ${file.gzip} B`).join(', ')}; HTML ${results.js[app].htmlBytes} B`).join('\n')}
${results.micro ? `\n## Micro-benchmarks (vitest bench)\n\n\`\`\`\n${results.micro.output.trim().slice(-6000)}\n\`\`\`\n` : ''}
Raw numbers, per round: [results.json](results.json).
`
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const loadBefore = os.loadavg()
  log(`rounds ${config.rounds} × ${config.seconds} s, ${config.connections} connections, heap batches of ${config.heapVisitors}`)
  const builds = {}
  for (const app of ALL_APPS) builds[app] = await buildApp(app)

  const wix = await startStandIn()
  clientId = wix.clientId
  log(`stand-in on ${wix.url}`)
  const servers = {}
  for (const app of [...ALL_APPS, TWIN_APP]) {
    servers[app] = await startServer(app, wix)
    log(`${app} on ${servers[app].url}`)
  }

  const [returningTokens] = await visitors(wix, 1, 14_400)
  const sanityChecks = {}
  for (const app of ALL_APPS) sanityChecks[app] = await sanity(servers[app], wix, app, returningTokens)
  log('sanity checks pass on every app')

  const js = {}
  for (const app of ALL_APPS) js[app] = await clientJs(servers[app], app, cookieFor[app](returningTokens))

  // Warm-up, so that compiling the servers' hot code (which counts as their CPU time) is over before
  // anything is measured: every app, every kind of request.
  const warmUp = {}
  for (const app of [...ALL_APPS, TWIN_APP]) {
    const returningCookie = cookieFor[app](returningTokens)
    const pool = cookiePool((await visitors(wix, 4000, -10)).map(cookieFor[app]))
    let index = 0
    const nextCookie = () => [returningCookie, null, pool.take()][index++ % 3]
    const result = await load(servers[app], { seconds: WARM_UP_SECONDS, nextCookie })
    warmUp[app] = { completed: result.requests.total, cookiesWrapped: pool.wraps }
  }
  log(`warmed up: ${[...ALL_APPS, TWIN_APP].map(app => `${app} ${warmUp[app].completed} requests`).join(', ')}`)

  // Main load runs.
  const scenarios = {}
  const returningRate = {}
  for (const scenario of SCENARIOS) {
    const apps = SCENARIO_APPS[scenario]
    const rounds = []
    const cookieSource = async (app, seconds) => {
      if (scenario === 'returning') return { cookie: cookieFor[app](returningTokens) }
      if (scenario === 'new') return {}
      // A fresh expired visitor per request: enough for the app's returning-visitor rate, with a margin.
      const size = Math.ceil((returningRate[app] ?? 3000) * seconds * 1.3) + 500
      const pool = cookiePool((await visitors(wix, size, -10)).map(cookieFor[app]))
      return { nextCookie: () => pool.take(), pool }
    }
    for (let round = 0; round < config.rounds; round++) {
      const results = {}
      for (const app of rotate(apps, round)) {
        const source = await cookieSource(app, config.seconds)
        results[app] = await measure(servers[app], wix, { seconds: config.seconds, ...source })
        if (source.pool) results[app].cookiesWrapped = source.pool.wraps
      }
      rounds.push(results)
      log(`${scenario} round ${round + 1}: ${apps.map(app => `${app} ${fixed(results[app].reqPerSec)} req/s ${fixed(results[app].cpuUsPerReq, 1)} µs`).join(', ')}`)
    }
    const medians = Object.fromEntries(apps.map(app => [app, Object.fromEntries(Object.keys(rounds[0][app]).map(key => [key, median(rounds.map(round => round[app][key]))]))]))
    if (scenario === 'returning') for (const app of APPS) returningRate[app] = Math.max(...rounds.map(round => round[app].reqPerSec))
    scenarios[scenario] = { rounds, median: medians }
  }

  // Returning visitors, module (and the minimal store) against baseline, at several connection counts.
  const sweep = {}
  for (const connections of config.sweep) {
    const rounds = []
    if (connections === config.connections) {
      for (const round of scenarios.returning.rounds) rounds.push({ baseline: round.baseline, module: round.module, [STORE_APP]: round[STORE_APP] })
    }
    else {
      for (let round = 0; round < config.rounds; round++) {
        const results = {}
        for (const app of rotate(['baseline', 'module', STORE_APP], round)) {
          results[app] = await measure(servers[app], wix, { seconds: config.seconds, connections, cookie: cookieFor[app](returningTokens) })
        }
        rounds.push(results)
      }
    }
    const baseline = median(rounds.map(round => round.baseline.reqPerSec))
    const moduleRate = median(rounds.map(round => round.module.reqPerSec))
    const storeRate = median(rounds.map(round => round[STORE_APP].reqPerSec))
    sweep[connections] = { rounds, baseline: { reqPerSec: baseline }, module: { reqPerSec: moduleRate }, ratio: moduleRate / baseline, [STORE_APP]: { reqPerSec: storeRate }, storeRatio: storeRate / baseline }
    log(`returning at ${connections} connections: module/baseline ${fixed(sweep[connections].ratio, 3)}, store/baseline ${fixed(sweep[connections].storeRatio, 3)}`)
  }

  const concurrencyResults = { module: [], handrolled: [] }
  for (const entry of CONCURRENCY_CASES) {
    for (const app of ['module', 'handrolled']) concurrencyResults[app].push(await concurrency(servers[app], wix, app, entry))
  }
  log(`concurrency: refreshes module ${concurrencyResults.module.map(entry => entry.refreshes).join(' / ')}, handrolled ${concurrencyResults.handrolled.map(entry => entry.refreshes).join(' / ')}`)

  const heap = {}
  for (const app of APPS) {
    heap[app] = await retainedHeap(servers[app], wix, app)
    log(`heap ${app}: ${fixed(heap[app].perVisitor, 1)} B per visitor`)
  }

  const refusedOutsideRequests = {}
  const serverErrors = {}
  for (const app of [...ALL_APPS, TWIN_APP]) {
    refusedOutsideRequests[app] = (await servers[app].call({ bench: 'cpu' })).refused
    serverErrors[app] = { lines: servers[app].errorLines(), last: servers[app].errors.slice(-10) }
  }

  for (const app of [...ALL_APPS, TWIN_APP]) await stopChild(servers[app].child)
  await stopChild(wix.child)

  const micro = config.micro ? await runMicroBenchmarks() : null

  const read = pkg => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version
  const cpus = os.cpus()
  const loadAfter = os.loadavg()
  const results = {
    machine: {
      date: new Date().toISOString(),
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      nuxt: read('nuxt'),
      wixSdk: read('@wix/sdk'),
      autocannon: read('autocannon'),
      loadBefore,
      loadAfter,
    },
    config: { ...config, outDir: relative(ROOT, config.outDir) || '.' },
    budgets: BUDGETS,
    noiseNote: process.env.BENCH_NOTE || `The machine was not reserved for the run (load average ${loadBefore[0].toFixed(2)} on ${cpus.length} CPUs at the start): other processes competed for the CPU, so the figures are noisy.`,
    durationSeconds: (Date.now() - started) / 1000,
    builds,
    warmUp,
    sanity: sanityChecks,
    scenarios,
    sweep,
    js,
    heap,
    concurrency: concurrencyResults,
    refusedOutsideRequests,
    serverErrors,
    micro,
  }
  results.storeComparison = storeComparison(results)
  const table = buildTable(results)
  results.table = table.rows
  await mkdir(config.outDir, { recursive: true })
  // The hand-written analysis of what keeps a budget over, if there is one, goes into the report as it is.
  const blockersFile = join(ROOT, 'bench', 'blockers.md')
  results.blockers = existsSync(blockersFile) ? readFileSync(blockersFile, 'utf8').replace(/^# .*\n+/, '').trim() : null
  await writeFile(join(config.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(join(config.outDir, 'results.md'), markdownReport(results, table))
  console.log(`\n${table.markdown}\n`)
  log(`wrote ${relative(ROOT, join(config.outDir, 'results.md'))} and results.json`)
  rmSync(logDir, { recursive: true, force: true })
}

main().then(
  () => {
    killAll()
    process.exit(0)
  },
  (error) => {
    console.error('[bench] failed:', error?.stack ?? error)
    killAll()
    process.exit(1)
  },
)
