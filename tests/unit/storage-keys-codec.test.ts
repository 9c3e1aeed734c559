/**
 * server/storage/keys.ts and codec.ts: the versioned LevelDB key layout (exact strings, parse
 * round trips, ranges that hold exactly one document's keys, numeric order from hex) and the
 * value codec (round trips, copies, and CorruptValueError naming the key for corrupt values).
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as codec from '../../server/storage/codec.js'
import * as keys from '../../server/storage/keys.js'

/** True when `key` lies in a `{ gte, lt }` range, by the byte order LevelDB uses for ASCII keys. */
const inRange = (key: string, range: { gte: string; lt: string }) => key >= range.gte && key < range.lt

describe('keys', () => {
  it('writes the documented layout: v1 prefix, 12 lowercase hex digits of seq and time', () => {
    expect(keys.VERSION).toBe('v1')
    expect(keys.FORMAT_KEY).toBe('format')
    expect(keys.entry('doc', 1, 0xabc)).toBe('v1!d!doc!l!000000000001!000000000abc')
    expect(keys.checkpoint('doc', 255, 1_700_000_000_000)).toBe('v1!d!doc!c!0000000000ff!018bcfe56800')
    expect(keys.record('doc', 'x-1')).toBe('v1!r!doc!x-1')
    expect(keys.probe).toBe('v1!probe')
  })

  it('parse reads back seq, time and part', () => {
    for (const [seq, time] of [
      [0, 0],
      [1, 1_700_000_000_000],
      [123_456_789, 42],
      [keys.MAX_SEQ, keys.MAX_SEQ],
    ]) {
      expect(keys.parse(keys.entry('a_b-C9', seq!, time!))).toEqual({ part: 'l', seq, time })
      expect(keys.parse(keys.checkpoint('a', seq!, time!))).toEqual({ part: 'c', seq, time })
    }
    expect(keys.parse(keys.record('doc', 'a'))).toBeUndefined()
    expect(keys.parse(keys.probe)).toBeUndefined()
    expect(keys.parse('format')).toBeUndefined()
    expect(keys.parse('v1!d!a!l!00000000000G!000000000000')).toBeUndefined()
    expect(keys.parse('v1!d!a!l!0000000001!000000000000')).toBeUndefined()
  })

  it('clamps numbers into the 12-digit field', () => {
    expect(keys.entry('d', -5, 1.9)).toBe('v1!d!d!l!000000000000!000000000001')
    expect(keys.entry('d', 2 ** 60, 0)).toBe(`v1!d!d!l!ffffffffffff!000000000000`)
  })

  it('sorts keys by seq as numbers, then by time', () => {
    const seqs = [1, 2, 9, 10, 15, 16, 255, 256, 4096, 1e9, keys.MAX_SEQ]
    const sorted = seqs.map((s) => keys.entry('d', s, 5)).sort()
    expect(sorted.map((k) => keys.parse(k)!.seq)).toEqual(seqs)
    expect([keys.entry('d', 3, 20), keys.entry('d', 3, 3)].sort()).toEqual([keys.entry('d', 3, 3), keys.entry('d', 3, 20)])
  })

  it('entriesBetween holds exactly the entries with after < seq <= upTo', () => {
    const range = keys.entriesBetween('d', 3, 7)
    for (let seq = 0; seq <= 10; seq++) {
      for (const time of [0, 1_700_000_000_000, keys.MAX_SEQ]) {
        expect(inRange(keys.entry('d', seq, time), range), `seq ${seq}`).toBe(seq > 3 && seq <= 7)
        expect(inRange(keys.checkpoint('d', seq, time), range)).toBe(false)
      }
    }
    // up to the largest seq a key can hold
    expect(inRange(keys.entry('d', keys.MAX_SEQ, keys.MAX_SEQ), keys.entriesBetween('d', 0, keys.MAX_SEQ))).toBe(true)
  })

  it('checkpointsUpTo holds exactly the checkpoints with seq <= upTo', () => {
    const range = keys.checkpointsUpTo('d', 5)
    for (let seq = 0; seq <= 8; seq++) {
      expect(inRange(keys.checkpoint('d', seq, 123), range), `seq ${seq}`).toBe(seq <= 5)
      expect(inRange(keys.entry('d', seq, 123), range)).toBe(false)
    }
    expect(inRange(keys.checkpoint('d', keys.MAX_SEQ, keys.MAX_SEQ), keys.checkpointsUpTo('d', keys.MAX_SEQ))).toBe(true)
  })

  it("docRange holds one document's keys and none of a document with a similar id", () => {
    const range = keys.docRange('a')
    expect(inRange(keys.entry('a', 1, 1), range)).toBe(true)
    expect(inRange(keys.checkpoint('a', keys.MAX_SEQ, keys.MAX_SEQ), range)).toBe(true)
    for (const other of ['ab', 'a-b', 'a_b', 'A', 'a0', 'b', '_', '-']) {
      expect(inRange(keys.entry(other, 1, 1), range), other).toBe(false)
      expect(inRange(keys.checkpoint(other, 1, 1), range), other).toBe(false)
    }
    expect(inRange(keys.record('a', 'a'), range)).toBe(false)
    expect(inRange(keys.probe, range)).toBe(false)
  })

  it('recordRange holds one kind and none of a kind with a similar name', () => {
    const range = keys.recordRange('doc')
    expect(inRange(keys.record('doc', ''), range)).toBe(true)
    expect(inRange(keys.record('doc', 'zzz~'), range)).toBe(true)
    expect(inRange(keys.record('doc', 'with!bang'), range)).toBe(true)
    for (const other of ['docs', 'do', 'doc-x', 'Doc']) expect(inRange(keys.record(other, 'a'), range), other).toBe(false)
    expect(inRange(keys.entry('doc', 1, 1), range)).toBe(false)
  })
})

