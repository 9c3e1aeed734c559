/**
 * The clients of one generator worker: connects them, pre-encodes their edits, sends on a shared
 * schedule with batched timers, and records fan-out latency. All clients of a document live in
 * the same worker, so a receiver finds an update's send time locally from the (client, clock) of
 * its first struct, whichever server re-encoded it.
 */
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { now } from '../clock.js'
import { Samples } from '../stats.js'
import { Typist } from './edits.js'
import type {
  AwarenessMode,
  DocSpec,
  ProbeResult,
  RunCommand,
  RunResult,
  SetupCommand,
  SetupResult,
  UploadCommand,
  VerifyResult,
} from './messages.js'
import * as proto from './protocol.js'

/** Yjs client id of global client number `n`: a bijection on 32 bits, so ids are unique and realistic in size. */
export function clientIdOf(n: number): number {
  return (Math.imul(n + 1, 0x9e3779b1) >>> 0) || 1
}

interface Seen {
  clock: number
  live: boolean
}

class Client {
  ws!: WebSocket
  synced = false
  onSynced: (() => void) | null = null
  readonly typist: Typist | null
  /** Clock of the first struct of each update made, in send order. */
  readonly clocks: number[] = []
  /** Send time of each update (NaN until sent). */
  readonly sendTimes: number[] = []
  /** Every update frame prepared, in send order (the first `sent` went out), and in cursor modes the awareness message sent after each. */
  readonly frames: Uint8Array[] = []
  readonly awarenessFrames: Uint8Array[] = []
  sent = 0
  awarenessClock = 0
  /** Per sender (index in the document): the next update expected from it. */
  nextSeq: Int32Array
  /** The verifier keeps every update it received. */
  received: Uint8Array[] | null = null
  /** Presence table, in 'storm' mode. */
  readonly seen = new Map<number, Seen>()
  /** Offset of this client's sends within the period, as a fraction of it. */
  readonly phase: number
  probeGot = false

  constructor(
    readonly doc: DocGroup,
    readonly local: number,
    readonly clientId: number,
    editing: boolean,
    phase: number,
  ) {
    this.typist = editing ? new Typist(clientId, clientId, `User ${clientId % 1000}`) : null
    this.nextSeq = new Int32Array(doc.size)
    this.phase = phase
  }
}

interface DocGroup {
  readonly name: string
  readonly size: number
  readonly clients: Client[]
}

function payload(frame: Uint8Array): Uint8Array {
  const { start, end } = proto.syncPayload(frame)
  return frame.subarray(start, end)
}

