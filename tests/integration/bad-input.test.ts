/**
 * Hostile and broken input against the real server (PROTOCOL.md D1, F1-F4, S3, close codes):
 * invalid WebSocket framing written byte by byte over node:net, text frames, random bytes,
 * truncated and corrupted y-protocols messages, lying awareness updates, oversized frames and
 * bad upgrade paths. For every case the offending connection gets its documented close code
 * (or HTTP status), while two stock y-websocket clients on the same document, connected before
 * the attack, see nothing of it, keep editing together, and a fresh client after a restart on
 * the same LevelDB directory loads exactly what they wrote. /metrics counts every error.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { checkStateVector, inspect } from '../../server/sync/update.js'
import type { Config } from '../../server/config.js'
import { connect, startServer, tempDir, type Client } from '../helpers/server.js'
import { encodeFrame, open, Opcode, RawWebSocket, upgrade, type FrameSpec } from '../helpers/raw-ws.js'
import { seededRandom, testSeed, waitFor } from '../helpers/wait.js'

const DOC = 'victim'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

type TestServer = Awaited<ReturnType<typeof startServer>>

/** Counters read from /metrics: errors by kind, closes by code. */
interface Scrape {
  readonly errors: Map<string, number>
  readonly closes: Map<string, number>
}

async function scrape(server: TestServer): Promise<Scrape> {
  const res = await fetch(`${server.url}/metrics`)
  expect(res.status).toBe(200)
  const text = await res.text()
  const errors = new Map<string, number>()
  const closes = new Map<string, number>()
  for (const line of text.split('\n')) {
    let m = /^tandem_errors_total\{kind="([^"]*)"\} (\d+)/.exec(line)
    if (m) errors.set(m[1]!, Number(m[2]))
    m = /^tandem_closes_total\{code="(\d+)",name="[^"]*"\} (\d+)/.exec(line)
    if (m) closes.set(m[1]!, (closes.get(m[1]!) ?? 0) + Number(m[2]))
  }
  return { errors, closes }
}

function delta(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, value] of after) if (value !== (before.get(key) ?? 0)) out[key] = value - (before.get(key) ?? 0)
  return out
}

/** A server on a real LevelDB, two stock clients that already edited `DOC`, and the attackers. */
interface Arena {
  server: TestServer
  readonly dir: string
  readonly a: Client
  readonly b: Client
  /** Text every well-behaved client wrote, in order. */
  expected: string
  /** Document updates the stock clients received since the arena opened (must stay 0). */
  updatesSeen: number
  readonly before: Scrape
  readonly attackers: RawWebSocket[]
  nextClientId: number
}

async function openArena(config: Partial<Config> = {}): Promise<Arena> {
  const data = tempDir()
  cleanups.push(data.cleanup)
  const server = await startServer({ dataDir: data.dir, ...config })
  const arena: Arena = {
    server,
    dir: data.dir,
    a: connect(server.wsUrl, DOC),
    b: connect(server.wsUrl, DOC),
    expected: '',
    updatesSeen: 0,
    before: { errors: new Map(), closes: new Map() },
    attackers: [],
    nextClientId: 900_000,
  }
  cleanups.push(() => arena.server.close())
  cleanups.push(() => arena.a.destroy(), () => arena.b.destroy())
  await Promise.all([arena.a.synced(), arena.b.synced()])
  arena.a.doc.getText('body').insert(0, 'a wrote this;')
  arena.expected = 'a wrote this;'
  await waitFor('b to see what a wrote', () => arena.b.doc.getText('body').toString() === arena.expected)
  for (const c of [arena.a, arena.b]) c.doc.on('update', () => arena.updatesSeen++)
  Object.assign(arena, { before: await scrape(server) })
  return arena
}

/** An awareness message announcing one presence entry. */
function presence(clientId: number, state = '{"user":{"name":"mallory"}}'): Uint8Array {
  return frame.awareness(awarenessCodec.encode([{ clientId, clock: 1, state }]))
}

