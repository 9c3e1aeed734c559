/**
 * The y-websocket protocol as the load generator speaks it: frames built with lib0 once, ahead
 * of time, and a few allocation-free readers for the hot receive path (message type, the first
 * struct's client and clock in an update, awareness entries).
 */
import * as encoding from 'lib0/encoding'
import type { ClientOptions } from 'ws'

/**
 * Options of every generated client socket: no compression (no server uses it), and a zero
 * masking key, which lets ws skip copying each frame to mask it. Servers unmask as usual.
 */
export const CLIENT_OPTIONS: ClientOptions = { perMessageDeflate: false, generateMask: (mask: Buffer) => void mask.fill(0) }

/** Message type (first byte): sync. */
export const MSG_SYNC = 0
/** Message type (first byte): awareness. */
export const MSG_AWARENESS = 1
/** Sync message type (second byte): step 1, a state vector. */
export const SYNC_STEP1 = 0
/** Sync message type (second byte): step 2, the answer to a step 1. */
export const SYNC_STEP2 = 1
/** Sync message type (second byte): an update. */
export const SYNC_UPDATE = 2

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

/** Sync step 1 with a state vector. */
export function syncStep1(stateVector: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_STEP1)
    encoding.writeVarUint8Array(e, stateVector)
  })
}

/** Sync step 2 carrying an update. */
export function syncStep2(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_STEP2)
    encoding.writeVarUint8Array(e, update)
  })
}

/** An update message. */
export function updateFrame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_UPDATE)
    encoding.writeVarUint8Array(e, update)
  })
}

/** One awareness entry; `state` is JSON text ("null" removes the client). */
export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  readonly state: string
}

/** An awareness message. */
export function awarenessFrame(entries: readonly AwarenessEntry[]): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_AWARENESS)
    const inner = encoding.createEncoder()
    encoding.writeVarUint(inner, entries.length)
    for (const entry of entries) {
      encoding.writeVarUint(inner, entry.clientId)
      encoding.writeVarUint(inner, entry.clock)
      encoding.writeVarString(inner, entry.state)
    }
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner))
  })
}

/** Sync step 1 of a client with an empty document. */
export const EMPTY_STEP1 = syncStep1(Uint8Array.of(0))
/** Sync step 2 with the empty update: what a fresh stock client answers a server's step 1 with. */
export const EMPTY_STEP2 = syncStep2(Uint8Array.of(0, 0))

/** A cursor over a byte array for the readers below. */
export interface Cursor {
  pos: number
}

/** Reads a lib0 varuint (up to 2^53) at `c.pos`, advancing it. */
export function readVarUint(data: Uint8Array, c: Cursor): number {
  let num = 0
  let mult = 1
  for (;;) {
    const byte = data[c.pos++]
    if (byte === undefined) throw new RangeError('varuint runs past the end')
    num += (byte & 0x7f) * mult
    if (byte < 0x80) return num
    mult *= 128
  }
}

/** Start and end of the payload (`varbytes`) of a sync message, after its two type bytes. */
export function syncPayload(data: Uint8Array): { start: number; end: number } {
  const c = { pos: 2 }
  const length = readVarUint(data, c)
  return { start: c.pos, end: c.pos + length }
}

/**
 * The client and clock of the first struct in the update of a sync update/step 2 frame, or null
 * when it has no structs (a pure deletion). Every edit the generator makes inserts something,
 * so (client, clock) names an edit uniquely, whichever server re-encoded it.
 */
export function firstStruct(data: Uint8Array): { client: number; clock: number } | null {
  const c = { pos: 2 }
  readVarUint(data, c) // payload length
  const groups = readVarUint(data, c)
  if (groups === 0) return null
  readVarUint(data, c) // structs in the group
  const client = readVarUint(data, c)
  const clock = readVarUint(data, c)
  return { client, clock }
}

const utf8 = new TextDecoder()

/** Decodes the entries of an awareness frame (`1, varbytes update`). */
export function readAwareness(data: Uint8Array): AwarenessEntry[] {
  const c = { pos: 1 }
  readVarUint(data, c)
  const count = readVarUint(data, c)
  const out: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = readVarUint(data, c)
    const clock = readVarUint(data, c)
    const length = readVarUint(data, c)
    const state = utf8.decode(data.subarray(c.pos, c.pos + length))
    c.pos += length
    out.push({ clientId, clock, state })
  }
  return out
}
