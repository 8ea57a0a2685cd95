// The Wix stand-in (src/testing/wix-stand-in.ts, shipped as nuxt-wix-visitor/testing) in a process of its
// own, so the load generator in the runner does not slow its answers. The runner talks to it over IPC:
// counts of token requests, reset, visitors made directly, and a token latency. Exits with the runner.
import process from 'node:process'

// Node 22.18+ strips the types of the source file; a Node without that falls back to the built package.
const standIn = await import('../../src/testing/wix-stand-in.ts').catch(() => import('../../dist/testing.mjs'))
const wix = await standIn.startWixStandIn({ port: 0 })

const handlers = {
  counts: () => ({ anonymous: wix.count('anonymous'), refresh: wix.count('refresh_token'), all: wix.state.tokenRequests.length }),
  reset: () => {
    wix.reset()
    return {}
  },
  visitors: ({ count, lifetime }) => ({ visitors: Array.from({ length: count }, () => wix.createVisitor(lifetime)) }),
  delay: ({ ms }) => {
    wix.state.delay = ms
    return {}
  },
}

process.on('message', (message) => {
  const handler = message && handlers[message.op]
  if (!handler) return
  process.send({ id: message.id, ...handler(message) })
})
process.on('disconnect', () => {
  wix.close().finally(() => process.exit(0))
})
process.send({ ready: true, url: wix.url, clientId: wix.clientId })
