/**
 * A stored version of a document (GET /api/docs/:id/versions/:seq, one Yjs update) read into the
 * editor's schema, for a preview and to restore it: what y-prosemirror would render, after the
 * same repair the live editor does (client/editor/repair.ts).
 */
import type { Node as PMNode } from 'prosemirror-model'
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { CONTENT, TITLE } from '../../shared/doc-fields.js'
import { schema } from '../../shared/schema.js'
import { repair } from '../editor/repair.js'

/** A version's title and body; throws when its body is not a valid document. */
export function readVersion(update: Uint8Array): { title: string; body: PMNode } {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, update)
    const fragment = doc.getXmlFragment(CONTENT)
    repair(fragment)
    const body = yXmlFragmentToProseMirrorRootNode(fragment, schema)
    body.check()
    return { title: doc.getText(TITLE).toString(), body }
  } finally {
    doc.destroy()
  }
}
