/**
 * When its connection closes, the stock y-websocket provider removes everyone else from its
 * awareness but keeps their clocks. On reconnecting, the server greets it with everyone present,
 * at those same clocks, and y-protocols takes only a newer clock: the person whose connection
 * came back saw nobody else (no names, no cursors) until each of the others renewed their
 * presence, up to 15 s later. Forgetting the clocks of the people removed lets the greeting in.
 */
import type { WebsocketProvider } from 'y-websocket'

/**
 * Makes `provider` forget, whenever its connection closes, the clocks of the other clients it no
 * longer shows, so the server's greeting on the next connection shows them again at once.
 * Call once, right after creating the provider; it goes with the provider.
 */
export function rejoinPresenceOnReconnect(provider: WebsocketProvider): void {
  const awareness = provider.awareness
  provider.on('status', ({ status }) => {
    if (status !== 'disconnected') return
    for (const clientId of [...awareness.meta.keys()]) {
      if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId)
    }
  })
}
