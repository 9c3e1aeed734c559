/**
 * Byte layout of stored values; sequence number and time live in the key.
 * Log entry: `0x01, varuint count, count x varuint8array update`, or `0x03` alone: the entry's
 * updates are under its spill key (./keys.ts), in the first layout.
 * Checkpoint: `0x02, varuint8array stateVector, state bytes to the end` (`0x01, state bytes`, the
 * first layout, without a state vector, is still read).
 */
import * as decoding from 'lib0/decoding'
import { putVarUint, varUintSize } from '../../shared/varint.js'

const FORMAT = 1

/** Thrown when stored bytes do not decode; names the key so an operator can find it. */
export class CorruptValueError extends Error {
  constructor(key: string, detail: string) {
    super(`stored value at ${key} is corrupt: ${detail}`)
    this.name = 'CorruptValueError'
  }
}

/** Bytes the encoded log entry holding `updates` takes. */
export function entrySize(updates: readonly Uint8Array[]): number {
  let size = 1 + varUintSize(updates.length)
  for (const update of updates) size += varUintSize(update.length) + update.length
  return size
}

/** Encodes the updates of a log entry at the start of `out` (at least entrySize long); returns the bytes written. */
export function writeEntry(out: Uint8Array, updates: readonly Uint8Array[]): number {
  out[0] = FORMAT
  let pos = putVarUint(out, 1, updates.length)
  for (const update of updates) {
    pos = putVarUint(out, pos, update.length)
    out.set(update, pos)
    pos += update.length
  }
  return pos
}

/** Encodes the updates of a log entry into one buffer of its exact size (each update copied once). */
export function encodeEntry(updates: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(entrySize(updates))
  writeEntry(out, updates)
  return out
}

/** Value of a log entry whose updates were spilled to their own key. */
export const SPILLED: Uint8Array = Uint8Array.of(3)

/** True when a stored log entry's updates are under its spill key. */
export function isSpilled(value: Uint8Array): boolean {
  return value.length === 1 && value[0] === SPILLED[0]
}

/** Decodes the updates of a log entry: views into `value` (a buffer of their own, read from disk). */
export function decodeEntry(key: string, value: Uint8Array): Uint8Array[] {
  try {
    const d = decoding.createDecoder(value)
    const format = decoding.readUint8(d)
    if (format !== FORMAT) throw new Error(`unknown format ${format}`)
    const count = decoding.readVarUint(d)
    if (count > value.length) throw new Error('update count exceeds the value')
    const updates: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const length = decoding.readVarUint(d)
      if (length > value.length - d.pos) throw new Error('update runs past the end')
      updates.push(value.slice(d.pos, d.pos + length))
      d.pos += length
    }
    if (d.pos !== value.length) throw new Error('trailing bytes')
    return updates
  } catch (err) {
    throw new CorruptValueError(key, (err as Error).message)
  }
}

const CHECKPOINT_FORMAT = 2

/** Encodes a checkpoint's state and, when known, its state vector, into one buffer of its exact size. */
export function encodeCheckpoint(state: Uint8Array, stateVector: Uint8Array = Uint8Array.of(0)): Uint8Array {
  const out = new Uint8Array(1 + varUintSize(stateVector.length) + stateVector.length + state.length)
  out[0] = CHECKPOINT_FORMAT
  let pos = putVarUint(out, 1, stateVector.length)
  out.set(stateVector, pos)
  pos += stateVector.length
  out.set(state, pos)
  return out
}

/**
 * Decodes a checkpoint: views into `value` (a buffer of its own, read from disk). A missing or
 * empty state vector comes back undefined (the reader computes it).
 */
export function decodeCheckpoint(key: string, value: Uint8Array): { state: Uint8Array; stateVector?: Uint8Array } {
  if (value[0] === FORMAT) return { state: value.subarray(1) }
  if (value[0] !== CHECKPOINT_FORMAT) throw new CorruptValueError(key, `unknown format ${value[0]}`)
  try {
    const d = decoding.createDecoder(value)
    d.pos = 1
    const length = decoding.readVarUint(d)
    if (length > value.length - d.pos) throw new Error('state vector runs past the end')
    const stateVector = value.subarray(d.pos, d.pos + length)
    const state = value.subarray(d.pos + length)
    return stateVector.length > 1 ? { state, stateVector } : { state }
  } catch (err) {
    throw new CorruptValueError(key, (err as Error).message)
  }
}

/** A file's value: one byte giving the media type's length, the type (ASCII), then the bytes as they are. */
export function encodeFile(type: string, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + type.length + bytes.length)
  out[0] = type.length
  for (let i = 0; i < type.length; i++) out[1 + i] = type.charCodeAt(i)
  out.set(bytes, 1 + type.length)
  return out
}

/** The media type and bytes of a file's value (the bytes a view into `value`). */
export function decodeFile(key: string, value: Uint8Array): { type: string; bytes: Uint8Array } {
  const length = value[0]
  if (length === undefined || length === 0 || value.length < 1 + length) throw new CorruptValueError(key, 'the file value is shorter than its media type')
  return { type: String.fromCharCode(...value.subarray(1, 1 + length)), bytes: value.subarray(1 + length) }
}
