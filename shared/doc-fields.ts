/**
 * Names of the shared types inside a Tandem Y.Doc, used by the editor and by the server when it
 * reads a document (title for the document list).
 */

/** Y.Text holding the document title. */
export const TITLE = 'title'
/** Y.XmlFragment holding the rich-text body (y-prosemirror). */
export const CONTENT = 'content'
/** Longest title kept in the document list. */
export const MAX_TITLE_LENGTH = 200

/** Normalises a title: one line, trimmed, at most MAX_TITLE_LENGTH characters. */
export function cleanTitle(title: string): string {
  return title.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_LENGTH)
}