/**
 * Opens a hand-made connection to DOC that first announces a presence entry (so the room
 * really holds it as a peer), runs `attack`, and returns the close code the server sent. The
 * TCP connection is left open, as a hostile client would, until the arena is checked.
 */
async function hit(arena: Arena, attack: (ws: RawWebSocket) => void, path = `/sync/${DOC}`): Promise<number> {
  const ws = await open(arena.server.url, path)
  arena.attackers.push(ws)
  cleanups.push(() => ws.destroy())
  ws.sendBinary(presence(arena.nextClientId++))
  attack(ws)
  const closed = await ws.closed(5000)
  return closed.code
}

/** Runs attacks with a few connections at a time; returns the close codes in order. */
async function hitAll(arena: Arena, attacks: Array<(ws: RawWebSocket) => void>, parallel = 8): Promise<number[]> {
  const codes: number[] = new Array(attacks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < attacks.length) {
        const i = next++
        codes[i] = await hit(arena, attacks[i]!)
      }
    }),
  )
  return codes
}

/**
 * After the attacks: the server still serves, the room holds exactly the two stock peers and
 * their presence, the stock clients saw no update and no foreign presence, still edit together
 * on the connections they had, /metrics counted `errors` (by kind) and `closes` (by code), and
 * after a restart on the same directory a fresh client loads exactly what they wrote.
 */
async function proveUnharmed(arena: Arena, counted: { errors: Record<string, number>; closes?: Record<string, number> }): Promise<void> {
  const { server, a, b } = arena
  const wsA = a.provider.ws
  const wsB = b.provider.ws
  const health = await fetch(`${server.url}/healthz`)
  expect(health.status).toBe(200)

  // every attacker left the room at once (A3), although its TCP connection may still be open
  const room = server.registry.get(DOC)!
  await waitFor('the room to hold only the two stock peers', () => room.peers.size === 2 && room.presenceSize === 2, 2000)
  const own = new Set([a.doc.clientID, b.doc.clientID])
  for (const c of [a, b]) {
    await waitFor('attackers to vanish from stock clients\' presence', () => [...c.provider.awareness.getStates().keys()].every((id) => own.has(id)), 2000)
  }
  // nothing invalid was relayed: no document update reached the stock clients
  expect(arena.updatesSeen).toBe(0)
  expect(a.doc.getText('body').toString()).toBe(arena.expected)
  expect(b.doc.getText('body').toString()).toBe(arena.expected)

  // they still edit together, over the connections they had before the attack
  b.doc.getText('body').insert(b.doc.getText('body').length, 'b after;')
  arena.expected += 'b after;'
  await waitFor('a to receive b\'s edit', () => a.doc.getText('body').toString() === arena.expected)
  a.doc.getText('body').insert(a.doc.getText('body').length, 'a after;')
  arena.expected += 'a after;'
  await waitFor('b to receive a\'s edit', () => b.doc.getText('body').toString() === arena.expected)
  expect(a.provider.ws).toBe(wsA)
  expect(b.provider.ws).toBe(wsB)
  expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)

  const after = await scrape(server)
  expect(delta(after.errors, arena.before.errors)).toEqual(counted.errors)
  if (counted.closes) expect(delta(after.closes, arena.before.closes)).toEqual(counted.closes)

  // a full restart on the same directory: exactly what the stock clients wrote, nothing else
  for (const ws of arena.attackers) ws.destroy()
  a.destroy()
  b.destroy()
  await server.close()
  arena.server = await startServer({ dataDir: arena.dir })
  const fresh = connect(arena.server.wsUrl, DOC)
  cleanups.push(() => fresh.destroy())
  await fresh.synced()
  expect(fresh.doc.getText('body').toString()).toBe(arena.expected)
  expect([...fresh.doc.share.keys()]).toEqual(['body'])
}

