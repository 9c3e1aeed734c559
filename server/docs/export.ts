/**
 * A stored document as a file (Markdown or plain text, see shared/export.ts): its body read
 * into the shared ProseMirror schema by y-prosemirror, as an editor would show it.
 */
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import type * as Y from 'yjs'
import { CONTENT, TITLE } from '../../shared/doc-fields.js'
import { exportDocument, type ExportFormat } from '../../shared/export.js'
import { schema } from '../../shared/schema.js'

/** A document's title and its file in `format`. */
export function exportFile(doc: Y.Doc, format: ExportFormat): { title: string; text: string } {
  const title = doc.getText(TITLE).toString()
  const body = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(CONTENT), schema)
  return { title, text: exportDocument(format, title, body) }
}
