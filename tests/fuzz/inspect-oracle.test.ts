/**
 * `inspect` reads updates with its own scanner (no Y.Item objects). Here it is checked against an
 * oracle built on Yjs's own decoder (Y.decodeUpdateV2 with the v1 decoder, as `inspect` did
 * before): on real updates of every content type and on seeded mutations of them, both must
 * accept the same byte strings with the same clock ranges, and reject the same ones.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { inspect, type UpdateInfo } from '../../server/sync/update.js'
import { seededRandom, testSeed } from '../helpers/wait.js'
import { recordingDoc } from '../helpers/ydoc.js'

let lastDecoder: { pos: number } | null = null
class TrackingDecoder extends Y.UpdateDecoderV1 {
  constructor(decoder: { pos: number; arr: Uint8Array }) {
    super(decoder as never)
    lastDecoder = decoder
  }
}

/** The oracle: Yjs decodes it completely, plus the rules inspect adds (lengths, own-client references). */
function oracle(update: Uint8Array): UpdateInfo | null {
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>; ds: { clients: Map<number, Array<{ len: number }>> } }
  try {
    lastDecoder = null
    decoded = Y.decodeUpdateV2(update, TrackingDecoder as unknown as typeof Y.UpdateDecoderV1) as never
  } catch {
    return null
  }
  if (lastDecoder === null || (lastDecoder as { pos: number }).pos !== update.length) return null
  const { structs, ds } = decoded
  for (const s of structs) {
    if (!(s.length > 0)) return null
    if (!(s instanceof Y.Item)) continue
    const parent = s.parent instanceof Y.ID ? s.parent : null
    for (const ref of [s.origin, s.rightOrigin, parent]) if (ref !== null && ref.client === s.id.client && ref.clock >= s.id.clock) return null
  }
  const ranges: Array<{ client: number; start: number; end: number; contiguous: boolean }> = []
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
    for (const item of items) {
      if (!(item.len > 0)) return null
      deletes = true
    }
  }
  return { empty: structs.length === 0 && !deletes, ranges }
}

function inspected(update: Uint8Array): UpdateInfo | null {
  try {
    return inspect(update)
  } catch {
    return null
  }
}

/** Updates with every content type Yjs writes today: strings, formats, embeds, binary, any, types, subdocuments, deletes. */
function richHistory(rand: () => number): Uint8Array[] {
  const { doc, updates } = recordingDoc(7)
  const t = doc.getText('t')
  const m = doc.getMap('m')
  const a = doc.getArray('a')
  const x = doc.getXmlFragment('x')
  for (let i = 0; i < 40; i++) {
    const r = rand()
    if (r < 0.2) t.insert(Math.floor(rand() * (t.length + 1)), rand() < 0.2 ? 'é😀x' : 'ab')
    else if (r < 0.3) t.format(0, Math.min(3, t.length), { bold: true, link: { href: 'x' } })
    else if (r < 0.35) t.insertEmbed(0, { image: 'a.png' })
    else if (r < 0.45) m.set(`k${i % 4}`, [1, 2.5, 'x', null, true, { o: [1] }, new Uint8Array([1, 2])][i % 7] as never)
    else if (r < 0.5) m.set('bin', new Uint8Array([9, 8, 7]))
    else if (r < 0.55) m.set('sub', new Y.Doc({ guid: `g${i}` }))
    else if (r < 0.65) a.insert(0, [i, `s${i}`, { k: i }])
    else if (r < 0.75) {
      const el = new Y.XmlElement('p')
      el.setAttribute('class', 'c')
      x.insert(0, [el])
      el.insert(0, [new Y.XmlText('hi')])
    } else if (r < 0.8) x.insert(0, [new Y.XmlHook('hook') as never])
    else if (r < 0.9 && t.length > 1) t.delete(0, 1)
    else if (a.length > 0) a.delete(0, 1)
  }
  return updates
}

