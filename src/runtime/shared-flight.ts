// One in-flight token request per key for the whole server process. A production server loads the runtime twice
// (the render bundle and the Nitro routes), so the map lives on globalThis under the module's own key.
import { copyTokens } from './tokens'
import type { Tokens } from './types'

const FLIGHTS = Symbol.for('nuxt-wix-visitor:flights')

/**
 * Runs `start` unless a call with the same key is still in flight, whose result is then shared (each
 * caller gets its own copy). The key is forgotten as soon as the flight settles: nothing outlives it.
 */
export function shareFlight(key: string, start: () => Promise<Tokens>): Promise<Tokens> {
  const holder = globalThis as { [FLIGHTS]?: Map<string, Promise<Tokens>> }
  const flights = (holder[FLIGHTS] ??= new Map())
  let flight = flights.get(key)
  if (!flight) {
    flight = start().finally(() => flights.delete(key))
    flights.set(key, flight)
  }
  return flight.then(copyTokens)
}
