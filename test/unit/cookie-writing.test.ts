// Writing the session cookie on the server, over a real h3 app: a session too large for a cookie and a
// cookie the options cannot describe become the session's error, never an exception in the request.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp, defineEventHandler, toNodeListener } from 'h3'
import { useRequestVisitorSession } from '../../src/runtime/server/visitor-session'
import type { WixVisitorRuntimeOptions } from '../../src/runtime/types'

const options: WixVisitorRuntimeOptions = {
  clientId: 'client', apiBaseUrl: 'http://127.0.0.1:1', autoGenerate: false, renewBeforeExpiry: 60, timeout: 1000,
  cookie: { name: 'wixSession', maxAge: 100, path: '/', sameSite: 'lax', secure: false }, localStorage: {}, auth: false, siteUrl: '',
}
const tokens = (size: number) => ({ accessToken: { value: 'a'.repeat(size), expiresAt: 4_000_000_000 }, refreshToken: { value: 'r', role: 'visitor' } })

let current: WixVisitorRuntimeOptions = options
const app = createApp().use(defineEventHandler((event) => {
  const session = useRequestVisitorSession(event, current)
  session.setTokens(tokens(Number(new URL(event.path, 'http://x').searchParams.get('size'))))
  return { error: session.error }
}))
const server = createServer(toNodeListener(app))
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
afterAll(() => new Promise(resolve => server.close(resolve)))

describe('the session cookie on the server', () => {
  it('is written when it fits', async () => {
    current = options
    const response = await fetch(`${base}/?size=3000`)
    expect(response.status).toBe(200)
    expect((await response.json()).error).toBeNull()
    expect(response.headers.getSetCookie()).toHaveLength(1)
  })

  it('is not written when the session is over 4096 bytes, and the error says why', async () => {
    current = options
    const response = await fetch(`${base}/?size=4100`)
    expect(response.status).toBe(200)
    const { error } = await response.json()
    expect(error).toMatchObject({ reason: 'storage', transient: false })
    expect(error.message).toMatch(/over the 4096 bytes a cookie may hold/)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('reports a cookie the options cannot describe as the session\'s error, instead of throwing', async () => {
    // The build refuses such options; this is the writer's own guard, should one get through.
    current = { ...options, cookie: { ...options.cookie as object, sameSite: 'sideways' } as never }
    const response = await fetch(`${base}/?size=10`)
    expect(response.status).toBe(200)
    const { error } = await response.json()
    expect(error).toMatchObject({ reason: 'storage', transient: false })
    expect(error.message).toMatch(/the session cookie could not be written/)
    expect(response.headers.getSetCookie()).toEqual([])
  })
})
