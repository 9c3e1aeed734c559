/**
 * shared/frame.ts: every writer round-trips through `decode` with the exact bytes of
 * PROTOCOL.md; truncated, malformed and over-long frames throw FrameError (unsupported only
 * for unknown message types, rule F3).
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as frame from '../../shared/frame.js'
import { MessageType, SyncType } from '../../shared/protocol.js'

/** Decodes and returns the FrameError, failing the test when decode succeeds or throws something else. */
function frameError(bytes: Uint8Array | number[]): frame.FrameError {
  try {
    frame.decode(Uint8Array.from(bytes))
  } catch (err) {
    expect(err).toBeInstanceOf(frame.FrameError)
    return err as frame.FrameError
  }
  throw new Error(`decode accepted [${[...bytes].join(', ')}]`)
}

const bytesOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff)

describe('frame writers and decode', () => {
  it('sync step 1 is 0, 0, varbytes state vector', () => {
    const sv = Uint8Array.of(1, 200, 1, 5)
    const f = frame.syncStep1(sv)
    expect([...f]).toEqual([0, 0, 4, 1, 200, 1, 5])
    const msg = frame.decode(f)
    expect(msg.kind).toBe('sync-step1')
    expect([...(msg as { stateVector: Uint8Array }).stateVector]).toEqual([1, 200, 1, 5])
  })

  it('sync step 2 and update carry the update bytes, with a multi-byte length when large', () => {
    const small = bytesOf(3)
    expect([...frame.syncStep2(small)]).toEqual([0, 1, 3, ...small])
    expect([...frame.update(small)]).toEqual([0, 2, 3, ...small])

    const large = bytesOf(300, 7)
    const f = frame.update(large)
    // 300 = 0b10_0101100: varuint bytes 0xac, 0x02
    expect([...f.subarray(0, 4)]).toEqual([0, 2, 0xac, 0x02])
    expect(f.length).toBe(304)
    const msg = frame.decode(f)
    expect(msg.kind).toBe('update')
    expect([...(msg as { update: Uint8Array }).update]).toEqual([...large])
    const step2 = frame.decode(frame.syncStep2(large))
    expect(step2.kind).toBe('sync-step2')
    expect([...(step2 as { update: Uint8Array }).update]).toEqual([...large])
  })

  it('sync step 2 and update match what y-protocols writes, byte for byte, at every length size', () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 300_000]) {
      const payload = bytesOf(n, n)
      for (const [ours, write] of [
        // y-protocols writes a step 2 from a Y.Doc only; its layout is the update's, with its own type
        [frame.syncStep2, (e: encoding.Encoder, u: Uint8Array) => (encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2), encoding.writeVarUint8Array(e, u))],
        [frame.update, syncProtocol.writeUpdate],
      ] as const) {
        const e = encoding.createEncoder()
        encoding.writeVarUint(e, MessageType.Sync)
        write(e, payload)
        expect(Buffer.from(ours(payload)).equals(Buffer.from(encoding.toUint8Array(e))), `${n} bytes`).toBe(true)
      }
    }
  })

  it('an empty payload round-trips', () => {
    expect(frame.decode(frame.update(new Uint8Array(0)))).toEqual({ kind: 'update', update: new Uint8Array(0) })
    expect(frame.decode(frame.syncStep1(new Uint8Array(0)))).toEqual({ kind: 'sync-step1', stateVector: new Uint8Array(0) })
  })

  it('awareness is 1, varbytes update', () => {
    const update = Uint8Array.of(1, 5, 2, 4, 0x6e, 0x75, 0x6c, 0x6c)
    const f = frame.awareness(update)
    expect([...f]).toEqual([1, 8, ...update])
    expect(frame.decode(f)).toEqual({ kind: 'awareness', update })
  })

  it('query awareness is the single byte 3', () => {
    expect([...frame.queryAwareness()]).toEqual([3])
    expect(frame.decode(frame.queryAwareness())).toEqual({ kind: 'query-awareness' })
  })

  it('permission denied is 2, 0, varstring reason, UTF-8 included', () => {
    const f = frame.permissionDenied('nö')
    expect([...f]).toEqual([2, 0, 3, 0x6e, 0xc3, 0xb6])
    expect(frame.decode(f)).toEqual({ kind: 'permission-denied', reason: 'nö' })
  })

  it('saved request and saved are 100, subtype, varuint id (X2, X3)', () => {
    expect([...frame.savedRequest(5)]).toEqual([100, 0, 5])
    expect([...frame.saved(5)]).toEqual([100, 1, 5])
    expect([...frame.saved(128)]).toEqual([100, 1, 0x80, 0x01])
    for (const id of [0, 1, 127, 128, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(frame.decode(frame.savedRequest(id))).toEqual({ kind: 'saved-request', id })
      expect(frame.decode(frame.saved(id))).toEqual({ kind: 'saved', id })
    }
  })

  it('writers return frames backed by their own ArrayBuffer', () => {
    const frames = [
      frame.syncStep1(bytesOf(2)),
      frame.syncStep2(bytesOf(2)),
      frame.update(bytesOf(2)),
      frame.awareness(bytesOf(2)),
      frame.queryAwareness(),
      frame.permissionDenied('x'),
      frame.savedRequest(1),
      frame.saved(1),
    ]
    for (const f of frames) {
      expect(f.byteOffset).toBe(0)
      expect(f.buffer.byteLength).toBe(f.length)
    }
  })

  it('decode returns views into the frame, bounded by the payload', () => {
    const f = frame.update(Uint8Array.of(9, 8, 7))
    const msg = frame.decode(f) as { update: Uint8Array }
    expect(msg.update.buffer).toBe(f.buffer)
    expect(msg.update.byteOffset).toBe(3)
    expect(msg.update.length).toBe(3)
  })

  it('decodes a frame that is itself a view into a larger buffer', () => {
    const backing = Uint8Array.of(0xff, 0xff, 0, 2, 2, 4, 5, 0xff)
    const msg = frame.decode(backing.subarray(2, 7)) as { kind: string; update: Uint8Array }
    expect(msg.kind).toBe('update')
    expect([...msg.update]).toEqual([4, 5])
    // the same view cut one byte short is truncated, although the backing buffer goes on
    expect(frameError(backing.subarray(2, 6)).unsupported).toBe(false)
    expect(() => frame.decode(backing.subarray(2, 6))).toThrow(/past the end/)
  })
})

