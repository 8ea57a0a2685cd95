// The error a failed token request gives. Its own file: the browser loads it with the token requests,
// not with the start-up code that reads and validates stored tokens.
import type { WixVisitorErrorInfo } from './types'

/** A failed token request; `transient` failures (network, timeout, 408, 429, 5xx) are worth retrying. */
export class WixTokenError extends Error {
  readonly status: number | null
  readonly transient: boolean
  readonly requestId?: string
  /**
   * `true` when the answer names the client id as the problem (Wix's message about the app id, or OAuth's
   * `invalid_client`): likely a setup error, so a session without a mint to try keeps its visitor.
   */
  readonly invalidClient: boolean
  /** Milliseconds the endpoint asked to wait (its Retry-After), if it said. */
  readonly retryAfter?: number
  /** A short code for the kind of failure, such as `breaker_open`. */
  readonly reason?: string

  constructor(message: string, info: { status?: number | null, transient: boolean, requestId?: string, invalidClient?: boolean, retryAfter?: number, reason?: string }) {
    super(message)
    this.name = 'WixTokenError'
    this.status = info.status ?? null
    this.transient = info.transient
    this.requestId = info.requestId
    this.invalidClient = info.invalidClient ?? false
    this.retryAfter = info.retryAfter
    this.reason = info.reason
  }

  /** `true` when Wix refused the request for good (400, 401, 403): on a refresh, the visitor behind it is gone. */
  get rejected(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403
  }

  toInfo(): WixVisitorErrorInfo {
    return { message: this.message, status: this.status, transient: this.transient, ...this.reason && { reason: this.reason } }
  }
}
