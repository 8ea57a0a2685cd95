// A circuit breaker for the token endpoint. After `threshold` transient failures in a row it opens: token
// requests fail at once instead of waiting on a failing endpoint, until a cool-down has passed (the
// endpoint's Retry-After when it gave one, else exponential with jitter up to a cap). Then one probe at a
// time tests recovery, and a success closes it. It holds counts and times only, nothing of a visitor.
import { WixTokenError } from './token-error'

export interface BreakerOptions {
  /** Transient failures in a row that open the breaker. */
  threshold: number
  /** Milliseconds of the first cool-down; each reopening doubles it. */
  cooldown: number
  /** Milliseconds no cool-down exceeds, Retry-After included. */
  maxCooldown: number
}

export class TokenBreaker {
  private failures = 0
  private openings = 0
  private openUntil = 0
  private probing = false

  constructor(private readonly options: BreakerOptions, private readonly now = () => Date.now(), private readonly random = Math.random) {}

  /** `true` while token requests are refused without being sent. */
  get open(): boolean {
    return this.failures >= this.options.threshold && (this.now() < this.openUntil || this.probing)
  }

  /** Sends `request` unless the breaker is open, which refuses it at once with a transient error. */
  async run<T>(request: () => Promise<T>): Promise<T> {
    const tripped = this.failures >= this.options.threshold
    if (tripped && this.open) throw this.refusal()
    // Past the cool-down: this request is the one probe, the others wait for its outcome by being refused.
    if (tripped) this.probing = true
    try {
      const result = await request()
      this.failures = 0
      this.openings = 0
      return result
    }
    catch (error) {
      // Read by shape: the breaker may come from the other copy of the runtime, with a class of its own.
      const failure = error as Partial<WixTokenError> | undefined
      if (failure?.name === 'WixTokenError' && failure.transient) this.recordFailure(failure.retryAfter)
      // Any answer that is not transient (a rejected refresh token, say) shows the endpoint is up.
      else this.failures = 0
      throw error
    }
    finally {
      if (tripped) this.probing = false
    }
  }

  private recordFailure(retryAfter: number | undefined) {
    this.failures++
    if (this.failures < this.options.threshold) return
    this.openings++
    const backoff = this.options.cooldown * 2 ** (this.openings - 1)
    const wait = retryAfter ?? backoff * (0.5 + this.random() / 2)
    this.openUntil = this.now() + Math.min(wait, this.options.maxCooldown)
  }

  private refusal(): WixTokenError {
    const seconds = Math.max(1, Math.ceil((this.openUntil - this.now()) / 1000))
    return new WixTokenError(
      `nuxt-wix-visitor: the token endpoint failed ${this.failures} times in a row; token requests pause ${this.probing ? 'while one request tests it' : `for ${seconds} s`} (breaker open)`,
      { transient: true, reason: 'breaker_open' },
    )
  }
}

const BREAKER = Symbol.for('nuxt-wix-visitor:breaker')

/**
 * The server process's one breaker. The render bundle and the Nitro routes load the runtime separately,
 * so it lives on globalThis; the options of the first caller make it.
 */
export function processBreaker(options: BreakerOptions): TokenBreaker {
  const holder = globalThis as { [BREAKER]?: TokenBreaker }
  return (holder[BREAKER] ??= new TokenBreaker(options))
}

/** The process's breaker, if the server made one at start (see the server plugin). */
export function runningBreaker(): TokenBreaker | undefined {
  return (globalThis as { [BREAKER]?: TokenBreaker })[BREAKER]
}
