/**
 * shared/awareness.ts: the awareness update codec round-trips byte for byte (and matches
 * y-protocols' own encoder), and rejects invalid JSON states, lying counts, truncation and
 * trailing bytes with FrameError.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as awareness from '../../shared/awareness.js'
import { FrameError } from '../../shared/frame.js'

function rejects(bytes: number[] | Uint8Array): FrameError {
  try {
    awareness.decode(Uint8Array.from(bytes))
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError)
    return err as FrameError
  }
  throw new Error(`decode accepted [${[...bytes].join(', ')}]`)
}

const utf8 = (s: string) => [...new TextEncoder().encode(s)]

describe('awareness codec', () => {
  it('round-trips entries, the removal text "null", large ids and clocks, and non-ASCII states', () => {
    const entries: awareness.AwarenessEntry[] = [
      { clientId: 1, clock: 0, state: '{"user":{"name":"Ada","color":"#f00"}}' },
      { clientId: 2 ** 32 - 1, clock: 2 ** 40, state: awareness.REMOVED },
      { clientId: 300, clock: 128, state: '{"name":"Zoë ✓ 🙂"}' },
      { clientId: 7, clock: 1, state: '{}' },
    ]
    const bytes = awareness.encode(entries)
    expect(awareness.decode(bytes)).toEqual(entries)
    // the iterable form writes the same bytes
    expect([...awareness.encode(new Set(entries))]).toEqual([...bytes])
  })

  it('writes the documented layout: count, then id, clock, varstring JSON per entry', () => {
    expect([...awareness.encode([{ clientId: 5, clock: 2, state: 'null' }])]).toEqual([1, 5, 2, 4, ...utf8('null')])
    expect([...awareness.encode([])]).toEqual([0])
    expect(awareness.decode(Uint8Array.of(0))).toEqual([])
  })

  it('decodes what a stock y-protocols Awareness encodes, and the stock side applies what we encode', () => {
    const doc = new Y.Doc()
    const stock = new awarenessProtocol.Awareness(doc)
    stock.setLocalState({ user: { name: 'Grace' }, cursor: null })
    const update = awarenessProtocol.encodeAwarenessUpdate(stock, [doc.clientID])
    const [entry] = awareness.decode(update)
    expect(entry!.clientId).toBe(doc.clientID)
    expect(entry!.clock).toBe(stock.meta.get(doc.clientID)!.clock)
    expect(JSON.parse(entry!.state)).toEqual({ user: { name: 'Grace' }, cursor: null })
    expect([...awareness.encode([entry!])]).toEqual([...update])

    const otherDoc = new Y.Doc()
    const other = new awarenessProtocol.Awareness(otherDoc)
    awarenessProtocol.applyAwarenessUpdate(other, awareness.encode([{ clientId: 4242, clock: 3, state: '{"n":1}' }]), 'test')
    expect(other.getStates().get(4242)).toEqual({ n: 1 })
    stock.destroy()
    other.destroy()
    doc.destroy()
    otherDoc.destroy()
  })

  it('reads any JSON null as the removal text, as clients do', () => {
    const bytes = Uint8Array.from([1, 7, 3, 6, ...utf8(' null ')])
    expect(awareness.decode(bytes)).toEqual([{ clientId: 7, clock: 3, state: awareness.REMOVED }])
  })

  it('rejects a state that is not valid JSON', () => {
    for (const state of ['', '{', 'undefined', "{'a':1}", '{"a":1}x']) {
      const err = rejects(awareness.encode([{ clientId: 1, clock: 1, state }]))
      expect(err.message, JSON.stringify(state)).toMatch(/malformed awareness state/)
    }
  })

  it('scan reads the layout without decoding states; stateOf checks a state when it is needed', () => {
    const bytes = awareness.encode([
      { clientId: 1, clock: 2, state: '{"a":1}' },
      { clientId: 3, clock: 4, state: 'not json' },
    ])
    const scanned = awareness.scan(bytes)
    expect(scanned.map((e) => [e.clientId, e.clock, new TextDecoder().decode(e.raw)])).toEqual([
      [1, 2, '{"a":1}'],
      [3, 4, 'not json'],
    ])
    expect(awareness.stateOf(scanned[0]!.raw)).toBe('{"a":1}')
    expect(() => awareness.stateOf(scanned[1]!.raw)).toThrow(FrameError)
    expect(awareness.stateOf(new TextEncoder().encode(' null '))).toBe(awareness.REMOVED)
  })

  it('rejects a state starting with a byte-order mark, which a stock client fails to parse', () => {
    // lib0 reads strings with ignoreBOM: a relayed U+FEFF stays in the text and JSON.parse throws
    const bytes = Uint8Array.from([1, 1, 1, 5, 0xef, 0xbb, 0xbf, ...utf8('{}')])
    const stock = new awarenessProtocol.Awareness(new Y.Doc())
    expect(() => awarenessProtocol.applyAwarenessUpdate(stock, bytes, 'test')).toThrow(SyntaxError)
    stock.doc.destroy()
    stock.destroy()
    expect(rejects(bytes).message).toMatch(/malformed awareness state/)
    expect(() => awareness.stateOf(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('null')]))).toThrow(FrameError)
  })

  it('rejects a state that is not valid UTF-8', () => {
    rejects([1, 1, 1, 2, 0xc3, 0x28])
  })

  it('rejects an entry count larger than the message', () => {
    expect(rejects([5, 1, 1, 4, ...utf8('null')]).message).toMatch(/malformed|count|past/)
    expect(rejects([100, 1, 1, 4, ...utf8('null')]).message).toBe('awareness entry count exceeds the message')
    // a count near 2^53 fails fast
    expect(rejects([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]).message).toBe('awareness entry count exceeds the message')
  })

  it('rejects every truncation of a valid update', () => {
    const bytes = awareness.encode([
      { clientId: 1000, clock: 5, state: '{"a":[1,2]}' },
      { clientId: 2, clock: 300, state: 'null' },
    ])
    for (let cut = 0; cut < bytes.length; cut++) rejects(bytes.subarray(0, cut))
  })

  it('rejects a state length that runs past the end', () => {
    expect(rejects([1, 1, 1, 10, ...utf8('null')]).message).toBe('awareness state runs past the end')
  })

  it('rejects trailing bytes', () => {
    const bytes = [...awareness.encode([{ clientId: 1, clock: 1, state: '{}' }])]
    expect(rejects([...bytes, 0]).message).toBe('trailing bytes after awareness update')
    expect(rejects([0, 0]).message).toBe('trailing bytes after awareness update')
  })
})
