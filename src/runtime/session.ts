// One visitor's session: the SDK's generate / renew / get / set semantics, single flight, and the
// keep-the-visitor rule. Framework-free, so the app store and the Nitro utilities share it.
import { copyTokens, hasRefreshToken, isAccessTokenExpired, validateTokens, WixTokenError } from './tokens'
import type { TokenEndpoint } from './tokens'
import { shareFlight } from './shared-flight'
import type { Tokens, TokensInput, WixVisitorErrorInfo } from './types'

/** The token requests, loaded when a session first needs one (never for a visitor whose token is valid). */
let grantsModule: Promise<typeof import('./grants')> | undefined
const grants = () => (grantsModule ??= import('./grants').catch(() => {
  // A chunk that did not load (a dropped connection, a deploy that replaced it) is tried again next time.
  grantsModule = undefined
  throw new WixTokenError('nuxt-wix-visitor: the code for token requests could not be loaded', { transient: true })
}))

/** What changed: the tokens, the request state (`pending`, `error`), or a member session Wix ended. */
export type SessionChange = 'tokens' | 'request' | 'member-ended'

export interface VisitorSessionOptions extends TokenEndpoint {
  /** Mint a new visitor when there is nothing usable. */
  autoGenerate: boolean
  /** Seconds before expiry at which an access token already counts as expired. */
  renewBeforeExpiry: number
  /** The session read from storage, if any. */
  tokens: Tokens | null
  /** Writes every change of the session to storage; must not throw. A string it answers says what went wrong. */
  persist: (tokens: Tokens | null) => unknown
  /**
   * `false` makes a failed token request final for the session's lifetime: later callers get its error
   * at once. Server sessions live for one request, which should not wait on a failing endpoint twice.
   */
  retryFailures?: boolean
  /**
   * Runs a mint the session makes by itself so that it excludes other sessions sharing the same storage
   * (the browser's other tabs); may answer with a visitor one of them stored meanwhile instead. `mint`
   * sends the grant; `land` makes its visitor active and persisted (unless the session moved on
   * meanwhile), so what storage holds when `mintExclusively` lets go is what this session uses.
   */
  mintExclusively?: (mint: ExclusiveMint, replacing: Tokens | null) => Promise<Tokens>
}

/** A mint made under `mintExclusively`: the grant, and the move that makes its answer the session. */
export interface ExclusiveMint {
  request: () => Promise<Tokens>
  land: (tokens: Tokens) => void
}

export class VisitorSession {
  /** The active tokens. */
  tokens: Tokens | null
  /** The last token request's failure, cleared by the next success. */
  error: WixVisitorErrorInfo | null = null
  /** What storage held when the session started. */
  readonly initialTokens: Tokens | null
  private readonly flights = new Map<string, Promise<Tokens>>()
  private readonly failures = new Map<string, unknown>()
  /** Counts changes made by the app (set, clear, resume): an answer that arrives after one does not land. */
  private version = 0
  /** Counts every change: an answer to a request the session made by itself lands only if nothing changed. */
  private changes = 0
  private readonly listeners = new Set<(change: SessionChange) => void>()
  /** The refresh token of the last visitor this session minted. */
  private minted: string | null = null

  constructor(private readonly options: VisitorSessionOptions) {
    this.tokens = options.tokens
    this.initialTokens = options.tokens
  }

  /** `true` when `ensureTokens()` would make a token request: the access token is due, or there is none to mint. */
  get needsTokens(): boolean {
    const tokens = this.tokens
    return tokens ? isAccessTokenExpired(tokens, this.options.renewBeforeExpiry) : this.options.autoGenerate
  }

  /** `true` while a token request is in flight. */
  get pending(): boolean {
    return this.flights.size > 0
  }

