// At server start: the options the environment may still set are checked once (a clear warning), the
// environment variables of options fixed at build time are named as ignored, and the process's token
// breaker is made.
import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import { optionProblems, usableBreaker } from '../../options'
import { builtBreaker, configuredOptions, startEnv } from '../../configured-options'
import { processBreaker } from '../../breaker'

/** The environment variables read at run time; every other `NUXT_PUBLIC_WIX_VISITOR_*` is fixed in the build. */
const RUN_TIME = new Set(['NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID', 'NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL', 'NUXT_PUBLIC_WIX_VISITOR_SITE_URL'])
const BREAKER_ENV = { threshold: 'NUXT_WIX_VISITOR_BREAKER_THRESHOLD', cooldown: 'NUXT_WIX_VISITOR_BREAKER_COOLDOWN', maxCooldown: 'NUXT_WIX_VISITOR_BREAKER_MAX_COOLDOWN' } as const

export default defineNitroPlugin(() => {
  const warn = (problem: string) => console.warn(`[nuxt-wix-visitor] ${problem}`)
  for (const problem of optionProblems(configuredOptions(useRuntimeConfig().public))) warn(problem)
  const env = startEnv
  for (const name of Object.keys(env)) {
    if ((name.startsWith('NUXT_PUBLIC_WIX_VISITOR_') && !RUN_TIME.has(name)) || (name.startsWith('NUXT_WIX_VISITOR_') && !Object.values(BREAKER_ENV).includes(name as never))) {
      warn(`${name} is ignored: this option is fixed when the app is built; set it in nuxt.config and build again`)
    }
  }
  if (!builtBreaker) return
  const fromEnv = Object.fromEntries(Object.entries(BREAKER_ENV).flatMap(([option, name]) => env[name] === undefined ? [] : [[option, Number(env[name])]]))
  processBreaker(usableBreaker({ ...builtBreaker, ...fromEnv }, warn))
})