function binarySearch(sorted: readonly number[], value: number): number {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = sorted[mid]!
    if (v === value) return mid
    if (v < value) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** The clients of one worker. */
export class LoadGroup {
  private docs: DocGroup[] = []
  private clients: Client[] = []
  private readonly byClientId = new Map<number, Client>()
  private awareness: AwarenessMode = 'none'

  // counters of the current run
  private windowStart = Infinity
  private windowEnd = -Infinity
  private latencies = new Samples()
  private lag = new Samples()
  private sentWindow = 0
  private deliveredWindow = 0
  private sentTotal = 0
  private deliveredTotal = 0
  private expectedTotal = 0
  private duplicates = 0
  private outOfOrder = 0
  private echoes = 0
  private unknown = 0
  private awarenessSentWindow = 0
  private awarenessReceivedWindow = 0
  private disconnects = 0
  private closing = false
  private allSent = false
  private onDrained: (() => void) | null = null

  private probeTypist: Typist | null = null
  private probe: { expected: number; received: number; lastAt: number; done: (() => void) | null } | null = null
  private readonly uploadWaiters = new Map<Client, () => void>()

  /** Connects every client; resolves once all are synced or the timeout passed. */
  async setup(cmd: SetupCommand): Promise<SetupResult> {
    const started = now()
    this.awareness = cmd.awareness
    const total = cmd.totalDocs * cmd.clientsPerDoc
    const fresh: Client[] = []
    for (const spec of cmd.docs) {
      const doc = this.makeDoc(spec, cmd, total)
      this.docs.push(doc)
      fresh.push(...doc.clients)
    }
    let failed = 0
    let next = 0
    const connectOne = async (): Promise<void> => {
      while (next < fresh.length) {
        const c = fresh[next++]!
        try {
          await this.connect(c, `${cmd.wsBase}/${c.doc.name}`, cmd.timeoutMs)
        } catch {
          failed++
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(cmd.concurrency, fresh.length) }, connectOne))
    return { clients: fresh.length, synced: fresh.filter((c) => c.synced).length, failed, ms: now() - started }
  }

  private makeDoc(spec: DocSpec, cmd: SetupCommand, total: number): DocGroup {
    const doc: DocGroup = { name: spec.name, size: spec.clients, clients: [] }
    for (let j = 0; j < spec.clients; j++) {
      // interleave documents so one document's clients spread over the whole period
      const k = (spec.firstClient ?? 0) + j
      const global = k * cmd.totalDocs + spec.index
      const c = new Client(doc, j, clientIdOf(spec.index * cmd.clientsPerDoc + k), cmd.editing, global / total)
      if (cmd.editing && j === 0) c.received = []
      doc.clients.push(c)
      this.clients.push(c)
      this.byClientId.set(c.clientId, c)
    }
    return doc
  }

  private connect(c: Client, url: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.onSynced = null
        reject(new Error(`no sync step 2 within ${timeoutMs} ms`))
      }, timeoutMs)
      c.onSynced = () => {
        clearTimeout(timer)
        resolve()
      }
      const ws = new WebSocket(url, proto.CLIENT_OPTIONS)
      c.ws = ws
      ws.on('open', () => {
        ws.send(proto.EMPTY_STEP1)
        if (this.awareness !== 'none' && c.typist !== null) {
          ws.send(proto.awarenessFrame([{ clientId: c.clientId, clock: ++c.awarenessClock, state: c.typist.userState() }]))
        } else if (this.awareness !== 'none') {
          ws.send(proto.awarenessFrame([{ clientId: c.clientId, clock: ++c.awarenessClock, state: `{"user":{"name":"Observer ${c.clientId % 1000}"}}` }]))
        }
      })
      ws.on('message', (data: Buffer) => this.onMessage(c, data))
      ws.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      ws.on('close', () => {
        if (c.synced && !this.closing) this.disconnects++
        else {
          clearTimeout(timer)
          reject(new Error('closed before sync'))
        }
      })
    })
  }

  private onMessage(c: Client, data: Buffer): void {
    const t = now()
    const type = data[0]
    if (type === proto.MSG_SYNC) {
      const sub = data[1]
      if (sub === proto.SYNC_UPDATE) this.onUpdate(c, data, t)
      else if (sub === proto.SYNC_STEP2) {
        if (!c.synced) {
          c.synced = true
          c.onSynced?.()
          c.onSynced = null
        } else this.onUpdate(c, data, t)
      } else if (sub === proto.SYNC_STEP1) {
        // a stock client answers the server's step 1 with what the server lacks: nothing yet
        c.ws.send(proto.EMPTY_STEP2)
      }
    } else if (type === proto.MSG_AWARENESS) {
      this.onAwareness(c, data, t)
    }
  }

  private onUpdate(c: Client, data: Buffer, t: number): void {
    const waiter = this.uploadWaiters.get(c)
    if (waiter) {
      this.uploadWaiters.delete(c)
      waiter()
      return
    }
    const probe = this.probe
    if (probe !== null) {
      if (!c.probeGot) {
        c.probeGot = true
        probe.received++
        probe.lastAt = t
        if (probe.received >= probe.expected) probe.done?.()
      }
      return
    }
    const first = proto.firstStruct(data)
    const sender = first && this.byClientId.get(first.client)
    if (!first || !sender) {
      this.unknown++
      return
    }
    if (sender === c) {
      this.echoes++
      return
    }
    const seq = binarySearch(sender.clocks, first.clock)
    if (seq < 0) {
      this.unknown++
      return
    }
    const expected = c.nextSeq[sender.local]!
    if (seq < expected) {
      this.duplicates++
      return
    }
    if (seq > expected) this.outOfOrder++
    c.nextSeq[sender.local] = seq + 1
    this.deliveredTotal++
    if (t >= this.windowStart && t < this.windowEnd) this.deliveredWindow++
    const sentAt = sender.sendTimes[seq]!
    if (sentAt >= this.windowStart && sentAt < this.windowEnd) this.latencies.push(t - sentAt)
    if (c.received !== null) {
      const { start, end } = proto.syncPayload(data)
      c.received.push(data.slice(start, end))
    }
    if (this.allSent && this.deliveredTotal >= this.expectedTotal) this.onDrained?.()
  }

  private onAwareness(c: Client, data: Buffer, t: number): void {
    if (t >= this.windowStart && t < this.windowEnd) this.awarenessReceivedWindow++
    if (this.awareness !== 'storm') return
    // what y-protocols' applyAwarenessUpdate takes, and the stock provider then sends on
    const entries = proto.readAwareness(data)
    const taken: proto.AwarenessEntry[] = []
    for (const e of entries) {
      if (e.clientId === c.clientId) continue
      const cur = c.seen.get(e.clientId)
      const clock = cur?.clock ?? 0
      const removal = e.state === 'null'
      if (clock < e.clock || (clock === e.clock && removal && cur?.live === true)) {
        c.seen.set(e.clientId, { clock: e.clock, live: !removal })
        if (cur !== undefined || !removal) taken.push(e)
      }
    }
    if (taken.length === 0) return
    c.ws.send(taken.length === entries.length ? data : proto.awarenessFrame(taken))
    if (t >= this.windowStart && t < this.windowEnd) this.awarenessSentWindow++
  }

  /** Pre-encodes `updates` edits (and cursor moves) per editing client. */
  prepare(updates: number): void {
    const cursor = this.awareness === 'cursor' || this.awareness === 'storm'
    for (const c of this.clients) {
      const typist = c.typist
      if (typist === null) continue
      let clock = c.awarenessClock + (c.awarenessFrames.length - c.sent)
      for (let i = 0; i < updates; i++) {
        const { frame, clock: structClock } = typist.edit()
        c.clocks.push(structClock)
        c.sendTimes.push(NaN)
        c.frames.push(frame)
        if (cursor) c.awarenessFrames.push(proto.awarenessFrame([{ clientId: c.clientId, clock: ++clock, state: typist.cursorState() }]))
      }
    }
  }

  /** Runs the schedule, then waits for every delivery (or the drain timeout). */
  run(cmd: RunCommand): Promise<RunResult> {
    this.windowStart = cmd.windowStart
    this.windowEnd = cmd.windowEnd
    this.latencies.clear()
    this.lag.clear()
    this.sentWindow = 0
    this.deliveredWindow = 0
    this.awarenessSentWindow = 0
    this.awarenessReceivedWindow = 0
    this.allSent = false
    const editors = this.clients.filter((c) => c.typist !== null && c.synced).sort((a, b) => a.phase - b.phase)
    const period = 1000 / cmd.rate
    const available = Math.min(...editors.map((c) => c.frames.length - c.sent))
    const rounds = Math.min(Math.floor(cmd.durationMs / period), available)
    const cursor = this.awareness === 'cursor' || this.awareness === 'storm'
    let k = 0
    let j = 0
    return new Promise<RunResult>((resolve) => {
      const finish = (drained: boolean) => {
        this.onDrained = null
        this.windowStart = Infinity
        this.windowEnd = -Infinity
        resolve(this.result(drained))
      }
      const tick = () => {
        while (k < rounds && editors.length > 0) {
          const c = editors[j]!
          const due = cmd.t0 + (k + c.phase) * period
          const t = now()
          if (due > t) {
            setTimeout(tick, due - t)
            return
          }
          this.send(c, t, due, cursor)
          if (++j === editors.length) {
            j = 0
            k++
          }
        }
        this.allSent = true
        if (this.deliveredTotal >= this.expectedTotal) return finish(true)
        const timer = setTimeout(() => finish(false), cmd.drainMs)
        this.onDrained = () => {
          clearTimeout(timer)
          finish(true)
        }
      }
      setTimeout(tick, Math.max(0, cmd.t0 - now()))
    })
  }

  private send(c: Client, t: number, due: number, cursor: boolean): void {
    const seq = c.sent++
    const inWindow = t >= this.windowStart && t < this.windowEnd
    c.sendTimes[seq] = t
    c.ws.send(c.frames[seq]!)
    this.sentTotal++
    this.expectedTotal += c.doc.size - 1
    if (inWindow) {
      this.sentWindow++
      this.lag.push(t - due)
    }
    if (cursor) {
      c.awarenessClock++
      c.ws.send(c.awarenessFrames[seq]!)
      if (inWindow) this.awarenessSentWindow++
    }
  }

  private result(drained: boolean): RunResult {
    return {
      latencies: this.latencies.toArray(),
      lag: this.lag.toArray(),
      sentWindow: this.sentWindow,
      deliveredWindow: this.deliveredWindow,
      sentTotal: this.sentTotal,
      deliveredTotal: this.deliveredTotal,
      expectedTotal: this.expectedTotal,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      echoes: this.echoes,
      unknown: this.unknown,
      awarenessSentWindow: this.awarenessSentWindow,
      awarenessReceivedWindow: this.awarenessReceivedWindow,
      disconnects: this.disconnects,
      drained,
    }
  }

  /**
   * Convergence: every client has every update of every other client of its document (a state
   * vector check), and each document's verifier replica, built by applying what it received to
   * a Y.Doc, equals the union of every client's edits.
   */
  verify(): VerifyResult {
    let missing = 0
    let converged = 0
    const detail: string[] = []
    for (const doc of this.docs) {
      for (const c of doc.clients) {
        for (const s of doc.clients) if (s !== c && c.nextSeq[s.local]! !== s.sent) missing++
      }
      const verifier = doc.clients[0]
      if (!verifier || verifier.received === null) continue
      // what was sent, not what was prepared: the last prepared edits may never have gone out
      const expected = new Y.Doc()
      const replica = new Y.Doc()
      expected.transact(() => {
        for (const s of doc.clients) for (let i = 0; i < s.sent; i++) Y.applyUpdate(expected, payload(s.frames[i]!))
      })
      replica.transact(() => {
        for (let i = 0; i < verifier.sent; i++) Y.applyUpdate(replica, payload(verifier.frames[i]!))
        for (const u of verifier.received!) Y.applyUpdate(replica, u)
      })
      const same =
        replica.getText('text').toString() === expected.getText('text').toString() &&
        Buffer.from(Y.encodeStateVector(replica)).equals(Buffer.from(Y.encodeStateVector(expected)))
      if (same) converged++
      else if (detail.length < 3) detail.push(`${doc.name}: replica differs (${replica.getText('text').length} vs ${expected.getText('text').length} characters)`)
      expected.destroy()
      replica.destroy()
    }
    return { docs: this.docs.filter((d) => d.clients[0]?.received).length, converged, missing, detail }
  }

  /**
   * Client 0 of each document (with at least two clients) uploads the document as one sync
   * step 2; resolves once client 1 got it relayed, i.e. the server has taken it.
   */
  async upload(cmd: UploadCommand): Promise<{ ms: number; bytes: number }> {
    const update = new Uint8Array(readFileSync(cmd.file))
    const step2 = proto.syncStep2(update)
    const started = now()
    await Promise.all(
      this.docs.filter((doc) => doc.size >= 2 && doc.name.startsWith(cmd.prefix)).map((doc) => {
        const [uploader, witness] = doc.clients
        if (!uploader || !witness) throw new Error('an upload needs two clients per document')
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`upload to ${doc.name} not relayed within ${cmd.timeoutMs} ms`)), cmd.timeoutMs)
          this.uploadWaiters.set(witness, () => {
            clearTimeout(timer)
            resolve()
          })
          uploader.ws.send(step2)
        })
      }),
    )
    return { ms: now() - started, bytes: update.length }
  }

  /** Arms the probe: the next update each client receives is counted once. */
  probeArm(): void {
    let expected = 0
    for (const c of this.clients) {
      c.probeGot = false
      if (c.synced) expected++
    }
    this.probe = { expected, received: 0, lastAt: 0, done: null }
  }

  /** Sends one typed character from this worker's first client; returns the send time. */
  probeSend(): number {
    const c = this.clients[0]
    if (!c || !this.probe) throw new Error('probe not armed')
    // one typist for every probe, so each probe is a new edit (a repeated one is a no-op to a Y.Doc)
    this.probeTypist ??= new Typist(c.clientId, 1, 'probe')
    const { frame } = this.probeTypist.edit()
    // the sender does not receive its own edit (except from a server that echoes)
    if (!c.probeGot) {
      c.probeGot = true
      this.probe.received++
    }
    const t = now()
    c.ws.send(frame)
    return t
  }

  /** Resolves once every armed client got the probe, or after `timeoutMs`. */
  probeWait(timeoutMs: number): Promise<ProbeResult> {
    const probe = this.probe
    if (!probe) throw new Error('probe not armed')
    return new Promise<ProbeResult>((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        this.probe = null
        resolve({ expected: probe.expected, received: probe.received, lastAt: probe.lastAt })
      }
      const timer = setTimeout(finish, timeoutMs)
      probe.done = finish
      if (probe.received >= probe.expected) finish()
    })
  }

  /** Closes every socket without a handshake. */
  close(): void {
    this.closing = true
    for (const c of this.clients) c.ws?.terminate()
  }
}
