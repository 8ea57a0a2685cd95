// The token request log of the DevTools tab (development only). The log shows fingerprints and times,
// never a token value. Framework-free, so the inference can be tested on its own.
import type { TokenRole, Tokens, WixVisitorErrorInfo } from '../types'

/** The BroadcastChannel on which every frame and tab of the site announces its log entries. */
export const LOG_CHANNEL = 'nuxt-wix-visitor-devtools'
/** sessionStorage key of this tab's log, so the DevTools page lists what happened before it opened. */
export const LOG_STORAGE_KEY = 'nuxt-wix-visitor-devtools:log'
/** sessionStorage key of the session this tab saw last (fingerprints only), to see what changed between pages. */
export const SEEN_STORAGE_KEY = 'nuxt-wix-visitor-devtools:seen'
/** How many entries the tab keeps. */
export const LOG_LIMIT = 100

/** The OAuth grant a request used; `unknown` where the store's changes do not tell. */
export type LogGrant = 'anonymous' | 'authorization_code' | 'refresh_token' | 'unknown'

export interface RequestLogEntry {
  /** When the request finished (or the page noticed it), epoch milliseconds. */
  at: number
  grant: LogGrant
  outcome: 'ok' | 'failed'
  /** What happened, with fingerprints only. */
  detail: string
  /** The path of the page that saw the request. */
  page: string
}

/** A session as the log may show it: fingerprints instead of token values. */
export interface SessionView {
  refresh: string
  role: TokenRole
  access: string
  /** Epoch seconds. */
  expiresAt: number
}

/** A short label that tells tokens apart without revealing them (a 48-bit non-cryptographic hash, hex). */
export function fingerprint(value: string): string {
  let high = 0x243F6A88
  let low = 0x13198A2E
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index)
    high = Math.imul(high ^ unit, 0x5BD1E995)
    low = Math.imul((low + unit) | 0, 0x1B873593) ^ (high >>> 13)
  }
  high = Math.imul(high ^ (high >>> 15), 0x85EBCA77) ^ low
  low = Math.imul(low ^ (low >>> 16), 0xC2B2AE3D) ^ high
  return (high >>> 0).toString(16).padStart(8, '0') + ((low >>> 0) & 0xFFFF).toString(16).padStart(4, '0')
}

/** The fingerprints of `tokens`, or `null` for no session. */
export function viewOf(tokens: Tokens | null | undefined): SessionView | null {
  if (!tokens) return null
  return {
    refresh: fingerprint(tokens.refreshToken.value),
    role: tokens.refreshToken.role,
    access: fingerprint(tokens.accessToken.value),
    expiresAt: tokens.accessToken.expiresAt,
  }
}

function clock(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleTimeString()
}

const GRANTS: LogGrant[] = ['anonymous', 'authorization_code', 'refresh_token']

/** The grant a failure names: the module's token errors say "the <grant> grant …". */
export function grantNamedIn(message: string): LogGrant | null {
  const named = /\bthe (\w+) grant\b/.exec(message)?.[1]
  return GRANTS.find(grant => grant === named) ?? null
}

function failureDetail(error: WixVisitorErrorInfo): string {
  const status = error.status === null || error.message.includes(`HTTP ${error.status}`) ? '' : ` (HTTP ${error.status})`
  return `${error.message}${status}${error.transient ? ', transient' : ''}`
}

/**
 * Infers the log entry of one token request from the session before and after it: a new refresh token is
 * a new visitor (`anonymous`) or member (`authorization_code`); the same refresh token with a new access
 * token is a renewal (`refresh_token`); a failure names its grant in its message.
 */
export function entryOfRequest(before: SessionView | null, after: SessionView | null, error: WixVisitorErrorInfo | null, page: string, at = Date.now()): RequestLogEntry {
  if (error) {
    // Without tokens, the only request the session makes is a mint.
    const grant = grantNamedIn(error.message) ?? (before ? 'unknown' : 'anonymous')
    return { at, grant, outcome: 'failed', detail: failureDetail(error), page }
  }
  if (!after) return { at, grant: 'unknown', outcome: 'ok', detail: 'the answer was not applied: the session was cleared meanwhile', page }
  if (!before || after.refresh !== before.refresh) {
    const member = after.role === 'member'
    return {
      at,
      grant: member ? 'authorization_code' : 'anonymous',
      outcome: 'ok',
      detail: `new ${member ? 'member' : after.role} ${after.refresh}; access token until ${clock(after.expiresAt)}`,
      page,
    }
  }
  if (after.access !== before.access) {
    return { at, grant: 'refresh_token', outcome: 'ok', detail: `${after.role} ${after.refresh} renewed; access token until ${clock(after.expiresAt)}`, page }
  }
  return { at, grant: 'unknown', outcome: 'ok', detail: 'the answer was not applied: the session changed meanwhile', page }
}

