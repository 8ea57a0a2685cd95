// What the VisitorSession tests share: a session's options against the stand-in, and an expired visitor.
import type { VisitorSessionOptions } from '../../src/runtime/session'
import type { Tokens } from '../../src/runtime/types'
import type { WixStandIn } from '../../src/testing'

/** Options of a session on `standIn` whose writes to storage land in `persisted`. */
export function sessionOptions(standIn: WixStandIn, persisted: (Tokens | null)[], overrides: Partial<VisitorSessionOptions> = {}): VisitorSessionOptions {
  return {
    clientId: standIn.clientId,
    apiBaseUrl: standIn.url,
    timeout: 2000,
    autoGenerate: true,
    renewBeforeExpiry: 60,
    tokens: null,
    persist: tokens => persisted.push(tokens),
    ...overrides,
  }
}

/** A visitor the stand-in knows, whose access token has expired. */
export function expiredVisitorOf(standIn: WixStandIn): Tokens {
  const visitor = standIn.createVisitor()
  return { accessToken: { ...visitor.accessToken, expiresAt: 0 }, refreshToken: visitor.refreshToken }
}