/** A real document with several clients, insertions, a deletion and a map: its messages are cut up below. */
function realDocument(): { doc: Y.Doc; update: Uint8Array; stateVector: Uint8Array } {
  const doc = new Y.Doc()
  const others = [new Y.Doc(), new Y.Doc()]
  others[0]!.getText('body').insert(0, 'Hello, world. ')
  others[1]!.getText('body').insert(0, 'Second client here. ')
  for (const o of others) Y.applyUpdate(doc, Y.encodeStateAsUpdate(o))
  doc.getText('body').insert(5, ' there')
  doc.getText('body').delete(0, 2)
  doc.getMap('meta').set('title', 'Cut me')
  return { doc, update: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc) }
}

/** The close code the protocol prescribes for a binary payload, or null when it is a valid message. */
function prescribedCode(payload: Uint8Array): 1003 | 1007 | null {
  let type: number
  try {
    type = decoding.readVarUint(decoding.createDecoder(payload))
  } catch {
    return 1007
  }
  if (![0, 1, 2, 3, 100].includes(type)) return 1003 // F3: unknown type
  let msg: frame.Message
  try {
    msg = frame.decode(payload)
  } catch (err) {
    return (err as frame.FrameError).unsupported ? 1003 : 1007
  }
  try {
    if (msg.kind === 'sync-step1') checkStateVector(msg.stateVector)
    if (msg.kind === 'sync-step2' || msg.kind === 'update') inspect(msg.update.slice())
    if (msg.kind === 'awareness') awarenessCodec.decode(msg.update)
  } catch {
    return 1007
  }
  return null
}

function randomBytes(rand: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256)
  return out
}