/** A hand-made update of one item with legacy ContentJSON (ref 2) or ContentDoc (ref 9) content. */
function handMade(ref: 2 | 9, body: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // one client
  encoding.writeVarUint(e, 1) // one struct
  encoding.writeVarUint(e, 5) // client
  encoding.writeVarUint(e, 0) // clock
  encoding.writeUint8(e, ref) // info: no origins, parent info follows
  encoding.writeVarUint(e, 1) // parent is a root type
  encoding.writeVarString(e, 'm')
  body(e)
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

/** A one-item string insert (ContentString) whose root type name and text are the given raw bytes. */
function stringItem(name: Uint8Array, text: Uint8Array, textLength = text.length): Uint8Array {
  const e = encoding.createEncoder()
  for (const n of [1, 1, 5, 0]) encoding.writeVarUint(e, n) // one client, one struct, client 5, clock 0
  encoding.writeUint8(e, 4) // info: ContentString, no origins, parent info follows
  encoding.writeVarUint(e, 1) // parent is a root type
  encoding.writeVarUint8Array(e, name)
  encoding.writeVarUint(e, textLength)
  encoding.writeUint8Array(e, text)
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

describe('inspect agrees with Yjs\'s own decoder', () => {
  it('on strings: ASCII, multi-byte, invalid UTF-8, and lengths running past the end', () => {
    const utf8 = (s: string) => new TextEncoder().encode(s)
    const bad = [Uint8Array.of(0x80), Uint8Array.of(0x61, 0xc3), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xff, 0x61)]
    const cases = [
      stringItem(utf8('t'), utf8('hello')),
      stringItem(utf8('t'), utf8('é😀x')),
      stringItem(utf8('prosemirror'), utf8('a\u0000\u007f')),
      stringItem(utf8('tö'), utf8('x')),
      stringItem(utf8('t'), utf8('')),
      ...bad.map((b) => stringItem(utf8('t'), b)),
      ...bad.map((b) => stringItem(b, utf8('x'))),
      stringItem(utf8('t'), utf8('abc'), 4),
      stringItem(utf8('t'), utf8('é'), 3),
    ]
    const got = cases.map(inspected)
    expect(got.map((u) => u !== null)).toEqual([true, true, true, true, false, ...bad.map(() => false), ...bad.map(() => false), false, false])
    // the clock range counts UTF-16 code units, as Yjs does: 'é😀x' is 4 of them in 7 bytes
    expect(got[1]!.ranges).toEqual([{ client: 5, start: 0, end: 4, contiguous: true }])
    cases.forEach((u, i) => expect(inspected(u), `case ${i}`).toEqual(oracle(u)))
  })


  it('on legacy JSON content and subdocument options', () => {
    const cases = [
      handMade(2, (e) => {
        encoding.writeVarUint(e, 3)
        for (const s of ['1', 'undefined', '{"a":2}']) encoding.writeVarString(e, s)
      }),
      handMade(2, (e) => {
        encoding.writeVarUint(e, 1)
        encoding.writeVarString(e, '{nope')
      }),
      handMade(9, (e) => {
        encoding.writeVarString(e, 'guid')
        encoding.writeAny(e, { autoLoad: true })
      }),
      handMade(9, (e) => {
        encoding.writeVarString(e, 'guid')
        encoding.writeAny(e, null)
      }),
    ]
    expect(cases.map((u) => inspected(u) !== null)).toEqual([true, false, true, false])
    for (const u of cases) expect(inspected(u)).toEqual(oracle(u))
  })

  it('on real updates of every content type, and on seeded mutations of them', () => {
    const seed = testSeed('inspect oracle')
    const rand = seededRandom(seed)
    let accepted = 0
    let checked = 0
    for (let h = 0; h < 20; h++) {
      const updates = richHistory(rand)
      const whole = Y.mergeUpdates(updates)
      for (const u of [...updates, whole]) {
        expect(inspected(u), `seed ${seed}: a real update`).toEqual(oracle(u))
        expect(inspected(u)).not.toBeNull()
      }
      for (let n = 0; n < 300; n++) {
        const base = rand() < 0.2 ? whole : updates[Math.floor(rand() * updates.length)]!
        let bytes = base.slice()
        const r = rand()
        if (r < 0.6) {
          for (let f = 0, flips = 1 + Math.floor(rand() * 3); f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
        } else if (r < 0.8) {
          const at = Math.floor(rand() * bytes.length)
          bytes = Uint8Array.from([...bytes.subarray(0, at), Math.floor(rand() * 256), ...bytes.subarray(at)])
        } else {
          const at = Math.floor(rand() * bytes.length)
          bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)])
        }
        const want = oracle(bytes)
        expect(inspected(bytes), `seed ${seed}: [${[...bytes]}]`).toEqual(want)
        checked++
        if (want !== null) accepted++
      }
    }
    // the mutations must exercise both outcomes
    expect(accepted).toBeGreaterThan(50)
    expect(checked - accepted).toBeGreaterThan(50)
  })
})