describe('decode rejects malformed frames (F3)', () => {
  it('the empty frame is truncated', () => {
    const err = frameError([])
    expect(err.unsupported).toBe(false)
    expect(err.message).toMatch(/message type/)
  })

  it('every proper prefix of every well-formed frame is rejected as malformed', () => {
    const frames = [
      frame.syncStep1(Uint8Array.of(1, 2, 3)),
      frame.syncStep2(bytesOf(200)),
      frame.update(bytesOf(5)),
      frame.awareness(bytesOf(4)),
      frame.permissionDenied('reason'),
      frame.savedRequest(300),
      frame.saved(70_000),
    ]
    for (const f of frames) {
      for (let cut = 0; cut < f.length; cut++) {
        const err = frameError(f.subarray(0, cut))
        expect(err.unsupported, `[${[...f.subarray(0, cut)]}]`).toBe(false)
      }
    }
  })

  it('any trailing byte after a well-formed message is rejected', () => {
    const frames = [
      frame.syncStep1(Uint8Array.of(0)),
      frame.syncStep2(bytesOf(3)),
      frame.update(bytesOf(3)),
      frame.awareness(bytesOf(3)),
      frame.queryAwareness(),
      frame.permissionDenied('x'),
      frame.savedRequest(1),
      frame.saved(1),
    ]
    for (const f of frames) {
      const err = frameError([...f, 0])
      expect(err.unsupported).toBe(false)
      expect(err.message).toBe('1 trailing bytes after the message')
      expect(frameError([...f, 1, 2, 3]).message).toBe('3 trailing bytes after the message')
    }
  })

  it('a varbytes length running past the end is rejected, also when huge', () => {
    expect(frameError([0, 2, 5, 1, 2]).message).toMatch(/update runs past the end/)
    expect(frameError([0, 0, 2, 1]).message).toMatch(/state vector runs past the end/)
    expect(frameError([1, 1]).message).toMatch(/awareness update runs past the end/)
    // a length of 2^52 must not allocate or wrap around
    expect(frameError([0, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x08, 1]).unsupported).toBe(false)
  })

  it('an oversized varuint is rejected', () => {
    // 10 continuation bytes: more than 53 bits
    const err = frameError([0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
    expect(err.unsupported).toBe(false)
    expect(err.message).toMatch(/varuint/)
  })

  it('a varuint padded with continuation bytes is rejected (lib0 writes the shortest form)', () => {
    // sync step 2 with its subtype as 0x81 0x00: the relay would rewrite byte 1 and pass on garbage
    expect(frameError([0, 0x81, 0x00, 2, 0, 0]).message).toMatch(/shortest form \(sync type\)/)
    expect(frameError([0x80, 0x00, 1, 2, 0, 0]).message).toMatch(/shortest form \(message type\)/)
    expect(frameError([0, 2, 0x82, 0x00, 0, 0]).message).toMatch(/shortest form \(update length\)/)
    expect(frameError([100, 0, 0x85, 0x80, 0x00]).message).toMatch(/shortest form \(request id\)/)
    // an unknown type stays unsupported (F3), padded or not
    expect(frameError([0x85, 0x00, 1]).unsupported).toBe(true)
    // the shortest forms, zero and multi-byte values included, still decode
    expect(frame.decode(Uint8Array.of(100, 0, 0))).toEqual({ kind: 'saved-request', id: 0 })
    expect(frame.decode(Uint8Array.of(100, 0, 0x80, 0x01))).toEqual({ kind: 'saved-request', id: 128 })
  })

  it('a reason that is not valid UTF-8 is rejected', () => {
    expect(frameError([2, 0, 2, 0xc3, 0x28]).message).toMatch(/UTF-8/)
  })

  it('an unknown sync or auth subtype is malformed', () => {
    for (const sub of [3, 4, 127, 200]) {
      const err = frameError([MessageType.Sync, ...(sub > 127 ? [0x80 | (sub & 0x7f), sub >> 7] : [sub]), 0])
      expect(err.message).toMatch(/unknown sync message type/)
      expect(err.unsupported).toBe(false)
    }
    expect(frameError([MessageType.Auth, 1, 0]).unsupported).toBe(false)
  })

  it('an unknown top-level type is unsupported (1003, rule F3)', () => {
    for (const type of [4, 5, 99, 101, 127, 128, 1000]) {
      const varuint = type < 128 ? [type] : [0x80 | (type & 0x7f), type >> 7]
      const err = frameError([...varuint, 0, 1, 2])
      expect(err.unsupported, `type ${type}`).toBe(true)
      expect(err.message).toBe(`unknown message type ${type}`)
    }
  })

  it('an unknown Tandem extension subtype is unsupported', () => {
    const err = frameError([MessageType.Tandem, 7, 1])
    expect(err.unsupported).toBe(true)
    expect(err.message).toMatch(/unknown tandem message type 7/)
  })
})

