/**
 * Pure codec for y-protocols awareness updates, without an Awareness instance:
 * `varuint count, then per entry: varuint clientId, varuint clock, varstring JSON state`.
 * The state stays JSON text so a relay can forward it without re-serialising.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { FrameError } from './frame.js'

/** One client's presence entry. `state` is JSON text; the text `null` means "client left". */
export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  readonly state: string
}

// ignoreBOM as lib0 reads strings: a leading U+FEFF stays in the text (and fails JSON.parse),
// as it does for every client the state is relayed to
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** JSON text of a removed entry. */
export const REMOVED = 'null'

/** An entry as scanned: its state still the raw bytes, decoded only if the relay keeps it. */
export interface ScannedEntry {
  readonly clientId: number
  readonly clock: number
  /** The state's UTF-8 JSON bytes (a view). */
  readonly raw: Uint8Array
}

/**
 * Reads the layout of an awareness update without decoding states. Throws FrameError when it is
 * truncated, has trailing bytes, or announces more entries than it can hold.
 */
export function scan(update: Uint8Array): ScannedEntry[] {
  const decoder = decoding.createDecoder(update)
  try {
    const count = decoding.readVarUint(decoder)
    // each entry takes at least 3 bytes, so a larger count is a lie that would only burn CPU
    if (count > update.length) throw new FrameError('awareness entry count exceeds the message')
    const entries: ScannedEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const length = decoding.readVarUint(decoder)
      if (length > update.length - decoder.pos) throw new FrameError('awareness state runs past the end')
      entries.push({ clientId, clock, raw: update.subarray(decoder.pos, decoder.pos + length) })
      decoder.pos += length
    }
    if (decoder.pos !== update.length) throw new FrameError('trailing bytes after awareness update')
    return entries
  } catch (err) {
    if (err instanceof FrameError) throw err
    throw new FrameError(`malformed awareness update: ${(err as Error).message}`)
  }
}

/**
 * The JSON text of a scanned state, checked as a stock client would read it (valid UTF-8, valid
 * JSON); any JSON null (" null" too) comes back as REMOVED, since clients read it as a removal.
 */
export function stateOf(raw: Uint8Array): string {
  let state: string
  try {
    state = utf8.decode(raw)
    return JSON.parse(state) === null ? REMOVED : state
  } catch (err) {
    throw new FrameError(`malformed awareness state: ${(err as Error).message}`)
  }
}

/** Decodes an awareness update, every state checked (see scan and stateOf). */
export function decode(update: Uint8Array): AwarenessEntry[] {
  return scan(update).map((e) => ({ clientId: e.clientId, clock: e.clock, state: stateOf(e.raw) }))
}

/** Encodes entries as an awareness update. */
export function encode(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = Array.isArray(entries) ? (entries as AwarenessEntry[]) : [...entries]
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, list.length)
  for (const entry of list) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}
