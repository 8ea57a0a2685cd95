// At server start: options that arrived through the environment are checked once (a clear warning; where
// the cookie is written, defaults stand in for unusable values), and the process's token breaker is made.
import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import { cookieProblems, optionProblems, usableBreaker } from '../../options'
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
  if (breaker) processBreaker(usableBreaker(breaker, problem => console.warn(`[nuxt-wix-visitor] ${problem}`)))
})
