import { addImports, addPlugin, addTemplate, addRouteMiddleware, addServerHandler, addServerImports, addServerPlugin, createResolver, defineNuxtModule, tryResolveModule, useLogger } from '@nuxt/kit'
import { join } from 'node:path'
import { defu } from 'defu'
import type { WixVisitorAuthOptions, WixVisitorBreakerOptions, WixVisitorCookieOptions, WixVisitorLocalStorageOptions, WixVisitorPublicConfig, WixVisitorRuntimeOptions } from './runtime/types'
import { AUTH_PREFIX_DEFAULT, BREAKER_DEFAULTS, COOKIE_DEFAULTS, optionProblems } from './runtime/options'
import { setupDevtools } from './devtools'

export type {
  AccessToken,
  RefreshToken,
  TokenRole,
  Tokens,
  TokensInput,
  WixVisitorAuthOptions,
  WixVisitorBreakerOptions,
  WixVisitorCookieOptions,
  WixVisitorErrorInfo,
  WixVisitorLocalStorageOptions,
  WixVisitorPublicConfig,
  WixVisitorRuntimeOptions,
} from './runtime/types'
export type { WixRedirectCallbacks, WixRedirectIntent, WixRedirectSession } from './runtime/redirect-session'

export interface ModuleOptions {
  /**
   * The client id of the Wix site's OAuth app (Headless settings). Also `NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID`.
   * @default ''
   */
  clientId: string
  /**
   * Base URL of the Wix APIs; tokens come from `${apiBaseUrl}/oauth2/token`. Also `NUXT_PUBLIC_WIX_VISITOR_API_BASE_URL`.
   * @default 'https://www.wixapis.com'
   */
  apiBaseUrl: string
  /**
   * Give a visitor with no usable session a new one without any call from the app.
   * @default true
   */
  autoGenerate: boolean
  /**
   * Seconds before its expiry at which an access token is renewed rather than used.
   * @default 60
   */
  renewBeforeExpiry: number
  /**
   * Milliseconds a token request may take before it fails (as a transient failure).
   * @default 10000
   */
  timeout: number
  /**
   * The session cookie, read during SSR; `false` keeps the session in the browser only.
   * @default { name: 'wixSession', maxAge: 2592000, path: '/', sameSite: 'lax', secure: !dev || sameSite === 'none' }
   */
  cookie: Partial<WixVisitorCookieOptions> | false
  /**
   * The localStorage copy of the session; `false` to keep none.
   * @default { key: `wixSession:<clientId>` }
   */
  localStorage: WixVisitorLocalStorageOptions | false
  /**
   * The member login and logout routes (`{prefix}/login`, `/callback`, `/logout`, `/logout-callback`);
   * `false` registers none. They need the session cookie. Also `NUXT_PUBLIC_WIX_VISITOR_AUTH_PREFIX`.
   * @default { prefix: '/_wix/auth' }
   */
  auth: Partial<WixVisitorAuthOptions> | false
  /**
   * The site's public origin, for the login's `redirectUri` and relative callback URLs of redirect
   * sessions; empty uses the request's own origin. Set it behind a proxy that changes the Host header.
   * Also `NUXT_PUBLIC_WIX_VISITOR_SITE_URL`.
   * @default ''
   */
  siteUrl: string
  /**
   * The server's circuit breaker for the token endpoint: after `threshold` transient failures in a row,
   * pages stop waiting for token requests for a cool-down. `false` turns it off. Server only; also
   * `NUXT_WIX_VISITOR_BREAKER_THRESHOLD`, `_COOLDOWN`, `_MAX_COOLDOWN`.
   * @default { threshold: 3, cooldown: 5000, maxCooldown: 60000 }
   */
  breaker: Partial<WixVisitorBreakerOptions> | false
}

declare module '@nuxt/schema' {
  // The options that may change after the build (the rest are fixed in the build).
  interface PublicRuntimeConfig {
    wixVisitorClientId: WixVisitorPublicConfig['wixVisitorClientId']
    wixVisitorApiBaseUrl: WixVisitorPublicConfig['wixVisitorApiBaseUrl']
  }
}