/** What the page knows when it starts, besides the session itself. */
export interface ArrivalContext {
  /** The server minted this page's visitor while rendering it (the store's `mintedOnServer`). */
  mintedOnServer: boolean
  /** The session's error as the page starts (a login's outcome travels in it). */
  error: WixVisitorErrorInfo | null
  page: string
  at?: number
}

/**
 * The requests made outside the browser's store before this page started: by the server while rendering
 * it, or by the module's login and logout routes. `seen` is the session this tab saw last (`undefined`:
 * this is the tab's first page, so nothing can be compared).
 */
export function entriesOfArrival(seen: SessionView | null | undefined, now: SessionView | null, context: ArrivalContext): RequestLogEntry[] {
  const { page, at = Date.now() } = context
  const entries: RequestLogEntry[] = []
  if (context.error?.reason === 'exchange') {
    entries.push({ at, grant: 'authorization_code', outcome: 'failed', detail: `${context.error.message} (the server's code exchange)`, page })
  }
  if (context.mintedOnServer) {
    entries.push({ at, grant: 'anonymous', outcome: 'ok', detail: 'new visitor, minted by the server while rendering this page', page })
    return entries
  }
  if (seen === undefined || !now) return entries
  if (!seen || now.refresh !== seen.refresh) {
    if (now.role === 'member') {
      entries.push({ at, grant: 'authorization_code', outcome: 'ok', detail: `member ${now.refresh} logged in: the server exchanged the login code`, page })
    }
    else {
      entries.push({ at, grant: 'anonymous', outcome: 'ok', detail: `new ${now.role} ${now.refresh}, minted outside this page (by the server after a logout, or by another tab)`, page })
    }
  }
  else if (now.access !== seen.access && now.expiresAt > seen.expiresAt) {
    entries.push({ at, grant: 'refresh_token', outcome: 'ok', detail: `${now.role} ${now.refresh} renewed outside this page (by the server while rendering it, or by another tab); access token until ${clock(now.expiresAt)}`, page })
  }
  return entries
}

/** Whether `value` has the shape of a log entry (what arrives on the channel is checked before it is shown). */
export function isLogEntry(value: unknown): value is RequestLogEntry {
  const entry = value as RequestLogEntry | null
  return typeof entry === 'object' && entry !== null && typeof entry.at === 'number'
    && [...GRANTS, 'unknown'].includes(entry.grant) && (entry.outcome === 'ok' || entry.outcome === 'failed')
    && typeof entry.detail === 'string' && typeof entry.page === 'string'
}

function session(): Storage | null {
  try {
    return window.sessionStorage
  }
  catch {
    return null
  }
}

/** This tab's log, oldest first; empty where sessionStorage is unavailable. */
export function readLog(): RequestLogEntry[] {
  try {
    const parsed: unknown = JSON.parse(session()?.getItem(LOG_STORAGE_KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter(isLogEntry) : []
  }
  catch {
    return []
  }
}

/** Forgets this tab's log. */
export function clearLog(): void {
  try {
    session()?.removeItem(LOG_STORAGE_KEY)
  }
  catch {
    // Nothing to forget where storage is blocked.
  }
}

let channel: BroadcastChannel | null | undefined

/** Adds `entry` to this tab's log and announces it to the DevTools pages of every tab. Never throws. */
export function appendLog(entry: RequestLogEntry): void {
  try {
    session()?.setItem(LOG_STORAGE_KEY, JSON.stringify([...readLog(), entry].slice(-LOG_LIMIT)))
  }
  catch {
    // Storage full or blocked: the channel still carries the entry.
  }
  channel ??= typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(LOG_CHANNEL)
  channel?.postMessage(entry)
}

/** The session this tab saw last: `undefined` when it has seen none yet, `null` when it saw no session. */
export function readSeen(): SessionView | null | undefined {
  try {
    const raw = session()?.getItem(SEEN_STORAGE_KEY)
    if (raw == null) return undefined
    const parsed = JSON.parse(raw) as { view?: SessionView | null }
    return parsed.view ?? null
  }
  catch {
    return undefined
  }
}

/** Remembers the session this tab sees now. */
export function writeSeen(view: SessionView | null): void {
  try {
    session()?.setItem(SEEN_STORAGE_KEY, JSON.stringify({ view }))
  }
  catch {
    // Without storage the next page compares nothing.
  }
}
