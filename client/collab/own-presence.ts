/**
 * The stock y-websocket provider sends every awareness change it sees, including each remote
 * change it has just received: in a room of n people, every cursor move comes back to the server
 * n - 1 times. Tandem's server keeps everyone's presence and relays it itself (PROTOCOL.md A1-A6),
 * and drops those copies, so this client announces only its own entry.
 */
import type { WebsocketProvider } from 'y-websocket'

type AwarenessChange = { added: number[]; updated: number[]; removed: number[] }
type ChangeHandler = (change: AwarenessChange, origin: unknown) => void

/**
 * Makes `provider` send awareness changes of its own client id only (its cursor, its name, its
 * leaving). Call once, right after creating the provider. After the provider is destroyed the
 * handler has nothing to send on, and it goes with the awareness when the document is destroyed.
 */
export function announceOwnPresenceOnly(provider: WebsocketProvider): void {
  const awareness = provider.awareness
  // the provider's own handler: it encodes the listed ids and sends them on every channel
  const send = (provider as unknown as { _awarenessUpdateHandler?: ChangeHandler })._awarenessUpdateHandler
  // a provider without it (another version) keeps sending everything, which the server drops
  if (typeof send !== 'function') return
  const own = awareness.clientID
  const ownOnly: ChangeHandler = ({ added, updated, removed }, origin) => {
    if (added.includes(own) || updated.includes(own) || removed.includes(own)) send({ added: [], updated: [own], removed: [] }, origin)
  }
  awareness.off('update', send)
  awareness.on('update', ownOnly)
}
