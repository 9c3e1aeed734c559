/**
 * server/storage/journal.ts: records round-trip; a segment cut at any byte or with a flipped bit
 * yields exactly the records before the damage; segments rotate, and applied ones are deleted;
 * recovery reads only what comes after the applied position; a clean close leaves nothing; a next
 * segment that cannot be opened for a while, or a failed write, loses and misplaces nothing; a
 * file read a chunk at a time reads exactly as read whole.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32, encodeRecords, Journal, readRecords, readSegment, type JournalEntry } from '../../server/storage/journal.js'
import { tempDir } from '../helpers/server.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

const entry = (docId: string, seq: number, ...bytes: number[][]): JournalEntry => ({
  docId,
  seq,
  time: 1_800_000_000_000 + seq,
  updates: bytes.map((b) => Uint8Array.from(b)),
})
const plain = (e: JournalEntry) => ({ ...e, updates: e.updates.map((u) => [...u]) })

describe('journal records', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('round-trip, each with the offset just past it', () => {
    const entries = [entry('a', 1, [1, 2, 3]), entry('b-doc', 7, [4], [5, 6]), entry('a', 2)]
    const bytes = encodeRecords(entries)
    const { records, unreadBytes } = readRecords(bytes)
    expect(records.map((r) => plain(r.entry))).toEqual(entries.map(plain))
    expect(records.at(-1)!.end).toBe(bytes.length)
    expect(unreadBytes).toBe(0)
  })

  it('round-trip across varint widths: long updates, large seqs and times', () => {
    const big = (n: number) => Array.from({ length: n }, (_, i) => (i * 31) & 0xff)
    const entries: JournalEntry[] = [
      { docId: 'x'.repeat(64), seq: 2 ** 40 + 3, time: 2 ** 52, updates: [big(127), big(128), big(16_384), big(70_000)].map((b) => Uint8Array.from(b)) },
      { docId: 'y', seq: 127, time: 128, updates: [] },
    ]
    const { records, unreadBytes } = readRecords(encodeRecords(entries))
    expect(records.map((r) => plain(r.entry))).toEqual(entries.map(plain))
    expect(unreadBytes).toBe(0)
  })

  it('a segment cut at any byte yields exactly the whole records before the cut', () => {
    const entries = [entry('a', 1, [1, 2, 3]), entry('b', 2, [9, 9, 9, 9]), entry('c', 3, [7])]
    const bytes = encodeRecords(entries)
    const ends = readRecords(bytes).records.map((r) => r.end)
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { records, unreadBytes } = readRecords(bytes.subarray(0, cut))
      const whole = ends.filter((end) => end <= cut).length
      expect(records.length, `cut at ${cut}`).toBe(whole)
      expect(unreadBytes, `cut at ${cut}`).toBe(cut - (ends[whole - 1] ?? 0))
    }
  })

  it('a flipped bit ends the segment at the damaged record', () => {
    const bytes = encodeRecords([entry('a', 1, [1, 2, 3]), entry('b', 2, [4, 5, 6]), entry('c', 3, [7])])
    const ends = readRecords(bytes).records.map((r) => r.end)
    for (let i = 0; i < bytes.length; i++) {
      const damaged = bytes.slice()
      damaged[i]! ^= 0x10
      const { records } = readRecords(damaged)
      // everything before the damaged record is intact; nothing after it is trusted
      const damagedRecord = ends.findIndex((end) => i < end)
      expect(records.length, `bit flipped in byte ${i}`).toBeLessThanOrEqual(damagedRecord)
      expect(records.map((r) => r.entry.docId)).toEqual(['a', 'b', 'c'].slice(0, records.length))
    }
  })

  it('tells a record cut short by the end of the file (a torn write) from one that does not check out (damage)', () => {
    const bytes = encodeRecords([entry('a', 1, [1, 2, 3]), entry('b', 2, [4, 5, 6])])
    const [first] = readRecords(bytes).records
    expect(readRecords(bytes).cutShort).toBe(true)
    for (let cut = first!.end + 1; cut < bytes.length; cut++) expect(readRecords(bytes.subarray(0, cut)).cutShort, `cut at ${cut}`).toBe(true)
    // zeros where the second record should be: a file grown whose write never landed
    const zeroed = bytes.slice()
    zeroed.fill(0, first!.end)
    expect(readRecords(zeroed)).toMatchObject({ unreadBytes: bytes.length - first!.end, cutShort: true })
    // a whole record with a changed byte, though the file goes on after it
    const damaged = bytes.slice()
    damaged[first!.end + 10]! ^= 0x01
    expect(readRecords(damaged)).toMatchObject({ unreadBytes: bytes.length - first!.end, cutShort: false })
  })
})

describe('Journal', () => {
  it('recovers what a previous run appended after the applied position, and deletes applied segments', () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const first = Journal.open(dir.dir, { segmentBytes: 64 })
    const p1 = first.append([entry('a', 1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])
    const p2 = first.append([entry('a', 2, [11]), entry('b', 1, [12])])
    first.append([entry('c', 1, [13])])
    expect(first.segments).toBeGreaterThan(1)
    // a crash: no close; the next run finds everything
    const second = Journal.open(dir.dir, { segmentBytes: 64 })
    expect(second.recover(null).entries.map((e) => `${e.entry.docId}:${e.entry.seq}`)).toEqual(['a:1', 'a:2', 'b:1', 'c:1'])
    expect(second.recover(p1).entries.map((e) => `${e.entry.docId}:${e.entry.seq}`)).toEqual(['a:2', 'b:1', 'c:1'])
    expect(second.recover(p2).entries.map((e) => `${e.entry.docId}:${e.entry.seq}`)).toEqual(['c:1'])
    second.applied(second.position)
    expect(readdirSync(dir.dir)).toEqual([readdirSync(dir.dir).sort().at(-1)])
    second.close(true)
    expect(readdirSync(dir.dir)).toEqual([])
  })

  it('a torn tail from a crash is skipped and reported; appends go to a new segment', () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const first = Journal.open(dir.dir)
    first.append([entry('a', 1, [1, 2, 3])])
    first.append([entry('a', 2, [4, 5, 6])])
    const file = join(dir.dir, readdirSync(dir.dir)[0]!)
    const bytes = readFileSync(file)
    writeFileSync(file, bytes.subarray(0, bytes.length - 3))
    const second = Journal.open(dir.dir)
    const { entries, droppedBytes } = second.recover(null)
    expect(entries.map((e) => e.entry.seq)).toEqual([1])
    expect(droppedBytes).toBeGreaterThan(0)
    second.append([entry('a', 3, [7])])
    expect(readdirSync(dir.dir).length).toBe(2)
    const third = Journal.open(dir.dir)
    expect(third.recover(null).entries.map((e) => e.entry.seq)).toEqual([1, 3])
  })

  it('a next segment that cannot be opened for a while fails no append and loses nothing', () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const journal = Journal.open(dir.dir, { segmentBytes: 64 })
    // the next segment's name is taken for a while (as when no descriptors or space are left)
    mkdirSync(join(dir.dir, '00000002.wal'))
    const big = Array.from({ length: 100 }, (_, i) => i)
    expect(journal.append([entry('a', 1, big)])).toEqual({ segment: 1, offset: expect.any(Number) })
    // the full segment grows on meanwhile
    expect(journal.append([entry('a', 2, [2])]).segment).toBe(1)
    rmdirSync(join(dir.dir, '00000002.wal'))
    expect(journal.append([entry('a', 3, [3])]).segment).toBe(2)
    journal.close(false)
    expect(Journal.open(dir.dir).recover(null).entries.map((e) => e.entry.seq)).toEqual([1, 2, 3])
  })

  it.runIf(existsSync('/dev/full'))('after a failed write, appends wait for a new segment that can be opened, then go on there', () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const segment = (n: number) => join(dir.dir, `0000000${n}.wal`)
    const journal = Journal.open(dir.dir, { segmentBytes: 64 })
    // segment 2 is a disk that is full: every write to it fails (ENOSPC)
    symlinkSync('/dev/full', segment(2))
    journal.append([entry('a', 1, Array.from({ length: 100 }, (_, i) => i))])
    expect(() => journal.append([entry('a', 2, [2])])).toThrow(/ENOSPC/)
    // the retry must not write after what failed: it needs segment 3, which cannot be opened yet
    mkdirSync(segment(3))
    expect(() => journal.append([entry('a', 2, [2])])).toThrow(/EISDIR/)
    expect(() => journal.append([entry('a', 2, [2])])).toThrow(/EISDIR/)
    rmdirSync(segment(3))
    expect(journal.append([entry('a', 2, [2])]).segment).toBe(3)
    expect(journal.append([entry('a', 3, [3])]).segment).toBe(3)
    journal.close(false)
    // (what the full disk holds: nothing)
    unlinkSync(segment(2))
    writeFileSync(segment(2), '')
    expect(Journal.open(dir.dir).recover(null).entries.map((e) => e.entry.seq)).toEqual([1, 2, 3])
  })
})

describe('readSegment', () => {
  it('reads a file a chunk at a time exactly as readRecords reads it whole: records, torn tails, zeros, damage, records longer than a chunk', () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const entries = [entry('a', 1, [1, 2, 3]), entry('b', 1, Array.from({ length: 300 }, (_, i) => i % 256)), entry('a', 2, [4]), entry('c', 1, [5, 6])]
    const bytes = Buffer.from(encodeRecords(entries))
    const ends = readRecords(bytes).records.map((r) => r.end)
    const zeroed = Buffer.from(bytes)
    zeroed.fill(0, ends[1]!)
    const damaged = Buffer.from(bytes)
    damaged[ends[0]! + 10]! ^= 0x01
    const files = { whole: bytes, torn: bytes.subarray(0, bytes.length - 3), zeroed, damaged, cutInHeader: bytes.subarray(0, ends[2]! + 5) }
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir.dir, `${name}.wal`)
      writeFileSync(path, content)
      const whole = readRecords(content)
      for (const chunk of [16, 64, 100, 1024]) {
        const reader = readSegment(path, chunk)
        const read: Array<{ entry: JournalEntry; end: number }> = []
        let next = reader.next()
        for (; !next.done; next = reader.next()) read.push(...next.value)
        expect(read.map((r) => ({ ...plain(r.entry), end: r.end })), `${name}, chunks of ${chunk}`).toEqual(whole.records.map((r) => ({ ...plain(r.entry), end: r.end })))
        expect(next.value, `${name}, chunks of ${chunk}`).toEqual({ offset: content.length - whole.unreadBytes, unreadBytes: whole.unreadBytes, cutShort: whole.cutShort })
      }
    }
  })
})
