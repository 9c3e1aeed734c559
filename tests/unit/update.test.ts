/**
 * server/sync/update.ts: `inspect` accepts real Yjs updates with their exact clock ranges, sees
 * delete-only updates as non-empty and [0, 0] as empty, and rejects truncated, over-long and
 * random bytes with InvalidUpdateError only (rule S3); `checkStateVector` accepts exactly the
 * encoded state vectors. Randomised cases print their seed (SEED=... replays one).
 */
import { describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { checkStateVector, inspect, InvalidUpdateError, type UpdateInfo } from '../../server/sync/update.js'
import { seededRandom, testSeed } from '../helpers/wait.js'
import { recordingDoc } from '../helpers/ydoc.js'

/** Runs `inspect` and returns the InvalidUpdateError; fails on acceptance or any other error. */
function invalid(update: Uint8Array): InvalidUpdateError {
  let result: UpdateInfo
  try {
    result = inspect(update)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidUpdateError)
    return err as InvalidUpdateError
  }
  throw new Error(`inspect accepted [${[...update].join(', ')}] as ${JSON.stringify(result)}`)
}

/** A realistic update history: text, map, array, formatting, nested types, deletions. */
function richHistory(): { doc: Y.Doc; updates: Uint8Array[] } {
  const r = recordingDoc(77)
  const text = r.doc.getText('title')
  text.insert(0, 'Hello world')
  text.format(0, 5, { bold: true })
  text.delete(5, 6)
  const map = r.doc.getMap('meta')
  map.set('n', 42)
  map.set('bin', Uint8Array.of(1, 2, 3))
  map.set('json', { a: [1, 'x', null], b: true })
  const nested = new Y.Array<unknown>()
  map.set('list', nested)
  nested.push(['a', 2, { c: 3 }])
  const frag = r.doc.getXmlFragment('content')
  const p = new Y.XmlElement('paragraph')
  frag.insert(0, [p])
  p.insert(0, [new Y.XmlText('body text')])
  p.setAttribute('align', 'left')
  map.delete('n')
  return r
}

describe('inspect accepts real updates', () => {
  it('an insert gives its client and clock range', () => {
    const { doc, updates } = recordingDoc(1234)
    doc.getText('t').insert(0, 'hello')
    expect(inspect(updates[0]!)).toEqual({ empty: false, ranges: [{ client: 1234, start: 0, end: 5, contiguous: true }] })
    doc.getText('t').insert(5, ' you')
    expect(inspect(updates[1]!)).toEqual({ empty: false, ranges: [{ client: 1234, start: 5, end: 9, contiguous: true }] })
  })

  it('a full state of several clients gives one range per client', () => {
    const a = recordingDoc(10)
    const b = recordingDoc(20)
    a.doc.getText('t').insert(0, 'abc')
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    b.doc.getText('t').insert(3, 'defg')
    const info = inspect(Y.encodeStateAsUpdate(b.doc))
    expect(info.empty).toBe(false)
    expect([...info.ranges].sort((x, y) => x.client - y.client)).toEqual([
      { client: 10, start: 0, end: 3, contiguous: true },
      { client: 20, start: 0, end: 4, contiguous: true },
    ])
  })

  it('every update of a rich editing history is accepted, and their ranges tile each client from 0', () => {
    const { doc, updates } = richHistory()
    let next = 0
    for (const update of updates) {
      const info = inspect(update)
      for (const range of info.ranges) {
        expect(range).toMatchObject({ client: 77, start: next, contiguous: true })
        expect(range.end).toBeGreaterThan(range.start)
        next = range.end
      }
    }
    expect(next).toBe(Y.decodeStateVector(Y.encodeStateVector(doc)).get(77))
    expect(inspect(Y.encodeStateAsUpdate(doc)).ranges).toEqual([{ client: 77, start: 0, end: next, contiguous: true }])
  })

  it('a merged update with a gap is accepted with a non-contiguous range', () => {
    const r = recordingDoc(5)
    r.doc.getText('t').insert(0, 'ab')
    r.doc.getText('t').insert(2, 'cd')
    r.doc.getText('t').insert(4, 'ef')
    const merged = Y.mergeUpdates([r.updates[0]!, r.updates[2]!])
    expect(inspect(merged)).toEqual({ empty: false, ranges: [{ client: 5, start: 0, end: 6, contiguous: false }] })
    // an update that starts above zero is contiguous by itself
    expect(inspect(r.updates[2]!).ranges).toEqual([{ client: 5, start: 4, end: 6, contiguous: true }])
  })

  it('a delete-only update is not empty and has no ranges', () => {
    const { doc, updates } = recordingDoc(9)
    doc.getText('t').insert(0, 'abcdef')
    doc.getText('t').delete(1, 3)
    expect(updates.length).toBe(2)
    expect(inspect(updates[1]!)).toEqual({ empty: false, ranges: [] })
  })

  it('the empty update [0, 0] is empty; a diff against a complete state vector has no ranges', () => {
    expect(inspect(Uint8Array.of(0, 0))).toEqual({ empty: true, ranges: [] })
    const { doc } = richHistory()
    const nothingNew = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
    // the diff still carries the delete set, so it is not empty
    expect(inspect(nothingNew)).toEqual({ empty: false, ranges: [] })
    const fresh = new Y.Doc()
    expect(inspect(Y.encodeStateAsUpdate(fresh))).toEqual({ empty: true, ranges: [] })
  })
})

