// Two benchmark apps under the same load at the same time, for a returning visitor: the server CPU each
// spends per request, round by round. Both servers see the same moments of a busy machine, so their
// difference moves far less than figures taken one app after the other.
//
//   node test/bench/pair.mjs store module     (npm run bench:pair -- store module)
//
// Uses the builds `npm run bench` left in test/bench/apps/<app>/.output. Linux only (CPU time from /proc).
// Environment: PAIR_ROUNDS=8, PAIR_SECONDS=5, PAIR_CONNECTIONS=4 (per app).
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const [first, second] = process.argv.slice(2)
const apps = ['baseline', 'store', 'module', 'handrolled']
if (!apps.includes(first) || !apps.includes(second)) {
  console.error(`usage: node test/bench/pair.mjs <app> <app>, apps: ${apps.join(', ')}`)
  process.exit(2)
}
const number = (name, fallback) => Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback
const rounds = number('PAIR_ROUNDS', 8)
const seconds = number('PAIR_SECONDS', 5)
const connections = number('PAIR_CONNECTIONS', 4)
const serverOf = app => fileURLToPath(new URL(`apps/${app}/.output/server/index.mjs`, import.meta.url))
for (const app of [first, second]) {
  if (!existsSync(serverOf(app))) {
    console.error(`no build of ${app}: run npm run bench first`)
    process.exit(2)
  }
}

const { startWixStandIn } = await import('../../src/testing/wix-stand-in.ts')
const wix = await startWixStandIn({ port: 0 })
const tokens = wix.createVisitor(3600)
// Each app's own cookie format: the module's `{ clientId, tokens }`, the hand-written app's bare tokens.
const cookieOf = app => `wixSession=${encodeURIComponent(JSON.stringify(app === 'handrolled' ? tokens : { clientId: wix.clientId, tokens }))}`

const freePort = () => new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    server.close(() => resolve(port))
  })
})
const waitForPort = async (port) => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise(resolve => net.connect(port, '127.0.0.1').once('connect', function () {
      this.destroy()
      resolve(true)
    }).once('error', () => resolve(false)))
    if (open) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`no server on port ${port}`)
}

async function start(app) {
  const port = await freePort()
  const env = {
    ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port),
    NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL: wix.url, NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID: wix.clientId,
    NUXT_WIX_API_BASE_URL: wix.url, NUXT_WIX_CLIENT_ID: wix.clientId,
  }
  const child = spawn(process.execPath, [serverOf(app)], { env, stdio: 'ignore' })
  await waitForPort(port)
  return { app, port, child }
}

/** User + system CPU time of a process so far, in µs (clock ticks of 10 ms). */
function cpuTime(child) {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const load = (server, duration) => autocannon({ url: `http://127.0.0.1:${server.port}/`, connections, duration, headers: { cookie: cookieOf(server.app) } })

const servers = [await start(first), await start(second)]
try {
  await Promise.all(servers.map(server => load(server, 3)))
  const differences = []
  for (let round = 1; round <= rounds; round++) {
    const before = servers.map(server => cpuTime(server.child))
    const results = await Promise.all(servers.map(server => load(server, seconds)))
    const perRequest = servers.map((server, index) => (cpuTime(server.child) - before[index]) / results[index].requests.total)
    differences.push(perRequest[1] - perRequest[0])
    console.log(`round ${round}: ${first} ${perRequest[0].toFixed(0)} µs, ${second} ${perRequest[1].toFixed(0)} µs per request; ${second} − ${first} ${differences.at(-1) >= 0 ? '+' : ''}${differences.at(-1).toFixed(0)} µs`)
  }
  const sorted = [...differences].sort((a, b) => a - b)
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
  console.log(`${second} − ${first}: median ${median >= 0 ? '+' : ''}${median.toFixed(0)} µs per request over ${rounds} rounds of ${seconds} s (range ${sorted[0].toFixed(0)} to ${sorted.at(-1).toFixed(0)})`)
}
finally {
  for (const server of servers) server.child.kill()
  await wix.close()
}