describe('codec', () => {
  it('round-trips log entries of any shape', () => {
    const large = new Uint8Array(70_000).map((_, i) => i & 0xff)
    for (const updates of [[], [new Uint8Array(0)], [Uint8Array.of(0, 0)], [Uint8Array.of(1, 2, 3), large, new Uint8Array(0), Uint8Array.of(255)]]) {
      const value = codec.encodeEntry(updates)
      expect(value[0]).toBe(1)
      expect(codec.decodeEntry('k', value).map((u) => [...u])).toEqual(updates.map((u) => [...u]))
    }
    expect([...codec.encodeEntry([Uint8Array.of(7, 8), Uint8Array.of(9)])]).toEqual([1, 2, 2, 7, 8, 1, 9])
  })

  it('writes log entries byte for byte as lib0 encodes them, across varint widths', () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 70_000]) {
      const updates = Array.from({ length: n % 5 === 0 ? 130 : 2 }, (_, i) => new Uint8Array(i === 0 ? n : i).fill(i & 0xff))
      const e = encoding.createEncoder()
      encoding.writeUint8(e, 1)
      encoding.writeVarUint(e, updates.length)
      for (const u of updates) encoding.writeVarUint8Array(e, u)
      expect(Buffer.from(codec.encodeEntry(updates)).equals(encoding.toUint8Array(e)), `first update of ${n} bytes`).toBe(true)
    }
  })

  it('decoded updates are copies, not views into the stored value', () => {
    const value = codec.encodeEntry([Uint8Array.of(1, 2, 3)])
    const [update] = codec.decodeEntry('k', value)
    expect(update!.buffer).not.toBe(value.buffer)
    value.fill(0)
    expect([...update!]).toEqual([1, 2, 3])
  })

  it('rejects corrupt entries with CorruptValueError naming the key', () => {
    const good = codec.encodeEntry([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)])
    const corrupt: Array<[string, Uint8Array, RegExp]> = [
      ['empty', new Uint8Array(0), /corrupt/],
      ['unknown format', Uint8Array.of(2, 0), /unknown format 2/],
      ['count beyond the value', Uint8Array.of(1, 100, 0), /count exceeds/],
      ['update past the end', Uint8Array.of(1, 1, 9, 1, 2), /past the end/],
      ['trailing bytes', Uint8Array.from([...good, 0]), /trailing bytes/],
      ...Array.from({ length: good.length - 1 }, (_, cut) => [`cut at ${cut}`, good.slice(0, cut), /corrupt/] as [string, Uint8Array, RegExp]),
    ]
    for (const [what, value, why] of corrupt) {
      let error: unknown
      try {
        codec.decodeEntry('v1!d!x!l!000000000001!000000000002', value)
      } catch (err) {
        error = err
      }
      expect(error, what).toBeInstanceOf(codec.CorruptValueError)
      expect((error as Error).message, what).toContain('stored value at v1!d!x!l!000000000001!000000000002 is corrupt')
      expect((error as Error).message, what).toMatch(why)
    }
  })

  it('round-trips checkpoints: format 2, the state vector, then the state', () => {
    const state = Uint8Array.of(5, 6, 7)
    const sv = Uint8Array.of(1, 9, 4)
    const value = codec.encodeCheckpoint(state, sv)
    expect([...value]).toEqual([2, 3, 1, 9, 4, 5, 6, 7])
    const decoded = codec.decodeCheckpoint('k', value)
    expect([...decoded.state]).toEqual([5, 6, 7])
    expect([...decoded.stateVector!]).toEqual([1, 9, 4])
    // without a known state vector: the empty one is written and none comes back
    const bare = codec.decodeCheckpoint('k', codec.encodeCheckpoint(state))
    expect([...bare.state]).toEqual([5, 6, 7])
    expect(bare.stateVector).toBeUndefined()
    expect([...codec.decodeCheckpoint('k', codec.encodeCheckpoint(new Uint8Array(0))).state]).toEqual([])
  })

  it('writes checkpoints byte for byte as lib0 encodes them, across varint widths of the state vector', () => {
    for (const svLength of [1, 127, 128, 16_384]) {
      const sv = new Uint8Array(svLength).fill(3)
      const state = new Uint8Array(svLength * 3 + 10).map((_, i) => i & 0xff)
      const e = encoding.createEncoder()
      encoding.writeUint8(e, 2)
      encoding.writeVarUint8Array(e, sv)
      encoding.writeUint8Array(e, state)
      expect(Buffer.from(codec.encodeCheckpoint(state, sv)).equals(encoding.toUint8Array(e)), `state vector of ${svLength} bytes`).toBe(true)
    }
  })

  it('still reads checkpoints of the first layout (format 1: the state alone)', () => {
    const decoded = codec.decodeCheckpoint('k', Uint8Array.of(1, 5, 6, 7))
    expect([...decoded.state]).toEqual([5, 6, 7])
    expect(decoded.stateVector).toBeUndefined()
  })

  it('rejects corrupt checkpoints with CorruptValueError naming the key', () => {
    for (const value of [new Uint8Array(0), Uint8Array.of(0, 1), Uint8Array.of(3, 0, 0), Uint8Array.of(2, 9, 0), Uint8Array.of(2, 0x80)]) {
      expect(() => codec.decodeCheckpoint('v1!d!x!c!000000000001!000000000002', value)).toThrow(codec.CorruptValueError)
      expect(() => codec.decodeCheckpoint('v1!d!x!c!000000000001!000000000002', value)).toThrow(/v1!d!x!c!000000000001!000000000002/)
    }
  })
})
