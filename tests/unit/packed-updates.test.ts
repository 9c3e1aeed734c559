/**
 * server/storage/packed-updates.ts: updates come back byte for byte and in order after any mix of
 * appends and prefix drops (seeded) and whatever the size of the first, views stay intact after their chunk is dropped, the chunks
 * held stay proportional to what is kept, large updates are kept without a copy, and a packed batch
 * (one buffer, for the compaction worker) holds the same updates as the views.
 */
import { describe, expect, it } from 'vitest'
import { unpack } from '../../server/docs/compact.js'
import { PackedUpdates } from '../../server/storage/packed-updates.js'
import { seededRandom, testSeed } from '../helpers/wait.js'

/** An update of `length` bytes whose content says which one it is. */
function updateOf(n: number, length: number): Uint8Array {
  const u = new Uint8Array(length)
  for (let i = 0; i < length; i++) u[i] = (n * 31 + i) & 0xff
  return u
}

describe('PackedUpdates', () => {
  it('takes an update of any size as the first one (a paragraph pasted into a new batch)', () => {
    // around the first chunk's size and the size kept as a chunk of its own
    for (const length of [1, 1023, 1024, 1025, 1500, 2047, 2048, 2049, 5000]) {
      const packed = new PackedUpdates()
      const first = updateOf(1, length)
      const next = updateOf(2, 100)
      packed.push(first, 1)
      packed.push(next, 1)
      expect(packed.views(), `first update of ${length} bytes`).toEqual([first, next])
      expect(packed.bytes).toBe(length + 100)
    }
  })

  it('returns every update as appended after random appends and drops', () => {
    const seed = testSeed('packed updates: appends and drops')
    const random = seededRandom(seed)
    const packed = new PackedUpdates()
    const model: Array<{ seq: number; update: Uint8Array }> = []
    let seq = 0
    let n = 0
    for (let step = 0; step < 3000; step++) {
      const r = random()
      if (r < 0.9) {
        // several updates may share a log entry
        if (random() < 0.6) seq++
        // mostly typing-sized, now and then a paragraph (around the first chunk's size and the
        // size kept as its own chunk) or a paste larger than any chunk
        const kind = random()
        const length = kind < 0.01 ? 300_000 + Math.floor(random() * 10_000) : kind < 0.06 ? 500 + Math.floor(random() * 3000) : Math.floor(random() * 200)
        const update = updateOf(n++, length)
        packed.push(update, seq)
        model.push({ seq, update })
      } else {
        const upTo = Math.floor(random() * (seq + 1))
        packed.dropThrough(upTo)
        while (model.length > 0 && model[0]!.seq <= upTo) model.shift()
      }
      expect(packed.length).toBe(model.length)
      expect(packed.bytes).toBe(model.reduce((b, m) => b + m.update.length, 0))
      if (step % 100 === 99) {
        // packed up to a random entry, behind a base of its own
        const upTo = Math.floor(random() * (seq + 2))
        const base = updateOf(-1, Math.floor(random() * 300))
        const batch = packed.pack(upTo, base)
        const expected = [base, ...model.filter((m) => m.seq <= upTo).map((m) => m.update)]
        expect([...batch.lengths]).toEqual(expected.map((u) => u.length))
        expect(Buffer.from(batch.bytes).equals(Buffer.concat(expected))).toBe(true)
        expect(batch.bytes.byteOffset).toBe(0)
        expect(batch.bytes.buffer.byteLength).toBe(batch.bytes.length)
      }
    }
    const upTo = Math.floor(seq / 2)
    expect(packed.views(upTo)).toEqual(model.filter((m) => m.seq <= upTo).map((m) => m.update))
    expect(packed.views()).toEqual(model.map((m) => m.update))
    expect(unpack(packed.pack())).toEqual(model.map((m) => m.update))
  })

  it('keeps a view intact after its updates are dropped', () => {
    const packed = new PackedUpdates()
    for (let i = 0; i < 100; i++) packed.push(updateOf(i, 50), i + 1)
    const kept = packed.views(10)
    const copies = kept.map((u) => Uint8Array.from(u))
    packed.dropThrough(100)
    for (let i = 0; i < 100; i++) packed.push(updateOf(1000 + i, 50), 101 + i)
    expect(kept).toEqual(copies)
  })

  it('holds chunks in proportion to what it keeps, and none once empty', () => {
    const packed = new PackedUpdates()
    for (let i = 1; i <= 20_000; i++) packed.push(updateOf(i, 30), i)
    // chunks double: at most twice what is held, plus the first chunk
    expect(packed.capacity).toBeLessThanOrEqual(2 * packed.bytes + 1024)
    packed.dropThrough(19_990)
    // the ten left sat in a 256 KiB chunk: they are packed anew into a small one
    expect(packed.capacity).toBeLessThanOrEqual(2 * packed.bytes + 1024)
    expect(packed.views()).toEqual(Array.from({ length: 10 }, (_, k) => updateOf(19_991 + k, 30)))
    packed.dropThrough(20_000)
    expect(packed.capacity).toBe(0)
    expect(packed.length).toBe(0)
    expect(packed.bytes).toBe(0)
  })

  it('holds chunks in proportion when pastes and keystrokes alternate', () => {
    const packed = new PackedUpdates()
    for (let i = 1; i <= 200; i++) {
      packed.push(updateOf(i, 2048), i)
      packed.push(updateOf(-i, 10), i)
    }
    expect(packed.capacity).toBeLessThanOrEqual(2 * packed.bytes + 1024)
    expect(packed.views()[399]).toEqual(updateOf(-200, 10))
  })

  it('keeps a large update as it is, without a copy', () => {
    const packed = new PackedUpdates()
    const big = updateOf(1, 50_000)
    packed.push(updateOf(2, 10), 1)
    packed.push(big, 2)
    packed.push(updateOf(3, 10), 3)
    expect(packed.views()[1]!.buffer).toBe(big.buffer)
    // after it, small updates start over in a small chunk
    expect(packed.capacity).toBe(1024 + 50_000 + 1024)
    packed.dropThrough(1)
    expect(packed.views()).toEqual([big, updateOf(3, 10)])
    expect(packed.views()[0]!.buffer).toBe(big.buffer)
  })

  it('ignores a drop below its first entry', () => {
    const packed = new PackedUpdates()
    packed.push(updateOf(1, 10), 5)
    packed.dropThrough(4)
    expect(packed.views()).toEqual([updateOf(1, 10)])
  })
})
