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
  /**
   * Log sequence number the title was read at: a load reads it again when the document holds
   * more (a compaction may have written its checkpoint and then failed to update this card).
   * Missing in cards written before it existed.
   */
  titleSeq?: number
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** Time of the last stored change. */
  updatedAt: number
  /** Set when the document was deleted; the id is never reused. */
  deletedAt?: number
}

/** A new card for a document created at `now`. */
export function newMeta(id: string, now: number, title = '', titleSeq = 0): DocMeta {
  return { id, title, titleSeq, createdAt: now, updatedAt: now }
}
