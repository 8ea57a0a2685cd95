// At server start: options that arrived through the environment are checked once (a clear warning; where
// the cookie is written, defaults stand in for unusable values), and the process's token breaker is made.
import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import { cookieProblems, optionProblems } from '../../options'
import { processBreaker } from '../../breaker'
import type { WixVisitorBreakerOptions, WixVisitorRuntimeOptions } from '../../types'

export default defineNitroPlugin(() => {
  const config = useRuntimeConfig()
  const options = config.public.wixVisitor as WixVisitorRuntimeOptions
  const cookie = new Set(options.cookie ? cookieProblems(options.cookie) : [])
  for (const problem of optionProblems(options)) {
    console.warn(`[nuxt-wix-visitor] ${problem}${cookie.has(problem) ? '; its default is used instead' : ''}`)
  }
  const breaker = (config.wixVisitor as { breaker?: WixVisitorBreakerOptions | false } | undefined)?.breaker
  if (breaker) processBreaker(usableBreaker(breaker))
})

const BREAKER_DEFAULTS: WixVisitorBreakerOptions = { threshold: 3, cooldown: 5000, maxCooldown: 60_000 }

/** The breaker options with each value that is not a positive number replaced by its default, said in the log. */
function usableBreaker(breaker: WixVisitorBreakerOptions): WixVisitorBreakerOptions {
  const usable = { ...BREAKER_DEFAULTS }
  for (const name of Object.keys(BREAKER_DEFAULTS) as (keyof WixVisitorBreakerOptions)[]) {
    const value = breaker[name]
    if (typeof value === 'number' && value > 0) usable[name] = value
    else console.warn(`[nuxt-wix-visitor] wixVisitor.breaker.${name} must be a number > 0, got ${JSON.stringify(value)}; its default is used instead`)
  }
  return usable
}
