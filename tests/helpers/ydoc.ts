/** Y.Doc helpers shared by the tests. */
import * as Y from 'yjs'

/** A doc with a fixed client id that records every update it emits. */
export function recordingDoc(clientID: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  return { doc, updates }
}
