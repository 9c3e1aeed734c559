/**
 * The catalogue record of a document (record kind `doc`): what the document list shows.
 * Content lives in the document's log and checkpoints; this is only its card.
 */

/** Record kind under which document cards are stored. */
export const DOC_RECORD = 'doc'

/** A document's card in the catalogue. */
export interface DocMeta {
  readonly id: string
  /** Title read from the document itself ('' until it has one). */
  title: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** Time of the last stored change. */
  updatedAt: number
  /** Set when the document was deleted; the id is never reused. */
  deletedAt?: number
}

/** A new card for a document created at `now`. */
export function newMeta(id: string, now: number, title = ''): DocMeta {
  return { id, title, createdAt: now, updatedAt: now }
}