  /** Calls `listener` after every change of the tokens, or of `pending` and `error`; returns the unsubscribe function. */
  subscribe(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private notify(change: SessionChange) {
    for (const listener of this.listeners) listener(change)
  }

  private commit(tokens: Tokens | null) {
    this.changes++
    this.tokens = tokens
    this.persist()
    this.notify('tokens')
  }

  /** Writes the tokens to storage; a write that failed becomes the session's error, never an exception. */
  private persist() {
    const problem = this.options.persist(this.tokens)
    if (typeof problem === 'string') this.report({ message: problem, status: null, transient: false, reason: 'storage' })
  }

  /** A change the app made: it wins over any request answer still out (see `flight`). */
  private replace(tokens: Tokens | null) {
    this.version++
    this.commit(tokens)
  }

  /** Writes the current tokens to storage again, e.g. where a stored copy is behind. */
  save(): void {
    this.persist()
  }

  /**
   * Runs one token request per key at a time: concurrent callers share the flight and its result.
   * `background` marks a request the session makes by itself to stay usable, rather than one the app asked for.
   */
  private flight(key: string, request: (land: (tokens: Tokens) => void) => Promise<Tokens>, background: boolean): Promise<Tokens> {
    let flight = this.flights.get(key)
    if (flight) return flight
    if (this.failures.has(key)) return Promise.reject(this.failures.get(key))
    const counter = () => background ? this.changes : this.version
    const startedAt = counter()
    let landed = false
    // Makes the answer active unless a change it gives way to came first; a request may land it early.
    const land = (tokens: Tokens) => {
      if (landed || counter() !== startedAt) return
      landed = true
      this.commit(tokens)
    }
    flight = request(land)
      .then((tokens) => {
        this.error = null
        land(tokens)
        return tokens
      }, (error: unknown) => {
        // By shape: the server's breaker belongs to the other copy of the runtime, with its own error class.
        this.error = typeof (error as WixTokenError)?.toInfo === 'function'
          ? (error as WixTokenError).toInfo()
          : { message: String((error as Error)?.message ?? error), status: null, transient: true }
        if (this.options.retryFailures === false) this.failures.set(key, error)
        throw error
      })
      .finally(() => {
        this.flights.delete(key)
        this.notify('request')
      })
    this.flights.set(key, flight)
    this.notify('request')
    return flight
  }

  /** The current tokens, as a copy. */
  getTokens(): Tokens | null {
    return this.tokens && copyTokens(this.tokens)
  }

  /** Makes tokens read from storage active without writing them back. */
  resume(tokens: Tokens | null): void {
    this.version++
    this.follow(tokens)
  }

  /**
   * Takes over tokens another session sharing the storage wrote (another tab), without writing them
   * back. Requests the session made by itself give way; ones the app asked for still land.
   */
  follow(tokens: Tokens | null): void {
    this.changes++
    this.tokens = tokens
    this.notify('tokens')
  }

  /** Makes `error` the session's error, e.g. a login's outcome read from the URL. */
  report(error: WixVisitorErrorInfo): void {
    this.error = error
    this.notify('request')
  }

  /** Validates `input`, makes it the active session and persists it. */
  setTokens(input: TokensInput): Tokens {
    const tokens = validateTokens(input, 'useWixVisitor().setTokens')
    this.replace(tokens)
    return tokens
  }

  /** Forgets the visitor, in memory and in storage. */
  clearTokens(): void {
    this.replace(null)
  }

  /** Mints a new anonymous visitor. */
  mint(background = false): Promise<Tokens> {
    const exclusive = background ? this.options.mintExclusively : undefined
    const replacing = this.tokens
    // An exclusive mint may end with another tab's visitor, or none: the app's own mints never share it.
    return this.flight(exclusive ? 'anonymous:exclusive' : 'anonymous', (land) => {
      const request = () => grants().then(({ requestVisitorTokens }) => requestVisitorTokens(this.options)).then((tokens) => {
        this.minted = tokens.refreshToken.value
        return tokens
      })
      if (!exclusive) return request()
      // The new visitor becomes active and stored before the exclusive section ends, so the other tabs find
      // it there, unless this session followed another tab meanwhile; then it is dropped, and nothing stored.
      return exclusive({ request, land }, replacing)
    }, background)
  }

  /** `true` when `tokens` hold the visitor this session minted last: new, with nothing of its own yet. */
  isOwnMint(tokens: Tokens | null): boolean {
    return !!tokens && tokens.refreshToken.value === this.minted
  }

  private renew(refresh: Tokens['refreshToken'], background: boolean): Promise<Tokens> {
    // Concurrent requests of one visitor (pages, server routes) share one renewal per process.
    const renewal = () => shareFlight(`refresh:${this.options.clientId}:${refresh.value}`, () => grants().then(({ requestRenewedTokens }) => requestRenewedTokens(this.options, refresh)))
    return this.flight(`refresh:${refresh.value}`, renewal, background)
  }

  /** Renews the access token of `refreshToken` (default: the current one). Never falls back to a new visitor. */
  renewToken(refreshToken?: string | TokensInput['refreshToken']): Promise<Tokens> {
    const label = 'useWixVisitor().renewToken'
    const current = this.tokens?.refreshToken
    let refresh: Tokens['refreshToken']
    if (refreshToken === undefined) {
      if (!current) return Promise.reject(new TypeError(`${label}: there is no refresh token to renew; call generateVisitorTokens() first`))
      refresh = current
    }
    else if (typeof refreshToken === 'string') {
      if (!refreshToken) return Promise.reject(new TypeError(`${label}: refreshToken must be a non-empty string`))
      refresh = { value: refreshToken, role: current?.value === refreshToken ? current.role : 'visitor' }
    }
    else {
      try {
        refresh = validateTokens({ accessToken: { value: '', expiresAt: 0 }, refreshToken }, label).refreshToken
      }
      catch (error) {
        return Promise.reject(error)
      }
    }
    return this.renew(refresh, false)
  }

  /**
   * The SDK's three cases: valid tokens are kept (no request); a refresh token with a missing or expired
   * access token is renewed; no refresh token, or one Wix rejects, gives a new visitor. No argument mints.
   * A transient failure rejects and leaves the session as it was.
   */
  async generateVisitorTokens(input?: TokensInput | null): Promise<Tokens> {
    if (!input || !hasRefreshToken(input)) return this.mint()
    const tokens = validateTokens(input, 'useWixVisitor().generateVisitorTokens')
    if (!isAccessTokenExpired(tokens, this.options.renewBeforeExpiry)) {
      this.replace(tokens)
      return tokens
    }
    return this.renewOrReplace(tokens.refreshToken, true, false)
  }

  private async renewOrReplace(refreshToken: Tokens['refreshToken'], mayMint: boolean, background: boolean): Promise<Tokens> {
    try {
      return await this.renew(refreshToken, background)
    }
    catch (error) {
      if (!(error instanceof WixTokenError) || !error.rejected) throw error
      // A refused client id refuses the mint as well, which keeps the visitor; without a mint it must say so.
      if (mayMint) {
        const visitor = await this.mint(background)
        if (refreshToken.role === 'member') this.endMember(error)
        return visitor
      }
      if (!error.invalidClient && this.tokens?.refreshToken.value === refreshToken.value) {
        this.clearTokens()
        if (refreshToken.role === 'member') this.endMember(error)
      }
      throw error
    }
  }

  /** Says that Wix ended the member's session, so no page goes on showing a member who is gone. */
  private endMember(cause: WixTokenError) {
    this.report({
      message: 'nuxt-wix-visitor: the member session ended (Wix refused its refresh token); the session is an anonymous visitor now',
      status: cause.status,
      transient: false,
      reason: 'member_ended',
    })
    this.notify('member-ended')
  }

  /**
   * Makes sure there is a usable session: keeps valid tokens, renews expiring ones, and mints when there is
   * nothing usable and `autoGenerate` is on. Resolves to `null` only when there is no session and minting is off.
   */
  async ensureTokens(): Promise<Tokens | null> {
    const tokens = this.tokens
    if (!this.needsTokens) return tokens
    const result = tokens
      ? await this.renewOrReplace(tokens.refreshToken, this.options.autoGenerate, true)
      : this.options.autoGenerate ? await this.mint(true) : null
    // The session changed while the request was out: answer for the session as it is now.
    return result === this.tokens ? result : this.ensureTokens()
  }

  /**
   * Answers a 401 to a request sent with `sentToken`: renews once (shared with concurrent callers) unless
   * the session has moved on since; a refresh token Wix rejects gives a new visitor when `autoGenerate` is on.
   */
  async recoverFromUnauthorized(sentToken: string): Promise<void> {
    const tokens = this.tokens
    if (!tokens || tokens.accessToken.value !== sentToken) return
    await this.renewOrReplace(tokens.refreshToken, this.options.autoGenerate, true)
  }

  /** A valid access token value, renewing or minting first where needed. */
  async getAccessToken(): Promise<string> {
    const tokens = await this.ensureTokens()
    if (!tokens) {
      throw new WixTokenError('nuxt-wix-visitor: there is no visitor session (autoGenerate is off, or the response is prerendered or cached); call generateVisitorTokens() first', { transient: false })
    }
    return tokens.accessToken.value
  }
}
