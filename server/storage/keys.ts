/**
 * LevelDB key layout, version 1 (every key starts with `v1!`):
 *   v1!d!<docId>!c!<seq>!<time>   checkpoint      v1!d!<docId>!l!<seq>!<time>   log entry
 *   v1!d!<docId>!s!<seq>!<time>   spilled updates of the log entry with that seq and time
 *   v1!d!<docId>!f!<name>         a file of the document (an image): type and bytes (./codec.ts)
 *   v1!r!<kind>!<id>              JSON record     v1!probe                      health probe
 *   format                        the layout version ("v1")
 * `<seq>` and `<time>` (ms since the epoch) are 12 lowercase hex digits, so keys sort by sequence
 * and history can be listed from keys alone. Doc ids and record kinds never contain `!`, so one
 * document's keys never mix with another's. A spill is read only through the log entry that
 * refers to it (./codec.ts); one without such an entry is garbage that compaction removes.
 * Files sit inside the document's range, so deleting the document removes them; their names
 * hold no `!` (storage.ts FILE_NAME), so `parse` never takes one for an entry. Servers from before
 * files ignore these keys: the layout stays v1.
 */

/** The version prefix of every key this build writes. */
export const VERSION = 'v1'
/** Key holding the on-disk layout version. */
export const FORMAT_KEY = 'format'
/** Largest sequence number (and time) a key can hold. */
export const MAX_SEQ = 0xffff_ffff_fffe

const hex = (n: number) => Math.min(Math.max(Math.floor(n), 0), MAX_SEQ + 1).toString(16).padStart(12, '0')
const doc = (docId: string) => `${VERSION}!d!${docId}!`

/** Key of a document's checkpoint. */
export const checkpoint = (docId: string, seq: number, time: number) => `${doc(docId)}c!${hex(seq)}!${hex(time)}`
/** Key of a document's log entry. */
export const entry = (docId: string, seq: number, time: number) => `${doc(docId)}l!${hex(seq)}!${hex(time)}`
/** Range of a document's checkpoints with seq <= `upTo`. */
export const checkpointsUpTo = (docId: string, upTo: number) => ({ gte: `${doc(docId)}c!`, lt: `${doc(docId)}c!${hex(upTo + 1)}` })
/** Range of a document's log entries with `after` < seq <= `upTo`. */
export const entriesBetween = (docId: string, after: number, upTo: number) => ({
  gte: `${doc(docId)}l!${hex(after + 1)}`,
  lt: `${doc(docId)}l!${hex(upTo + 1)}`,
})
/** Key of the updates a large log entry spilled ahead of the batch that writes the entry. */
export const spill = (docId: string, seq: number, time: number) => `${doc(docId)}s!${hex(seq)}!${hex(time)}`
/** Range of a document's spills with `after` < seq <= `upTo`. */
export const spillsBetween = (docId: string, after: number, upTo: number) => ({
  gte: `${doc(docId)}s!${hex(after + 1)}`,
  lt: `${doc(docId)}s!${hex(upTo + 1)}`,
})
/** Key of a file of a document (the name already checked against FILE_NAME). */
export const file = (docId: string, name: string) => `${doc(docId)}f!${name}`
/** Range covering every key of a document. */
export const docRange = (docId: string) => ({ gte: doc(docId), lt: `${VERSION}!d!${docId}"` })
/** Key of a record. */
export const record = (kind: string, id: string) => `${VERSION}!r!${kind}!${id}`
/** Range covering every record of a kind. */
export const recordRange = (kind: string) => ({ gte: `${VERSION}!r!${kind}!`, lt: `${VERSION}!r!${kind}"` })
/** Key written by the health probe. */
export const probe = `${VERSION}!probe`

/** What a document key names, or undefined for a key that is not a checkpoint or entry. */
export function parse(key: string): { part: 'c' | 'l'; seq: number; time: number } | undefined {
  const m = /!([cl])!([0-9a-f]{12})!([0-9a-f]{12})$/.exec(key)
  if (!m) return undefined
  return { part: m[1] as 'c' | 'l', seq: Number.parseInt(m[2]!, 16), time: Number.parseInt(m[3]!, 16) }
}
