/**
 * Validation of binary Yjs updates without a Y.Doc: an update is accepted only when it decodes
 * completely (structs and delete set) with no bytes left over.
 */
import * as decoding from 'lib0/decoding'

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

const NO_RANGES: readonly ClockRange[] = []

const BITS5 = 31
const BIT6 = 32
const BIT7 = 64
const BIT8 = 128

/** Reads a struct's info byte (lib0's readUint8 reads past the end as undefined, which Yjs then fails on). */
function readInfo(d: decoding.Decoder): number {
  if (d.pos >= d.arr.length) throw new InvalidUpdateError('unexpected end of update')
  return d.arr[d.pos++]!
}

/**
 * Reads a string as lib0's readVarString does and returns its length in UTF-16 code units. An
 * ASCII string (what typing mostly sends) is checked byte by byte, without decoding it; any other
 * goes through lib0's strict UTF-8 decoder, so whatever Yjs would refuse is refused here too.
 */
function readStringLength(d: decoding.Decoder): number {
  const start = d.pos
  const length = decoding.readVarUint(d)
  const bytes = d.arr
  const end = d.pos + length
  if (end > bytes.length) throw new InvalidUpdateError('a string runs past the end of the update')
  for (let i = d.pos; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      d.pos = start
      return decoding.readVarString(d).length
    }
  }
  d.pos = end
  return length
}

/** Item type refs Yjs knows (typeRefs in yjs): YXmlElement (3) and YXmlHook (5) carry a name. */
const TYPE_REFS = 7
const TYPE_WITH_KEY = new Set([3, 5])

/**
 * Reads one item's content exactly as Yjs's readItemContent does (v1 encoding), without building
 * it, and returns its length (the clock range it takes). Throws where Yjs throws.
 */
function readContentLength(d: decoding.Decoder, ref: number): number {
  switch (ref) {
    case 1: // ContentDeleted
      return decoding.readVarUint(d)
    case 2: {
      // ContentJSON: len strings, each 'undefined' or JSON
      const len = decoding.readVarUint(d)
      for (let i = 0; i < len; i++) {
        const c = decoding.readVarString(d)
        if (c !== 'undefined') JSON.parse(c)
      }
      return len
    }
    case 3: // ContentBinary
      decoding.readVarUint8Array(d)
      return 1
    case 4: // ContentString: its length in UTF-16 code units
      return readStringLength(d)
    case 5: // ContentEmbed
      JSON.parse(decoding.readVarString(d))
      return 1
    case 6: // ContentFormat: key, JSON value
      readStringLength(d)
      JSON.parse(decoding.readVarString(d))
      return 1
    case 7: {
      // ContentType
      const typeRef = decoding.readVarUint(d)
      if (typeRef >= TYPE_REFS) throw new InvalidUpdateError(`unknown type ref ${typeRef}`)
      if (TYPE_WITH_KEY.has(typeRef)) readStringLength(d)
      return 1
    }
    case 8: {
      // ContentAny
      const len = decoding.readVarUint(d)
      for (let i = 0; i < len; i++) decoding.readAny(d)
      return len
    }
    case 9: {
      // ContentDoc: guid and options; Yjs reads options.shouldLoad, so they must not be null
      readStringLength(d)
      const opts = decoding.readAny(d) as unknown
      if (opts === null || opts === undefined) throw new InvalidUpdateError('subdocument options are missing')
      return 1
    }
    default:
      throw new InvalidUpdateError(`unknown content ref ${ref}`)
  }
}

/** A reference of an item to another item (origin, right origin, parent). */
function readRef(d: decoding.Decoder, client: number, clock: number): void {
  const refClient = decoding.readVarUint(d)
  const refClock = decoding.readVarUint(d)
  // Yjs treats other clients' missing items as pending but follows its own client's blindly, so
  // a forward reference makes every client that applies the update throw (PROTOCOL.md S3)
  if (refClient === client && refClock >= clock) throw new InvalidUpdateError('update refers to an item its own client had not made yet')
}

/**
 * Decodes `update` (v1 format) and returns its clock ranges. Throws InvalidUpdateError when it is
 * truncated, malformed, followed by extra bytes, or something Yjs would fail on. It reads the
 * update as Yjs's own decoder does (lib0's readers, the same struct and content grammar) but
 * builds no structs, so validating a keystroke allocates almost nothing.
 */
export function inspect(update: Uint8Array): UpdateInfo {
  return walk(update)
}

/** Calls `onDelete` with each range `update` deletes, checking it as `inspect` does. */
export function forEachDeletion(update: Uint8Array, onDelete: (client: number, clock: number, length: number) => void): void {
  walk(update, onDelete)
}

/** inspect, telling `onDelete` (when given) each range of the delete set. */
function walk(update: Uint8Array, onDelete?: (client: number, clock: number, length: number) => void): UpdateInfo {
  const d = decoding.createDecoder(update)
  // most updates touch one client: the list is made with its first range, at its size
  let ranges: ClockRange[] | null = null
  let structs = 0
  let deletes = false
  try {
    const clients = decoding.readVarUint(d)
    for (let c = 0; c < clients; c++) {
      const count = decoding.readVarUint(d)
      const client = decoding.readVarUint(d)
      const start = decoding.readVarUint(d)
      let clock = start
      let contiguous = true
      for (let i = 0; i < count; i++) {
        const info = readInfo(d)
        let length: number
        if (info === 10) {
          // Skip: a hole
          length = decoding.readVarUint(d)
          contiguous = false
        } else if ((info & BITS5) !== 0) {
          if ((info & BIT8) === BIT8) readRef(d, client, clock) // origin
          if ((info & BIT7) === BIT7) readRef(d, client, clock) // right origin
          if ((info & (BIT7 | BIT8)) === 0) {
            // parent: a root type's name, or an item
            if (decoding.readVarUint(d) === 1) readStringLength(d)
            else readRef(d, client, clock)
            if ((info & BIT6) === BIT6) readStringLength(d) // parentSub
          }
          length = readContentLength(d, info & BITS5)
        } else {
          length = decoding.readVarUint(d) // GC
        }
        if (!(length > 0)) throw new InvalidUpdateError('update holds an empty struct')
        clock += length
        structs++
      }
      if (count > 0) {
        // a client listed twice in one update continues its range (Yjs reads them as one list)
        const last: ClockRange | undefined = ranges?.at(-1)
        if (ranges !== null && last?.client === client) {
          ranges[ranges.length - 1] = { client, start: last.start, end: Math.max(last.end, clock), contiguous: last.contiguous && contiguous && start === last.end }
        } else {
          const range: ClockRange = { client, start, end: clock, contiguous }
          if (ranges === null) ranges = [range]
          else ranges.push(range)
        }
      }
    }
    // the delete set: per client, ranges of (clock, length)
    const dsClients = decoding.readVarUint(d)
    for (let c = 0; c < dsClients; c++) {
      const client = decoding.readVarUint(d)
      const n = decoding.readVarUint(d)
      for (let i = 0; i < n; i++) {
        const clock = decoding.readVarUint(d)
        const len = decoding.readVarUint(d)
        if (!(len > 0)) throw new InvalidUpdateError('update deletes an empty range')
        deletes = true
        onDelete?.(client, clock, len)
      }
    }
  } catch (err) {
    if (err instanceof InvalidUpdateError) throw err
    throw new InvalidUpdateError(`update does not decode: ${(err as Error).message}`)
  }
  if (d.pos !== update.length) throw new InvalidUpdateError('update has trailing bytes or a length that runs past its end')
  return { empty: structs === 0 && !deletes, ranges: ranges ?? NO_RANGES }
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
