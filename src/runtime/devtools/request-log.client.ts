// Development only: records the visitor's token requests for the DevTools tab by watching the store.
// The session itself is left alone; what a request was is read from how the session changed.
import { watch } from 'vue'
import { defineNuxtPlugin } from '#app'
import { useWixVisitorStore } from '../app/stores/wixVisitor'
import { readHandoff } from '../app/handoff'
import { useAppVisitorSession } from '../app/app-session'
import { appendLog, entriesOfArrival, entryOfRequest, readSeen, viewOf, writeSeen } from './request-log'
import type { SessionView } from './request-log'

export default defineNuxtPlugin({
  name: 'wix-visitor:devtools-log',
  // Starts once the client plugin has made the browser's stored visitor the session's.
  dependsOn: ['wix-visitor:client'],
  setup(nuxtApp) {
    const store = useWixVisitorStore()
    const session = useAppVisitorSession(nuxtApp)
    const page = window.location.pathname
    // The store shows the server's visitor while the page hydrates; the session has the browser's.
    const current = () => viewOf(session.getTokens())

    const arrived = current()
    for (const entry of entriesOfArrival(readSeen(), arrived, { mintedOnServer: !!readHandoff(nuxtApp)?.minted, error: store.error, page })) appendLog(entry)
    writeSeen(arrived)
    watch(() => store.tokens, () => writeSeen(current()), { flush: 'sync' })

    let before: SessionView | null = store.pending ? arrived : null
    watch(() => store.pending, (pending) => {
      if (pending) {
        before = current()
        return
      }
      // The store sets `error` just after `pending`: read both once the change is complete.
      const start = before
      queueMicrotask(() => appendLog(entryOfRequest(start, current(), store.error, page)))
    }, { flush: 'sync' })
  },
})