describe('invalid WebSocket framing (F4: 1002, 1009)', () => {
  it('a hand-built valid frame is accepted (the raw client is sound)', async () => {
    const arena = await openArena()
    const writer = new Y.Doc()
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(arena.a.doc))
    let update: Uint8Array | null = null
    writer.on('update', (u: Uint8Array) => (update = u))
    writer.getText('body').insert(writer.getText('body').length, 'raw;')
    const message = frame.update(update!)
    const ws = await open(arena.server.url, `/sync/${DOC}`)
    cleanups.push(() => ws.destroy())
    // fragmented in three, masked, with a ping in the middle: all legal
    const third = Math.ceil(message.length / 3)
    ws.write(
      Buffer.concat([
        encodeFrame({ opcode: Opcode.Binary, fin: false, payload: message.subarray(0, third) }),
        encodeFrame({ opcode: Opcode.Ping, payload: 'hi' }),
        encodeFrame({ opcode: Opcode.Continuation, fin: false, payload: message.subarray(third, 2 * third) }),
        encodeFrame({ opcode: Opcode.Continuation, payload: message.subarray(2 * third) }),
      ]),
    )
    arena.expected += 'raw;'
    await waitFor('both stock clients to get the raw client\'s edit', () => [arena.a, arena.b].every((c) => c.doc.getText('body').toString() === arena.expected))
    const pong = await waitFor('the pong', () => ws.received.find((f) => f.opcode === Opcode.Pong))
    expect(pong.payload.toString()).toBe('hi')
    ws.sendClose(1000)
    expect((await ws.closed()).code).toBe(1000)
    ws.end()
    arena.updatesSeen = 0
    await proveUnharmed(arena, { errors: {}, closes: { 1000: 1 } })
  })

  it('RSV1, RSV2 and RSV3 bits close with 1002', async () => {
    const arena = await openArena()
    const payload = frame.queryAwareness()
    const codes = await hitAll(arena, [
      (ws) => ws.sendFrame({ opcode: Opcode.Binary, rsv1: true, payload }),
      (ws) => ws.sendFrame({ opcode: Opcode.Binary, rsv2: true, payload }),
      (ws) => ws.sendFrame({ opcode: Opcode.Binary, rsv3: true, payload }),
      (ws) => ws.sendFrame({ opcode: Opcode.Ping, rsv1: true }),
    ])
    expect(codes).toEqual([1002, 1002, 1002, 1002])
    await proveUnharmed(arena, { errors: { WS_ERR_UNEXPECTED_RSV_1: 2, WS_ERR_UNEXPECTED_RSV_2_3: 2 }, closes: { 1002: 4 } })
  })

  it('reserved opcodes 0x3 and 0xB close with 1002', async () => {
    const arena = await openArena()
    const codes = await hitAll(arena, [
      (ws) => ws.sendFrame({ opcode: 0x3, payload: frame.queryAwareness() }),
      (ws) => ws.sendFrame({ opcode: 0xb, payload: frame.queryAwareness() }),
      (ws) => ws.sendFrame({ opcode: 0x7 }),
      (ws) => ws.sendFrame({ opcode: 0xf }),
    ])
    expect(codes).toEqual([1002, 1002, 1002, 1002])
    await proveUnharmed(arena, { errors: { WS_ERR_INVALID_OPCODE: 4 }, closes: { 1002: 4 } })
  })

  it('an unmasked client frame closes with 1002', async () => {
    const arena = await openArena()
    const codes = await hitAll(arena, [
      (ws) => ws.sendFrame({ opcode: Opcode.Binary, mask: false, payload: frame.queryAwareness() }),
      (ws) => ws.sendFrame({ opcode: Opcode.Text, mask: false, payload: '-1' }),
    ])
    expect(codes).toEqual([1002, 1002])
    await proveUnharmed(arena, { errors: { WS_ERR_EXPECTED_MASK: 2 }, closes: { 1002: 2 } })
  })

  it('broken fragmentation and control frames close with 1002', async () => {
    const arena = await openArena()
    const codes = await hitAll(arena, [
      // a continuation with nothing to continue
      (ws) => ws.sendFrame({ opcode: Opcode.Continuation, payload: frame.queryAwareness() }),
      // a new data frame in the middle of a fragmented message
      (ws) => ws.write(Buffer.concat([encodeFrame({ opcode: Opcode.Binary, fin: false, payload: Uint8Array.of(0) }), encodeFrame({ opcode: Opcode.Binary, payload: frame.queryAwareness() })])),
      // a fragmented ping, and a ping over 125 bytes
      (ws) => ws.sendFrame({ opcode: Opcode.Ping, fin: false }),
      (ws) => ws.sendFrame({ opcode: Opcode.Ping, payload: new Uint8Array(126) }),
    ])
    expect(codes).toEqual([1002, 1002, 1002, 1002])
    await proveUnharmed(arena, {
      errors: { WS_ERR_INVALID_OPCODE: 2, WS_ERR_EXPECTED_FIN: 1, WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1 },
      closes: { 1002: 4 },
    })
  })

  it('a message in more fragments than ws allows (16384) closes with 1008', async () => {
    const arena = await openArena()
    const empty = encodeFrame({ opcode: Opcode.Continuation, fin: false })
    const fragments = [encodeFrame({ opcode: Opcode.Binary, fin: false, payload: Uint8Array.of(3) }), ...Array.from({ length: 16_384 }, () => empty)]
    fragments.push(encodeFrame({ opcode: Opcode.Continuation }))
    const codes = await hitAll(arena, [(ws) => ws.write(Buffer.concat(fragments))])
    // RFC 6455 policy violation: not in PROTOCOL.md's table, but what ws 8.23 sends
    expect(codes).toEqual([1008])
    await proveUnharmed(arena, { errors: { WS_ERR_TOO_MANY_BUFFERED_PARTS: 1 }, closes: { 1008: 1 } })
  })

  it('a 14-byte header announcing 2^40 bytes (or 2^63) closes with 1009 at once', async () => {
    const arena = await openArena()
    const header = (length: bigint) => (ws: RawWebSocket) => {
      const bytes = encodeFrame({ opcode: Opcode.Binary, announcedLength: length, payload: new Uint8Array(0) })
      expect(bytes.length).toBe(14)
      ws.write(bytes)
    }
    const started = Date.now()
    const codes = await hitAll(arena, [header(2n ** 40n), header(2n ** 63n), header(2n ** 53n)])
    expect(codes).toEqual([1009, 1009, 1009])
    // the server did not wait for the announced bytes
    expect(Date.now() - started).toBeLessThan(2000)
    await proveUnharmed(arena, { errors: { WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1, WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 2 }, closes: { 1009: 3 } })
  })

  it('a frame over --max-message closes with 1009; one at the limit is fine', async () => {
    const maxMessage = 65536
    const arena = await openArena({ maxMessage })
    // a valid update of exactly max-message bytes is accepted: size an insert until it fits
    const appendUpdate = (text: string): Uint8Array => {
      const writer = new Y.Doc()
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(arena.a.doc))
      let update: Uint8Array | null = null
      writer.on('update', (u: Uint8Array) => (update = u))
      writer.getText('body').insert(writer.getText('body').length, text)
      writer.destroy()
      return frame.update(update!)
    }
    let filler = 'x'.repeat(maxMessage - 64)
    let atLimit = appendUpdate(filler)
    while (atLimit.length !== maxMessage) {
      filler = 'x'.repeat(filler.length + (maxMessage - atLimit.length))
      atLimit = appendUpdate(filler)
    }
    const okWs = await open(arena.server.url, `/sync/${DOC}`)
    cleanups.push(() => okWs.destroy())
    okWs.sendBinary(atLimit)
    arena.expected += filler
    await waitFor('the message at the limit to be relayed', () => arena.a.doc.getText('body').toString() === arena.expected && arena.b.doc.getText('body').toString() === arena.expected)
    arena.updatesSeen = 0
    okWs.sendClose(1000)
    await okWs.closed()
    okWs.end()

    const codes = await hitAll(arena, [
      (ws) => ws.sendBinary(new Uint8Array(maxMessage + 1)),
      // two fragments that are small alone but too big together
      (ws) =>
        ws.write(
          Buffer.concat([
            encodeFrame({ opcode: Opcode.Binary, fin: false, payload: new Uint8Array(maxMessage / 2 + 1) }),
            encodeFrame({ opcode: Opcode.Continuation, payload: new Uint8Array(maxMessage / 2 + 1) }),
          ]),
        ),
      (ws) => ws.sendText('x'.repeat(maxMessage + 1)),
    ])
    expect(codes).toEqual([1009, 1009, 1009])
    await proveUnharmed(arena, { errors: { WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 3 }, closes: { 1000: 1, 1009: 3 } })
  })
})

