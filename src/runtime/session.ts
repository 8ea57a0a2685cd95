// One visitor's session: its state, and the changes that need no token request (set, clear, resume,
// follow). The requests themselves (the SDK's generate / renew semantics, single flight, the
// keep-the-visitor rule) are in session-requests.ts, loaded when a session first needs one: a returning
// visitor's page view never does. Framework-free, so the app store and the Nitro utilities share it.
import { copyTokens, hasRefreshToken, isAccessTokenExpired, needsRequest, validateTokens } from './tokens'
import type { TokenEndpoint } from './tokens'
import type { Tokens, TokensInput, WixVisitorErrorInfo } from './types'

type Requests = typeof import('./session-requests')
let requestsModule: Promise<Requests> | undefined
let loadedRequests: Requests | undefined
/** The request code; a chunk that did not load (a dropped connection, a deploy that replaced it) is tried again next time. */
function loadRequests(): Promise<Requests> {
  return requestsModule ??= import('./session-requests').then(requests => loadedRequests = requests, (error: unknown) => {
    requestsModule = undefined
    throw error
  })
}

/**
 * The session as it was when a request was asked for: its change counters (see `VisitorSession.version`)
 * and its tokens. A request that waited for its code acts on this, as if it had been sent at once.
 */
export interface SessionAtCall {
  version: number
  changes: number
  tokens: Tokens | null
}

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
  // From here to the constructor: the session's own state, which session-requests.ts shares.
  /** Token requests in flight, by key. */
  readonly flights = new Map<string, Promise<Tokens>>()
  /** Failures kept where `retryFailures` is `false`, by key. */
  readonly failures = new Map<string, unknown>()
  /** Counts changes made by the app (set, clear, resume): an answer that arrives after one does not land. */
  version = 0
  /** Counts every change: an answer to a request the session made by itself lands only if nothing changed. */
  changes = 0
  /** The refresh token of the last visitor this session minted. */
  minted: string | null = null
  private readonly listeners = new Set<(change: SessionChange) => void>()
  /** Calls waiting for the request code to load: they count as pending. */
  private loading = 0

  /** @param options the endpoint, the rules and the storage of this session */
  constructor(readonly options: VisitorSessionOptions) {
    this.tokens = options.tokens
    this.initialTokens = options.tokens
  }

  /** `true` when `ensureTokens()` would make a token request: the access token is due, or there is none to mint. */
  get needsTokens(): boolean {
    return needsRequest(this.tokens, this.options)
  }

  /** `true` while a token request is in flight. */
  get pending(): boolean {
    return this.flights.size > 0 || this.loading > 0
  }

  /** Calls `listener` after every change of the tokens, or of `pending` and `error`; returns the unsubscribe function. */
  subscribe(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Tells the listeners of `change`. */
  notify(change: SessionChange): void {
    for (const listener of this.listeners) listener(change)
  }

  /** Makes `tokens` active and persists them. */
  commit(tokens: Tokens | null): void {
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

  /** A change the app made: it wins over any request answer still out. */
  replace(tokens: Tokens | null): void {
    this.version++
    this.commit(tokens)
  }

  /** Writes the current tokens to storage again, e.g. where a stored copy is behind. */
  save(): void {
    this.persist()
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

  /** `true` when `tokens` hold the visitor this session minted last: new, with nothing of its own yet. */
  isOwnMint(tokens: Tokens | null): boolean {
    return !!tokens && tokens.refreshToken.value === this.minted
  }

  /**
   * Runs `run` with the request code, loading it first if needed. The session is read at the call, so a
   * request that waited for the code acts on the same tokens and gives way to the same changes as one
   * sent at once; the call counts as pending meanwhile. A load that failed is the session's error, a
   * transient one.
   */
  private withRequests<T>(run: (requests: Requests, at: SessionAtCall) => Promise<T>): Promise<T> {
    const at = { version: this.version, changes: this.changes, tokens: this.tokens }
    if (loadedRequests) return run(loadedRequests, at)
    this.loading++
    this.notify('request')
    return loadRequests().then((requests) => {
      // The request starts (and counts as pending) before the wait ends.
      const result = run(requests, at)
      this.loading--
      this.notify('request')
      return result
    }, () => {
      this.loading--
      const failure = { message: 'nuxt-wix-visitor: the code for token requests could not be loaded', status: null, transient: true }
      this.report(failure)
      throw Object.assign(new Error(failure.message), { name: 'WixTokenError', ...failure, invalidClient: false, rejected: false, toInfo: () => failure })
    })
  }

  /** Mints a new anonymous visitor. */
  mint(background = false): Promise<Tokens> {
    return this.withRequests((requests, at) => requests.mint(this, background, at))
  }

  /** Renews the access token of `refreshToken` (default: the current one). Never falls back to a new visitor. */
  renewToken(refreshToken?: string | TokensInput['refreshToken']): Promise<Tokens> {
    return this.withRequests((requests, at) => requests.renewToken(this, refreshToken, at))
  }

  /**
   * The SDK's three cases: valid tokens are kept (no request); a refresh token with a missing or expired
   * access token is renewed; no refresh token, or one Wix rejects, gives a new visitor. No argument mints.
   * A transient failure rejects and leaves the session as it was.
   */
  async generateVisitorTokens(input?: TokensInput | null): Promise<Tokens> {
    // Valid tokens need no request: they are active before this returns, like setTokens().
    const tokens = input && hasRefreshToken(input) ? validateTokens(input, 'useWixVisitor().generateVisitorTokens') : null
    if (tokens && !isAccessTokenExpired(tokens, this.options.renewBeforeExpiry)) {
      this.replace(tokens)
      return tokens
    }
    return this.withRequests((requests, at) => requests.renewOrMint(this, tokens, at))
  }

  /**
   * Makes sure there is a usable session: keeps valid tokens, renews expiring ones, and mints when there is
   * nothing usable and `autoGenerate` is on. Resolves to `null` only when there is no session and minting is off.
   */
  async ensureTokens(): Promise<Tokens | null> {
    if (!this.needsTokens) return this.tokens
    return this.withRequests((requests, at) => requests.ensureTokens(this, at))
  }

  /**
   * Answers a 401 to a request sent with `sentToken`: renews once (shared with concurrent callers) unless
   * the session has moved on since; a refresh token Wix rejects gives a new visitor when `autoGenerate` is on.
   */
  async recoverFromUnauthorized(sentToken: string): Promise<void> {
    const tokens = this.tokens
    if (!tokens || tokens.accessToken.value !== sentToken) return
    return this.withRequests((requests, at) => requests.recoverFromUnauthorized(this, tokens, at))
  }

  /** A valid access token value, renewing or minting first where needed. */
  async getAccessToken(): Promise<string> {
    const tokens = this.tokens
    if (tokens && !this.needsTokens) return tokens.accessToken.value
    return this.withRequests((requests, at) => requests.getAccessToken(this, at))
  }
}