describe('inspect rejects what does not decode completely (S3)', () => {
  it('the empty byte string and a lone zero are truncated', () => {
    invalid(new Uint8Array(0))
    invalid(Uint8Array.of(0))
  })

  it('every truncation of real updates is rejected', () => {
    const { doc, updates } = richHistory()
    for (const update of [...updates, Y.encodeStateAsUpdate(doc)]) {
      for (let cut = 0; cut < update.length; cut++) invalid(update.subarray(0, cut).slice())
    }
  })

  it('any trailing bytes are rejected', () => {
    const { doc, updates } = richHistory()
    for (const update of [Uint8Array.of(0, 0), ...updates, Y.encodeStateAsUpdate(doc)]) {
      for (const extra of [[0], [0, 0], [1, 2, 3]]) {
        const err = invalid(Uint8Array.from([...update, ...extra]))
        expect(err.message).toMatch(/trailing bytes|does not decode/)
      }
    }
  })

  it('a content length that runs past the end is rejected', () => {
    const { doc, updates } = recordingDoc(3)
    doc.getMap('m').set('k', Uint8Array.of(1, 2, 3, 4))
    const update = updates[0]!
    // the binary content is the last varbytes before the delete set: [..., 4, 1, 2, 3, 4, 0]
    const at = update.length - 6
    expect([...update.subarray(at)]).toEqual([4, 1, 2, 3, 4, 0])
    const lying = update.slice()
    lying[at] = 100
    invalid(lying)
  })

  it(`random bytes are rejected with InvalidUpdateError and nothing else (seeded)`, () => {
    const seed = testSeed('inspect random bytes')
    const rand = seededRandom(seed)
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))
      try {
        inspect(bytes)
        accepted++
      } catch (err) {
        if (!(err instanceof InvalidUpdateError)) throw new Error(`seed ${seed}: [${[...bytes]}] threw ${String(err)}`)
      }
    }
    // random bytes almost never form a complete update
    expect(accepted, `seed ${seed}`).toBeLessThan(300)
  })

  it('mutated real updates are rejected with InvalidUpdateError or decode with sane ranges (seeded)', () => {
    const seed = testSeed('inspect mutated updates')
    const rand = seededRandom(seed)
    const { doc, updates } = richHistory()
    const sources = [...updates, Y.encodeStateAsUpdate(doc)]
    for (let i = 0; i < 3000; i++) {
      const bytes = sources[Math.floor(rand() * sources.length)]!.slice()
      const flips = 1 + Math.floor(rand() * 3)
      for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
      let info: UpdateInfo
      try {
        info = inspect(bytes)
      } catch (err) {
        if (!(err instanceof InvalidUpdateError)) throw new Error(`seed ${seed}: [${[...bytes]}] threw ${String(err)}`)
        continue
      }
      // whatever decodes has sane ranges (see the .fails test below for what decoding misses)
      expect(info.ranges.every((r) => r.end >= r.start), `seed ${seed}`).toBe(true)
    }
  })
})