describe('text frames (F2: 1003)', () => {
  it('"-1" and other text frames close with 1003; invalid UTF-8 with 1007', async () => {
    const arena = await openArena()
    const texts = ['-1', '', '0', '{"type":"sync"}', 'AAEC', 'é'.repeat(300)]
    const codes = await hitAll(arena, [
      ...texts.map((t) => (ws: RawWebSocket) => ws.sendText(t)),
      (ws: RawWebSocket) => ws.sendFrame({ opcode: Opcode.Text, payload: Uint8Array.of(0xc3, 0x28, 0xff) }),
    ])
    expect(codes).toEqual([...texts.map(() => 1003), 1007])
    await proveUnharmed(arena, { errors: { 'rejected-1003': texts.length, WS_ERR_INVALID_UTF8: 1 }, closes: { 1003: texts.length, 1007: 1 } })
  })
})

describe('malformed y-protocols messages (F3, S3: 1003, 1007)', () => {
  it('unknown message types close with 1003', async () => {
    const arena = await openArena()
    const unknown = [
      [4],
      [5, 0, 0],
      [99],
      [101, 1, 2, 3],
      [127],
      [0x80, 0x01], // 128 as a two-byte varuint
      [0xff, 0xff, 0xff, 0xff, 0x07, 9, 9],
      [100, 2], // Tandem extension: unknown subtype
      [100, 99, 1, 2],
    ]
    const codes = await hitAll(arena, unknown.map((bytes) => (ws: RawWebSocket) => ws.sendBinary(Uint8Array.from(bytes))))
    expect(codes).toEqual(unknown.map(() => 1003))
    await proveUnharmed(arena, { errors: { 'rejected-1003': unknown.length }, closes: { 1003: unknown.length } })
  })

  it('malformed known messages close with 1007', async () => {
    const arena = await openArena()
    const malformed = [
      [], // empty binary frame
      [0], // sync without subtype
      [0, 3, 0], // unknown sync subtype: the layout of type 0 is not kept
      [2, 1, 0], // unknown auth subtype
      [2, 0, 2, 0xc3, 0x28], // permission denied with invalid UTF-8
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], // varuint over 2^53
      [3, 0], // query awareness with a trailing byte
      [100, 0], // saved request without an id
      [100, 0, 1, 0], // saved request with a trailing byte
      [0, 0, 5, 1, 1], // sync step 1 whose state vector runs past the frame
      [0, 0, 3, 2, 1, 1], // state vector announcing two entries but holding one
      [0, 0, 0, 7], // valid sync step 1 followed by a byte
    ]
    const codes = await hitAll(arena, malformed.map((bytes) => (ws: RawWebSocket) => ws.sendBinary(Uint8Array.from(bytes))))
    expect(codes).toEqual(malformed.map(() => 1007))
    await proveUnharmed(arena, { errors: { 'rejected-1007': malformed.length }, closes: { 1007: malformed.length } })
  })

  it('a sync message with a padded type or subtype varuint closes with 1007 and reaches no one', async () => {
    const arena = await openArena()
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'padded;')
    const update = Y.encodeStateAsUpdate(doc)
    const padded = [
      [0, 0x81, 0x00, update.length, ...update], // sync step 2, subtype 1 in two bytes
      [0x80, 0x00, 1, update.length, ...update], // sync step 2, type 0 in two bytes
      [0, 0x82, 0x00, update.length, ...update], // update, subtype 2 in two bytes
    ]
    const codes = await hitAll(arena, padded.map((bytes) => (ws: RawWebSocket) => ws.sendBinary(Uint8Array.from(bytes))))
    // accepted, the relay rewrote byte 1 of the first two and stock peers got a broken message
    expect(codes).toEqual(padded.map(() => 1007))
    await proveUnharmed(arena, { errors: { 'rejected-1007': padded.length }, closes: { 1007: padded.length } })
  })

  it('sync step 1, sync step 2 and update cut at every byte position close with 1007', async () => {
    const arena = await openArena()
    const { update, stateVector } = realDocument()
    const messages = [frame.syncStep1(stateVector), frame.syncStep2(update), frame.update(update)]
    const attacks: Array<(ws: RawWebSocket) => void> = []
    for (const message of messages) {
      expect(prescribedCode(message)).toBe(null)
      for (let cut = 0; cut < message.length; cut++) attacks.push((ws) => ws.sendBinary(message.subarray(0, cut)))
    }
    const codes = await hitAll(arena, attacks)
    const wrong = codes.map((code, i) => [i, code]).filter(([, code]) => code !== 1007)
    expect(wrong).toEqual([])
    await proveUnharmed(arena, { errors: { 'rejected-1007': attacks.length }, closes: { 1007: attacks.length } })
  })

  it('updates that do not decode inside well-formed frames close with 1007 and are never stored', async () => {
    const seed = testSeed('bad-input updates')
    const rand = seededRandom(seed)
    const arena = await openArena()
    const { update } = realDocument()
    const payloads: Uint8Array[] = []
    // the real update cut at every position, inside a correct frame (as update and as step 2)
    for (let cut = 0; cut < update.length; cut++) {
      payloads.push(frame.update(update.slice(0, cut)), frame.syncStep2(update.slice(0, cut)))
    }
    // the real update with trailing garbage
    payloads.push(frame.update(Uint8Array.from([...update, 0])), frame.syncStep2(Uint8Array.from([...update, ...randomBytes(rand, 9)])))
    // random bytes where the update goes
    for (let i = 0; i < 40; i++) {
      const inner = randomBytes(rand, 1 + Math.floor(rand() * 200))
      const message = rand() < 0.5 ? frame.update(inner) : frame.syncStep2(inner)
      if (prescribedCode(message) === 1007) payloads.push(message)
    }
    const codes = await hitAll(arena, payloads.map((p) => (ws: RawWebSocket) => ws.sendBinary(p)))
    const wrong = codes.map((code, i) => [i, code]).filter(([, code]) => code !== 1007)
    expect(wrong, `seed ${seed}`).toEqual([])
    await proveUnharmed(arena, { errors: { 'rejected-1007': payloads.length }, closes: { 1007: payloads.length } })
  })

  it('awareness updates with invalid JSON or a lying count close with 1007', async () => {
    const arena = await openArena()
    const entry = (clientId: number, state: string | Uint8Array) => {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, clientId)
      encoding.writeVarUint(e, 5)
      if (typeof state === 'string') encoding.writeVarString(e, state)
      else encoding.writeVarUint8Array(e, state)
      return encoding.toUint8Array(e)
    }
    const update = (count: number, ...entries: Uint8Array[]) => {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, count)
      for (const x of entries) encoding.writeUint8Array(e, x)
      return frame.awareness(encoding.toUint8Array(e))
    }
    const good = entry(777_001, '{"user":{"name":"eve"}}')
    const bad = [
      update(1, entry(777_002, '{"user":')), // invalid JSON
      update(1, entry(777_003, 'undefined')),
      update(2, good, entry(777_004, "{'single':'quotes'}")), // a good entry, then a bad one: none is taken
      update(1, entry(777_005, Uint8Array.of(0x22, 0xff, 0x22))), // invalid UTF-8
      update(3, good), // count says 3, holds 1
      update(0x7fffffff, good), // count far beyond the message
      update(1, good, Uint8Array.of(0)), // trailing byte
      update(1, entry(777_006, '{}').subarray(0, 3)), // entry cut short
      frame.awareness(Uint8Array.of()), // no count at all
    ]
    const codes = await hitAll(arena, bad.map((message) => (ws: RawWebSocket) => ws.sendBinary(message)))
    expect(codes).toEqual(bad.map(() => 1007))
    // the good entry that travelled with a bad one never reached anyone
    for (const c of [arena.a, arena.b]) expect(c.provider.awareness.getStates().has(777_001)).toBe(false)
    await proveUnharmed(arena, { errors: { 'rejected-1007': bad.length }, closes: { 1007: bad.length } })
  })

  it('seeded random binary frames close with the prescribed code', async () => {
    const seed = testSeed('bad-input random frames')
    const rand = seededRandom(seed)
    const arena = await openArena()
    const payloads: Uint8Array[] = []
    while (payloads.length < 80) {
      const bytes = randomBytes(rand, 1 + Math.floor(rand() * 300))
      // half of them start like a known message so the deeper decoders get exercised
      if (rand() < 0.5) bytes[0] = [0, 1, 2, 3, 100][Math.floor(rand() * 5)]!
      if (bytes[0] === 0 && bytes.length > 1 && rand() < 0.7) bytes[1] = Math.floor(rand() * 3)
      if (prescribedCode(bytes) !== null) payloads.push(bytes)
    }
    const expected = payloads.map(prescribedCode)
    const codes = await hitAll(arena, payloads.map((p) => (ws: RawWebSocket) => ws.sendBinary(p)))
    const wrong = codes.map((code, i) => ({ i, code, expected: expected[i], bytes: Buffer.from(payloads[i]!).toString('hex').slice(0, 40) })).filter((x) => x.code !== x.expected)
    expect(wrong, `seed ${seed}`).toEqual([])
    const n1003 = expected.filter((c) => c === 1003).length
    const n1007 = expected.filter((c) => c === 1007).length
    const errors: Record<string, number> = {}
    const closes: Record<string, number> = {}
    if (n1003) (errors['rejected-1003'] = n1003), (closes[1003] = n1003)
    if (n1007) (errors['rejected-1007'] = n1007), (closes[1007] = n1007)
    await proveUnharmed(arena, { errors, closes })
  })
})