declare module '#app' {
  interface RuntimeNuxtHooks {
    /** Wix refused a member's refresh token: the session is an anonymous visitor now (or none). */
    'wix-visitor:member-ended': () => void | Promise<void>
  }
}

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-wix-visitor',
    configKey: 'wixVisitor',
    compatibility: { nuxt: '^4.1.0' },
  },
  moduleDependencies: {
    '@pinia/nuxt': {},
  },
  defaults: {
    clientId: '',
    apiBaseUrl: 'https://www.wixapis.com',
    autoGenerate: true,
    renewBeforeExpiry: 60,
    timeout: 10_000,
    cookie: { ...COOKIE_DEFAULTS },
    localStorage: {},
    auth: { prefix: AUTH_PREFIX_DEFAULT },
    siteUrl: '',
    breaker: { ...BREAKER_DEFAULTS },
  },
  async setup(options, nuxt) {
    const logger = useLogger('nuxt-wix-visitor')
    const { resolve } = createResolver(import.meta.url)

    const publicConfig = nuxt.options.runtimeConfig.public as { wixVisitor?: Partial<WixVisitorRuntimeOptions> } & Partial<WixVisitorPublicConfig>
    const cookie = options.cookie && {
      ...options.cookie,
      // Secure except in development; always with SameSite=None, which browsers accept only so.
      secure: options.cookie.secure ?? (!nuxt.options.dev || options.cookie.sameSite === 'none'),
    }
    const { breaker, ...publicOptions } = options
    const runtimeOptions = defu(publicConfig.wixVisitor, {
      ...publicOptions,
      cookie,
      auth: options.auth && { prefix: (options.auth.prefix ?? AUTH_PREFIX_DEFAULT).replace(/\/+$/, '') },
      apiBaseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
    }) as WixVisitorRuntimeOptions
    const problems = optionProblems(runtimeOptions)
    if (problems.length) throw new Error(`nuxt-wix-visitor: ${problems.join('; ')}`)
    // Nitro copies the runtime config and reads every key of it from the environment again on each
    // request: it holds only what differs between deployments and the browser needs. The rest is fixed
    // here, in a template both the app and the server import.
    // Two flat keys: a nested object would be one more key to read. `runtimeConfig.public.wixVisitor` set in
    // nuxt.config is merged above and removed.
    delete publicConfig.wixVisitor
    publicConfig.wixVisitorClientId = runtimeOptions.clientId
    publicConfig.wixVisitorApiBaseUrl = runtimeOptions.apiBaseUrl
    const serverBreaker = breaker && { ...BREAKER_DEFAULTS, ...breaker }
    const template = addTemplate({
      filename: 'nuxt-wix-visitor/options.mjs',
      write: true,
      getContents: () => [
        `export default ${JSON.stringify(runtimeOptions)}`,
        `export const breaker = ${JSON.stringify(serverBreaker)}`,
        '',
      ].join('\n'),
    })
    nuxt.options.alias['#wix-visitor/options'] = template.dst
    addServerPlugin(resolve('./runtime/server/plugins/start'))
    // Development only: a Nuxt DevTools tab with the session and the token requests made so far.
    setupDevtools(nuxt, resolve)

    if (!runtimeOptions.clientId && !process.env.NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID) {
      logger.warn('No client id: set `wixVisitor.clientId` in nuxt.config or NUXT_PUBLIC_WIX_VISITOR_CLIENT_ID at run time. Until then every visitor token request fails.')
    }

    // The runtime's code loaded on demand (token requests, the tabs' lock, login, redirect sessions) is
    // not prefetched by every page: a returning visitor's page view never needs it.
    const runtimeDir = resolve('./runtime')
    nuxt.hook('build:manifest', (manifest) => {
      const onDemand = (key: string) => join(nuxt.options.srcDir, key).startsWith(runtimeDir)
      for (const chunk of Object.values(manifest)) {
        if (chunk.dynamicImports) chunk.dynamicImports = chunk.dynamicImports.filter(key => !onDemand(key))
      }
    })

    addPlugin({ src: resolve('./runtime/app/plugins/visitor.server'), mode: 'server' })
    addPlugin({ src: resolve('./runtime/app/plugins/visitor.client'), mode: 'client' })
    addPlugin({ src: resolve('./runtime/app/plugins/wix-fetch') })
    addImports([
      { name: 'useWixVisitor', from: resolve('./runtime/app/composables/useWixVisitor') },
      { name: 'useWixVisitorStore', from: resolve('./runtime/app/stores/wixVisitor') },
    ])
    // The SDK bridge exists only where the app has @wix/sdk: without it, nothing of it is built.
    if (await tryResolveModule('@wix/sdk', [`${nuxt.options.rootDir}/`, ...nuxt.options.modulesDir])) {
      addImports({ name: 'useWixClient', from: resolve('./runtime/app/composables/useWixClient') })
    }
    addServerImports(['getWixVisitorTokens', 'wixVisitorFetch', 'createWixRedirectSession'].map(name => ({ name, from: resolve('./runtime/server/utils/wix-visitor') })))
    addRouteMiddleware({ name: 'wix-member', path: resolve('./runtime/app/middleware/wix-member') })

    if (runtimeOptions.auth && !runtimeOptions.cookie) {
      logger.warn('wixVisitor.auth needs the session cookie (wixVisitor.cookie is false): no login or logout routes are registered.')
    }
    else if (runtimeOptions.auth) {
      const { prefix } = runtimeOptions.auth
      const route = (name: string, file: string, method?: 'get') => addServerHandler({ route: `${prefix}/${name}`, method, handler: resolve(`./runtime/server/routes/${file}`) })
      route('login', 'login.get', 'get')
      route('callback', 'callback.get', 'get')
      route('logout', 'logout')
      route('logout-callback', 'logout-callback.get', 'get')
    }
  },
})
