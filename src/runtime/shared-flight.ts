// One in-flight promise per key for the whole server process. A production server loads the runtime twice
// (the render bundle and the Nitro routes), so the map lives on globalThis under the module's own key.
const FLIGHTS = Symbol.for('nuxt-wix-visitor:flights')

/**
 * Runs `start` unless a call with the same key is still in flight, whose result is then shared (each
 * caller gets its own copy). The key is forgotten as soon as the flight settles: nothing outlives it.
 */
export function shareFlight<T>(key: string, start: () => Promise<T>): Promise<T> {
  const holder = globalThis as { [FLIGHTS]?: Map<string, Promise<unknown>> }
  const flights = (holder[FLIGHTS] ??= new Map())
  let flight = flights.get(key) as Promise<T> | undefined
  if (!flight) {
    flight = start().finally(() => flights.delete(key))
    flights.set(key, flight)
  }
  return flight.then(result => structuredClone(result))
}
