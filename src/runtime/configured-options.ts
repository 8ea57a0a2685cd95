// The options the runtime works with. Most are fixed when the app is built (`#wix-visitor/options`, written
// by the module): nothing of them is in the runtime config, which Nitro copies and re-reads from the
// environment on every request. Only what differs between deployments is read at run time: `clientId` and
// `apiBaseUrl` through two keys of the public runtime config (the browser needs them), and on the server `siteUrl`
// from the environment at start.
import builtOptions, { breaker as builtBreakerOptions } from '#wix-visitor/options'
import type { WixVisitorBreakerOptions, WixVisitorPublicConfig, WixVisitorRuntimeOptions } from './types'

const built = builtOptions as WixVisitorRuntimeOptions

/** The environment as the server starts (empty in the browser, and where a platform has no `process.env`). */
export const startEnv: Record<string, string | undefined> = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}

/** The server's `siteUrl`: `NUXT_PUBLIC_WIX_VISITOR_SITE_URL` when set at start, else the built one. */
const siteUrl = startEnv.NUXT_PUBLIC_WIX_VISITOR_SITE_URL ?? built.siteUrl

// Options, never a visitor's data: the same object while the runtime config says the same.
let last: { clientId: string, apiBaseUrl: string, options: WixVisitorRuntimeOptions } | undefined

/** The options, with the run-time values of `config` (`useRuntimeConfig().public`) in place. */
export function configuredOptions(config: Partial<WixVisitorPublicConfig> | undefined): WixVisitorRuntimeOptions {
  const clientId = config?.wixVisitorClientId ?? built.clientId
  const apiBaseUrl = config?.wixVisitorApiBaseUrl ?? built.apiBaseUrl
  if (!last || last.clientId !== clientId || last.apiBaseUrl !== apiBaseUrl) {
    last = { clientId, apiBaseUrl, options: { ...built, siteUrl, clientId, apiBaseUrl: apiBaseUrl.replace(/\/+$/, '') } }
  }
  return last.options
}

/** The server's breaker options as built; the server start applies `NUXT_WIX_VISITOR_BREAKER_*` over them. */
export const builtBreaker = builtBreakerOptions as WixVisitorBreakerOptions | false