describe('odd but valid messages are served, not rejected', () => {
  it('seeded random well-formed state vectors are answered with a sync step 2', async () => {
    const seed = testSeed('bad-input state vectors')
    const rand = seededRandom(seed)
    const arena = await openArena()
    const known = Y.encodeStateVector(arena.a.doc)
    const huge = Number.MAX_SAFE_INTEGER
    const vectors: Uint8Array[] = [known, Uint8Array.of(0)]
    for (let i = 0; i < 30; i++) {
      const e = encoding.createEncoder()
      const n = Math.floor(rand() * 6)
      encoding.writeVarUint(e, n)
      for (let j = 0; j < n; j++) {
        const pick = rand()
        encoding.writeVarUint(e, pick < 0.2 ? arena.a.doc.clientID : pick < 0.4 ? huge : Math.floor(rand() * 2 ** 32))
        encoding.writeVarUint(e, rand() < 0.3 ? huge : Math.floor(rand() * 1000))
      }
      vectors.push(encoding.toUint8Array(e))
    }
    for (const sv of vectors) {
      const ws = await open(arena.server.url, `/sync/${DOC}`)
      cleanups.push(() => ws.destroy())
      ws.sendBinary(frame.syncStep1(sv))
      const answer = await waitFor('a sync step 2', () => ws.received.find((f) => f.payload[0] === 0 && f.payload[1] === 1), 3000)
      const update = (frame.decode(answer.payload) as { update: Uint8Array }).update
      expect(() => inspect(update.slice()), `seed ${seed}`).not.toThrow()
      expect(ws.closeFrame, `seed ${seed}`).toBe(null)
      ws.sendClose(1000)
      expect((await ws.closed()).code).toBe(1000)
      ws.end()
    }
    await proveUnharmed(arena, { errors: {}, closes: { 1000: vectors.length } })
  })
})

