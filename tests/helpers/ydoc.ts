/** Y.Doc helpers shared by the tests. */
import * as Y from 'yjs'
import type { Storage } from '../../server/storage/storage.js'
import { mergeAll } from '../../server/sync/doc-state.js'

/** A doc with a fixed client id that records every update it emits. */
export function recordingDoc(clientID: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  return { doc, updates }
}

/** The text of `field` in a document as `storage` holds it: its checkpoint and log, merged. */
export async function storedText(storage: Pick<Storage, 'load'>, docId: string, field = 'body'): Promise<string> {
  const stored = await storage.load(docId)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, mergeAll([...(stored.checkpoint ? [stored.checkpoint.state] : []), ...stored.log.flatMap((e) => e.updates)]))
  return doc.getText(field).toString()
}