describe('updates that decode but break what Yjs assumes', () => {
  // Found by the mutation test above: they decode completely, yet every stock client throws
  // applying them (and so would compaction), so once stored they would break the document for
  // everyone. inspect() rejects them (PROTOCOL.md S3); tests/fuzz/updates.test.ts hunts for more.
  const poisons: Record<string, Uint8Array> = {
    // one item whose parent is item 1:116 of its own client, which Yjs assumes is older and present
    'a parent reference to a later clock of the same client': Uint8Array.of(1, 1, 1, 0, 4, 0, 1, 116, 2, 97, 98, 0),
    // one item whose left origin is a later clock of its own client
    'an origin reference to a later clock of the same client': Uint8Array.of(1, 1, 11, 0, 196, 11, 102, 11, 3, 2, 97, 98, 0),
    // no structs; one deletion of length 0 at 1:89 (Yjs: "Unexpected case")
    'a zero-length deletion': Uint8Array.of(0, 1, 1, 1, 89, 0),
  }

  for (const [name, poison] of Object.entries(poisons)) {
    it(`${name}: a stock Y.Doc cannot apply it, and inspect rejects it`, () => {
      expect(() => Y.applyUpdate(new Y.Doc(), poison)).toThrow()
      expect(() => inspect(poison)).toThrow(InvalidUpdateError)
    })
  }
})

describe('checkStateVector', () => {
  it('accepts real state vectors, including the empty one', () => {
    const a = recordingDoc(1)
    a.doc.getText('t').insert(0, 'x'.repeat(300))
    const b = recordingDoc(2 ** 31)
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    b.doc.getText('t').insert(0, 'y')
    for (const sv of [Y.encodeStateVector(new Y.Doc()), Y.encodeStateVector(a.doc), Y.encodeStateVector(b.doc), Uint8Array.of(0)]) {
      expect(() => checkStateVector(sv)).not.toThrow()
    }
    expect([...Y.encodeStateVector(new Y.Doc())]).toEqual([0])
  })

  it('rejects empty, truncated, over-long and lying state vectors with InvalidUpdateError', () => {
    const a = recordingDoc(123456)
    a.doc.getText('t').insert(0, 'x'.repeat(200))
    const sv = Y.encodeStateVector(a.doc)
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      ...Array.from({ length: sv.length - 1 }, (_, cut) => sv.subarray(0, cut + 1)),
      Uint8Array.from([...sv, 0]),
      Uint8Array.of(0, 0),
      Uint8Array.of(2, 1, 1),
      Uint8Array.of(0x80),
      // a count of 2^49 must fail fast
      Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1, 1),
      // a number wider than 53 bits
      Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1),
    ]
    for (const b of bad) {
      expect(() => checkStateVector(b), `[${[...b]}]`).toThrow(InvalidUpdateError)
    }
  })

  it('accepts exactly the byte strings that read as a count and that many pairs (seeded)', () => {
    const seed = testSeed('checkStateVector random')
    const rand = seededRandom(seed)
    const outcomes = { accepted: 0, rejected: 0 }
    for (let i = 0; i < 2000; i++) {
      // a real-looking state vector, then sometimes cut, extended or with one byte changed
      const e = encoding.createEncoder()
      const count = Math.floor(rand() * 4)
      encoding.writeVarUint(e, count)
      for (let k = 0; k < count; k++) {
        encoding.writeVarUint(e, Math.floor(rand() * 2 ** 32))
        encoding.writeVarUint(e, Math.floor(rand() * 2 ** (rand() * 40)))
      }
      let bytes = encoding.toUint8Array(e)
      const how = rand()
      if (how < 0.25) bytes = bytes.slice(0, Math.floor(rand() * bytes.length))
      else if (how < 0.5) bytes = Uint8Array.from([...bytes, Math.floor(rand() * 256)])
      else if (how < 0.75) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
      let ok = true
      try {
        checkStateVector(bytes)
      } catch (err) {
        if (!(err instanceof InvalidUpdateError)) throw new Error(`seed ${seed}: [${[...bytes]}] threw ${String(err)}`)
        ok = false
      }
      // the oracle: lib0 reads a count and that many pairs, and ends exactly at the end
      let readsExactly: boolean
      try {
        const d = decoding.createDecoder(bytes)
        const count = decoding.readVarUint(d)
        for (let e = 0; e < count; e++) {
          decoding.readVarUint(d)
          decoding.readVarUint(d)
        }
        readsExactly = d.pos === bytes.length
      } catch {
        readsExactly = false
      }
      expect(ok, `seed ${seed}: [${[...bytes]}]`).toBe(readsExactly)
      if (ok) expect(() => Y.decodeStateVector(bytes)).not.toThrow()
      outcomes[ok ? 'accepted' : 'rejected']++
    }
    // the generator must exercise both sides
    expect(outcomes.accepted, `seed ${seed}`).toBeGreaterThan(20)
    expect(outcomes.rejected, `seed ${seed}`).toBeGreaterThan(20)
  })
})
