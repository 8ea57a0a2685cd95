// Preloaded into every benchmark server (`node --expose-gc --import probe.mjs .output/server/index.mjs`).
// Over the IPC channel it answers the runner with the process's CPU time and with its heap after forced
// full GCs, and it refuses any fetch to a host other than 127.0.0.1 or localhost (counted), so a run
// can say it talked to nothing else. It exits when the runner goes away.
import process from 'node:process'

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
let refused = 0

const realFetch = globalThis.fetch
globalThis.fetch = function fetch(input, init) {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url
  let host
  try {
    host = new URL(href).hostname
  }
  catch {
    return realFetch(input, init)
  }
  if (LOCAL_HOSTS.has(host)) return realFetch(input, init)
  refused++
  return Promise.reject(new TypeError(`benchmark probe: refused a request to ${host}`))
}

const pause = ms => new Promise(resolve => setTimeout(resolve, ms))

async function heapAfterGc() {
  // Several rounds, with pauses for finalizers and closing sockets, until the heap settles.
  let used = Infinity
  for (let round = 0; round < 6; round++) {
    globalThis.gc()
    await pause(25)
    const now = process.memoryUsage().heapUsed
    if (round >= 2 && Math.abs(now - used) < 1024) return now
    used = now
  }
  return used
}

if (process.send) {
  process.on('message', async (message) => {
    if (!message || typeof message.bench !== 'string') return
    const { bench, id } = message
    if (bench === 'cpu') process.send({ id, cpu: process.cpuUsage(), refused })
    else if (bench === 'heap') process.send({ id, heapUsed: await heapAfterGc(), refused })
  })
  process.on('disconnect', () => process.exit(0))
}
