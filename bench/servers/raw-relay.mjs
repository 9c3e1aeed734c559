// The raw relay: the ceiling every other server is compared with. A `ws` server that relays
// every binary message to every other socket in the same room (room = URL path) without
// parsing it. To serve joins it keeps, per room, the last full-state upload (a sync step 2 frame
// a client sent) and answers any sync step 1 with one sync step 2 holding those bytes (an empty
// update when nothing was uploaded). It stores nothing on disk and validates nothing.
//
// Usage: node raw-relay.mjs [--port 0] [--host 127.0.0.1]; prints `listening on http://HOST:PORT`.
//
// Diagnosis: with BENCH_RAW_JOURNAL=<dir> it relays write-ahead, the least a durable relay does:
// what arrives in one event-loop turn is appended to a file in <dir> with one synchronous write at
// the end of the turn (setImmediate), and relayed after that write. Still no parsing, no checks.
import { openSync, writeSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { WebSocketServer } from 'ws'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })

/** A sync step 2 frame holding the empty update: `0, 1, varbytes [0, 0]`. */
const EMPTY_STEP2 = Uint8Array.of(0, 1, 2, 0, 0)

/** @type {Map<string, { peers: Set<import('ws').WebSocket>, state: Uint8Array | null }>} */
const rooms = new Map()

const journalDir = process.env.BENCH_RAW_JOURNAL
const journal = journalDir ? openSync(join(journalDir, `raw-journal-${process.pid}`), 'a') : null
/** @type {Array<{ data: Buffer, from: import('ws').WebSocket, peers: Set<import('ws').WebSocket> }>} */
let turn = []

/** Journals what this turn received with one write, then relays it. */
function commitTurn() {
  const batch = turn
  turn = []
  const bytes = Buffer.concat(batch.map((m) => m.data))
  let written = 0
  while (written < bytes.length) written += writeSync(/** @type {number} */ (journal), bytes, written)
  for (const { data, from, peers } of batch) for (const peer of peers) if (peer !== from) peer.send(data)
}

/**
 * Creates the room for a URL path.
 * @param {string} name
 */
function openRoom(name) {
  /** @type {{ peers: Set<import('ws').WebSocket>, state: Uint8Array | null }} */
  const room = { peers: new Set(), state: null }
  rooms.set(name, room)
  return room
}

const server = createServer((_req, res) => {
  res.writeHead(404)
  res.end()
})
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 * 1024 })

wss.on('connection', (ws, req) => {
  const name = req.url ?? '/'
  const room = rooms.get(name) ?? openRoom(name)
  const { peers } = room
  peers.add(ws)
  ws.on('error', () => ws.terminate())
  ws.on('close', () => peers.delete(ws))
  ws.on('message', (/** @type {Buffer} */ data) => {
    if (data[0] === 0 && data[1] === 0) {
      // sync step 1: answer with the last full state, relay nothing
      ws.send(room.state ?? EMPTY_STEP2)
      return
    }
    // sync step 2 from a client: a full-state upload, kept for later joiners
    if (data[0] === 0 && data[1] === 1) room.state = data
    if (journal === null) {
      for (const peer of peers) if (peer !== ws) peer.send(data)
      return
    }
    if (turn.length === 0) setImmediate(commitTurn)
    turn.push({ data, from: ws, peers })
  })
})

server.listen(Number(values.port), values.host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : values.port
  process.stdout.write(`listening on http://${values.host}:${port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
