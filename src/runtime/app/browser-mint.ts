// One visitor a browser, not one a tab: the mints the module makes by itself in the browser take turns
// under a lock shared by the site's tabs, and a tab takes the visitor another tab stored instead of minting.
import { isSameVisitor } from '../stored-session'
import { isAccessTokenExpired } from '../tokens'
import type { Tokens, WixVisitorRuntimeOptions } from '../types'
import type { ExclusiveMint } from '../session'
import { readCookieSession, readSharedSession } from './browser-storage'

/** How long a tab that waited for the lock gives the previous holder's stored visitor to reach it. */
const HANDOFF_MS = 1000

/**
 * Runs `mint` under the site's lock (Web Locks, where the browser has them), unless another tab stored a
 * usable visitor other than `replacing`, which is then the answer. The minted visitor lands (is stored)
 * before the lock is let go, so the next tab in line finds it.
 */
export async function mintOncePerBrowser(options: WixVisitorRuntimeOptions, exclusiveMint: ExclusiveMint, replacing: Tokens | null): Promise<Tokens> {
  const mint = () => mintUnlessServerAnswers(options, exclusiveMint, replacing)
  const locks = globalThis.navigator?.locks
  if (!locks) return mint()
  const stored = () => {
    const tokens = readSharedSession(options)
    return tokens && !isSameVisitor(tokens, replacing) && !isAccessTokenExpired(tokens) ? tokens : null
  }
  const name = `nuxt-wix-visitor:${options.clientId}`
  const uncontended = await locks.request(name, { ifAvailable: true }, async (lock) => {
    if (!lock) return null
    return stored() ?? await mint()
  })
  if (uncontended) return uncontended
  // Another tab held the lock, most likely minting. Its storage writes travel apart from the lock, so
  // they can arrive just after this tab gets its turn: give them a moment before minting again.
  return locks.request(name, async () => stored() ?? await storedSoon(stored) ?? await mint())
}

/**
 * Mints, unless a session cookie appeared while the grant was out: one of the app's own server routes
 * answered a request of this cookie-less browser with a visitor of its own. That visitor is the one the
 * browser keeps (the route may have put things in its cart), and the one just minted is dropped.
 */
async function mintUnlessServerAnswers(options: WixVisitorRuntimeOptions, mint: ExclusiveMint, replacing: Tokens | null): Promise<Tokens> {
  const before = document.cookie
  const minted = await mint.request()
  const arrived = document.cookie !== before ? readCookieSession(options) : null
  if (arrived && !isSameVisitor(arrived, replacing) && !isAccessTokenExpired(arrived)) return arrived
  mint.land(minted)
  return minted
}

/** Resolves to `find()`'s answer as soon as a storage event brings one, or after HANDOFF_MS to a last look. */
function storedSoon(find: () => Tokens | null): Promise<Tokens | null> {
  return new Promise((resolve) => {
    const finish = (found: Tokens | null) => {
      clearTimeout(timer)
      window.removeEventListener('storage', onStorage)
      resolve(found)
    }
    const onStorage = () => {
      const found = find()
      if (found) finish(found)
    }
    const timer = setTimeout(() => finish(find()), HANDOFF_MS)
    window.addEventListener('storage', onStorage)
  })
}
