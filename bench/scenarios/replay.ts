/**
 * The real editing trace replayed through the relay: one client sends every edit of the trace
 * as its own update message, as fast as its socket takes them, while another client watches.
 * The figure is the time from the first send until the watcher has every update; the watcher
 * then applies them all and must end with the trace's final text.
 */
import type { ReplayWatchResult } from '../generator/messages.js'
import { closeWorkers, startWorkers, type Worker } from '../generator/pool.js'
import { startServer, type ServerKind } from '../servers/server.js'
import { meds, type Context, type Scenario } from './scenario.js'
import { JOIN_EDITS, LOADED_EDITS } from './documents.js'

/** One replay. */
export interface ReplayResult {
  readonly edits: number
  readonly convergeMs: number
  readonly editsPerSec: number
  /** How long the sender took to hand every frame to its socket. */
  readonly sendMs: number
  readonly serverCpu: number
  readonly converged: boolean
  readonly received: number
  /** The code the server closed the watcher with before the end, if it did. */
  readonly closeCode: number | null
  /** Times the watcher reconnected (and synced) after being closed as a slow reader. */
  readonly reconnects: number
}

async function runReplay(kind: ServerKind, ctx: Context): Promise<ReplayResult> {
  const trace = ctx.trace()
  const edits = ctx.quick ? LOADED_EDITS : JOIN_EDITS
  const expectedFile = trace.docs.get(edits)!.textFile
  const server = await startServer(kind)
  const workers = await startWorkers(2)
  const [sender, watcher] = workers as [Worker, Worker]
  const url = `${server.wsBase}/trace`
  try {
    await watcher.request({ type: 'replay-watch', url, count: edits, expectedFile, timeoutMs: 300_000 })
    await sender.request({ type: 'replay-send', url, file: trace.framesFile, count: edits })
    const cpu0 = server.cpu()
    const result = watcher.request<ReplayWatchResult>({ type: 'replay-result' })
    const go = await sender.request<{ startedAt: number; sentMs: number }>({ type: 'replay-go' })
    const r = await result
    const cpu1 = server.cpu()
    const convergeMs = r.lastAt - go.startedAt
    return {
      edits,
      convergeMs,
      editsPerSec: ((r.reconnects > 0 ? edits : r.received) / convergeMs) * 1000,
      sendMs: go.sentMs,
      serverCpu: cpu1 - cpu0,
      // counted, or (after a reconnect, which syncs everything at once) compared as text
      converged: r.converged && (r.reconnects > 0 || r.received === edits),
      received: r.received,
      closeCode: r.closeCode,
      reconnects: r.reconnects,
    }
  } finally {
    await server.stop()
    await closeWorkers(workers)
  }
}

/** The trace replay scenario. */
export const replay: Scenario<ReplayResult> = {
  id: 'replay',
  title: 'Trace replay: one client replays the editing trace, another watches',
  method:
    'One client sends all 259,778 edits of the trace, each as its own update message (pre-encoded from a Y.Doc, one ' +
    'transaction per edit), as fast as its socket takes them; a second client of the same document collects what the ' +
    'server relays. Time to converge is from the first send to the watcher receiving the last update; the watcher then ' +
    'applies them all to a Y.Doc and must end with the trace\'s final text (104,852 characters). A server may close a ' +
    'watcher that falls too far behind (Tandem does at 4 MiB unsent, code 4507): the watcher then reconnects and syncs as ' +
    'a stock client does, applies what it gets as it comes, and converges when its text is the trace\'s. Server CPU is ' +
    'measured over the whole replay. --quick: the first 20,000 edits.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: () => 1,
  run: runReplay,
  brief: (r) =>
    `${r.edits} edits converged in ${(r.convergeMs / 1000).toFixed(2)} s (${Math.round(r.editsPerSec)} edits/s; sender done in ${(r.sendMs / 1000).toFixed(2)} s), ` +
    `server CPU ${r.serverCpu.toFixed(2)} s` +
    `${r.reconnects > 0 ? `; the server closed the watcher as a slow reader (${r.closeCode}) and it reconnected ${r.reconnects}x, as a stock client does` : ''}` +
    `${r.converged ? '' : `, NOT CONVERGED (${r.received} received${r.closeCode === null ? '' : `; closed with ${r.closeCode}`})`}`,
  rows(results, ctx) {
    const n = ctx.quick ? '20k' : '260k'
    return [
      { figure: `trace replay (${n} edits, one update each): time to converge`, unit: 's', values: meds(results, (r) => r.convergeMs / 1000), digits: 2, ratio: true },
      { figure: 'trace replay: server CPU per edit relayed', unit: 'us', values: meds(results, (r) => (r.serverCpu / r.edits) * 1e6), digits: 1, ratio: true },
      { figure: 'trace replay: watcher ended with the trace\'s text (share of runs)', unit: '', values: meds(results, (r) => (r.converged ? 1 : 0)), digits: 0, target: 'yes', met: meds(results, (r) => (r.converged ? 1 : 0)).tandem === 1 },
    ]
  },
}