describe('upgrade paths (D1: 400, 404)', () => {
  it('a bad document id gets HTTP 400 and a wrong path 404, before any WebSocket opens', async () => {
    const arena = await openArena()
    const badIds = ['/sync/' + 'a'.repeat(65), '/sync/%2e%2e', '/sync/..', '/sync/%C3%A9t%C3%A9', '/sync/', '/sync/a/b', '/sync/a%2Fb', '/sync/x.y', '/sync/%00']
    const wrongPaths = ['/', '/sync', '/SYNC/victim', '/ws/victim', '//sync/victim', '/sync-victim']
    // not even valid HTTP: raw UTF-8 and a space in the request target (the HTTP parser refuses them)
    const unparseable = ['/sync/été', '/sync/a b']
    const answers: Array<{ path: string; status: number; body: string }> = []
    for (const path of [...badIds, ...wrongPaths, ...unparseable]) {
      const result = await upgrade(arena.server.url, path)
      expect(result, path).not.toBeInstanceOf(RawWebSocket)
      const response = result as Exclude<typeof result, RawWebSocket>
      answers.push({ path, status: response.status, body: response.body })
    }
    const statuses = Object.fromEntries(answers.map((x) => [x.path, x.status]))
    expect(statuses).toEqual(Object.fromEntries([...badIds.map((p) => [p, 400]), ...wrongPaths.map((p) => [p, 404]), ...unparseable.map((p) => [p, 400])]))
    for (const { path, body } of answers) {
      expect(typeof JSON.parse(body).error, path).toBe('string')
    }
    // the longest valid id opens
    const longest = await open(arena.server.url, `/sync/${'a'.repeat(64)}`)
    longest.sendClose(1000)
    await longest.closed()
    longest.end()
    await proveUnharmed(arena, {
      errors: { 'upgrade-400': badIds.length, 'upgrade-404': wrongPaths.length, 'http-client-error': unparseable.length },
      closes: { 1000: 1 },
    })
  })
})
