/**
 * Validation of binary Yjs updates without a Y.Doc: an update is accepted only when it decodes
 * completely (structs and delete set) with no bytes left over.
 */
import * as Y from 'yjs'
import type { Decoder } from 'lib0/decoding'

/** The clock range one update adds for one client: structs [start, end). */
export interface ClockRange {
  readonly client: number
  readonly start: number
  readonly end: number
  /** False when the range has holes (Skip structs or jumps between structs). */
  readonly contiguous: boolean
}

/** What the relay needs to know about an accepted update. */
export interface UpdateInfo {
  /** No structs and no deletions: nothing to store or relay. */
  readonly empty: boolean
  readonly ranges: readonly ClockRange[]
}

/** Thrown for an update that does not decode. */
export class InvalidUpdateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidUpdateError'
  }
}

let lastDecoder: Decoder | null = null

// Y.decodeUpdateV2 builds its decoder from the class it is given; this subclass lets us see how far
// the decoder got, so trailing bytes are caught.
class TrackingDecoder extends Y.UpdateDecoderV1 {
  constructor(decoder: Decoder) {
    super(decoder)
    lastDecoder = decoder
  }
}

/**
 * Decodes `update` (v1 format) and returns its clock ranges. Throws InvalidUpdateError when it is
 * truncated, malformed or followed by extra bytes. `update` must end where its buffer ends (a
 * view at the end of a frame is fine), or a lying length could read past its end unnoticed.
 */
export function inspect(update: Uint8Array): UpdateInfo {
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>; ds: { clients: Map<number, unknown[]> } }
  try {
    lastDecoder = null
    decoded = Y.decodeUpdateV2(update, TrackingDecoder as unknown as typeof Y.UpdateDecoderV1)
  } catch (err) {
    throw new InvalidUpdateError(`update does not decode: ${(err as Error).message}`)
  }
  const decoder = lastDecoder as Decoder | null
  if (decoder === null || decoder.pos !== update.length) {
    throw new InvalidUpdateError('update has trailing bytes or a length that runs past its end')
  }
  const { structs, ds } = decoded
  checkReferences(structs)
  const ranges: ClockRange[] = []
  let i = 0
  while (i < structs.length) {
    const first = structs[i]!
    const client = first.id.client
    let end = first.id.clock + first.length
    let contiguous = !(first instanceof Y.Skip)
    for (i++; i < structs.length && structs[i]!.id.client === client; i++) {
      const s = structs[i]!
      if (s instanceof Y.Skip || s.id.clock !== end) contiguous = false
      end = Math.max(end, s.id.clock + s.length)
    }
    ranges.push({ client, start: first.id.clock, end, contiguous })
  }
  let deletes = false
  for (const items of ds.clients.values()) {
    for (const item of items as Array<{ len: number }>) {
      if (!(item.len > 0)) throw new InvalidUpdateError('update deletes an empty range')
      deletes = true
    }
  }
  return { empty: structs.length === 0 && !deletes, ranges }
}

/**
 * Checks what Yjs assumes of every well-formed update but does not verify: every struct has a
 * length, and an item refers to items of its own client only at earlier clocks (a client can only
 * build on what it already made). Yjs treats other clients' missing items as pending, but
 * follows own-client references blindly, so a forward reference makes every client that applies
 * the update throw (PROTOCOL.md S3).
 */
function checkReferences(structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>): void {
  for (const s of structs) {
    if (!(s.length > 0)) throw new InvalidUpdateError('update holds an empty struct')
    if (!(s instanceof Y.Item)) continue
    const { client, clock } = s.id
    const parent = s.parent instanceof Y.ID ? s.parent : null
    for (const ref of [s.origin, s.rightOrigin, parent]) {
      if (ref !== null && ref.client === client && ref.clock >= clock) {
        throw new InvalidUpdateError('update refers to an item its own client had not made yet')
      }
    }
  }
}

/** Checks that `sv` is a well-formed encoded state vector with nothing after it. */
export function checkStateVector(sv: Uint8Array): void {
  const d = { arr: sv, pos: 0 }
  const varUint = (): number => {
    let num = 0
    let mult = 1
    while (d.pos < sv.length) {
      const byte = sv[d.pos++]!
      num += (byte & 0x7f) * mult
      if (byte < 0x80) return num
      mult *= 128
      if (num > Number.MAX_SAFE_INTEGER) break
    }
    throw new InvalidUpdateError('state vector is truncated or holds an oversized number')
  }
  const count = varUint()
  if (count * 2 > sv.length) throw new InvalidUpdateError('state vector announces more entries than it holds')
  for (let i = 0; i < count; i++) {
    varUint()
    varUint()
  }
  if (d.pos !== sv.length) throw new InvalidUpdateError('trailing bytes after the state vector')
}
