/**
 * Idle connections: memory per idle connection (2,000 clients over 200 documents, each
 * announcing a presence like a stock provider), and 10,000 clients in one document, all synced,
 * with the time one edit takes to reach every one of them.
 */
import type { ProbeResult, SetupCommand, SetupResult } from '../generator/messages.js'
import { closeWorkers, startWorkers, type Worker } from '../generator/pool.js'
import { startServer, type ServerHandle, type ServerKind } from '../servers/server.js'
import { median } from '../stats.js'
import { atMost, med, meds, wait, type Context, type Scenario } from './scenario.js'

/** Connects `docs` documents x `perDoc` clients, dealt round-robin over the workers. */
async function connect(
  workers: readonly Worker[],
  server: ServerHandle,
  o: { docs: number; perDoc: number; firstIndex: number; prefix: string; awareness: SetupCommand['awareness'] },
): Promise<SetupResult> {
  const results = await Promise.all(
    workers.map((w, i) => {
      const docs = []
      for (let d = i; d < o.docs; d += workers.length) docs.push({ name: `${o.prefix}${d}`, index: o.firstIndex + d, clients: o.perDoc })
      return w.request<SetupResult>({
        type: 'setup',
        wsBase: server.wsBase,
        docs,
        totalDocs: o.firstIndex + o.docs,
        clientsPerDoc: o.perDoc,
        editing: false,
        awareness: o.awareness,
        concurrency: 32,
        timeoutMs: 30_000,
      })
    }),
  )
  return results.reduce((a, r) => ({ clients: a.clients + r.clients, synced: a.synced + r.synced, failed: a.failed + r.failed, ms: Math.max(a.ms, r.ms) }))
}

/** One idle-connections run. */
export interface IdleResult {
  readonly connections: number
  readonly synced: number
  /** RSS as it is, before and after the connections. */
  readonly rssBeforeBytes: number
  readonly rssAfterBytes: number
  readonly perConnectionBytes: number
  /** RSS right after a full garbage collection, before and after the connections. */
  readonly gcBeforeBytes: number
  readonly gcAfterBytes: number
  readonly perConnectionAfterGcBytes: number
}

async function runIdle(kind: ServerKind, ctx: Context): Promise<IdleResult> {
  const docs = ctx.quick ? 30 : 200
  const perDoc = 10
  const server = await startServer(kind, { inspect: true })
  const workers = await startWorkers(2)
  try {
    // a few connections first, so the baseline already holds every code path a connection uses
    await connect(workers, server, { docs: 2, perDoc: 10, firstIndex: 100_000, prefix: 'warm', awareness: 'announce' })
    await wait(1500)
    const rssBeforeBytes = server.rss()
    await server.collectGarbage()
    const gcBeforeBytes = server.rss()
    const setup = await connect(workers, server, { docs, perDoc, firstIndex: 0, prefix: 'idle', awareness: 'announce' })
    await wait(ctx.quick ? 1500 : 3000)
    const rssAfterBytes = server.rss()
    await server.collectGarbage()
    const gcAfterBytes = server.rss()
    const connections = docs * perDoc
    return {
      connections,
      synced: setup.synced,
      rssBeforeBytes,
      rssAfterBytes,
      perConnectionBytes: (rssAfterBytes - gcBeforeBytes) / connections,
      gcBeforeBytes,
      gcAfterBytes,
      perConnectionAfterGcBytes: (gcAfterBytes - gcBeforeBytes) / connections,
    }
  } finally {
    await server.stop()
    await closeWorkers(workers)
  }
}

/** Memory per idle connection. */
export const idle: Scenario<IdleResult> = {
  id: 'idle',
  title: 'Memory per idle connection, 2,000 connections over 200 docs',
  method:
    'After 20 warm-up connections and 1.5 s of quiet, the server\'s RSS is read, then read again right after a full ' +
    'garbage collection (forced through the V8 inspector, which every server runs with in this scenario); then 2,000 ' +
    'clients join 200 empty documents (10 each), each syncs and announces a presence like a stock provider, and after ' +
    '3 s of quiet both readings are taken again. The figures are divided by 2,000: "after a full GC" is the growth ' +
    'between the two collected readings (what the connections hold); "as is" is from the first collected reading to ' +
    'the uncollected one after (garbage included) (--quick: 300 over 30).',
  kinds: ['raw', 'peer', 'tandem'],
  reps: (ctx) => (ctx.quick ? 1 : 2),
  run: runIdle,
  brief: (r) =>
    `${(r.perConnectionAfterGcBytes / 1024).toFixed(1)} KiB per connection after a full GC, ${(r.perConnectionBytes / 1024).toFixed(1)} KiB as is ` +
    `(${r.synced}/${r.connections} synced; RSS ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.rssAfterBytes / 2 ** 20).toFixed(1)} MiB, ` +
    `after GC ${(r.gcBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.gcAfterBytes / 2 ** 20).toFixed(1)} MiB)`,
  rows(results, ctx) {
    const gc = meds(results, (r) => r.perConnectionAfterGcBytes / 1024)
    const n = ctx.quick ? '300 over 30' : '2,000 over 200'
    return [
      {
        figure: `RSS per idle connection after a full GC (${n} docs)`,
        unit: 'KiB',
        values: gc,
        digits: 1,
        ratio: true,
        target: '<= raw + 2 KiB',
        met: atMost(gc.tandem, (gc.raw ?? NaN) + 2),
      },
      { figure: 'RSS per idle connection as is (garbage included)', unit: 'KiB', values: meds(results, (r) => r.perConnectionBytes / 1024), digits: 1, ratio: true },
    ]
  },
}

/** One run of the many-connections scenario. */
export interface CrowdResult {
  readonly connections: number
  readonly synced: number
  readonly connectMs: number
  readonly rssBytes: number
  /** Time from one edit to its arrival at the last of the other clients, per probe (ms). */
  readonly reachMs: number[]
  /** Clients that got each probe. */
  readonly reached: number[]
}

async function runCrowd(kind: ServerKind, ctx: Context): Promise<CrowdResult> {
  const total = ctx.quick ? 500 : 10_000
  const nWorkers = ctx.quick ? 2 : 4
  const server = await startServer(kind)
  const workers = await startWorkers(nWorkers)
  try {
    const share = Math.ceil(total / nWorkers)
    const setups = await Promise.all(
      workers.map((w, i) =>
        w.request<SetupResult>({
          type: 'setup',
          wsBase: server.wsBase,
          docs: [{ name: 'crowd', index: 0, clients: Math.min(share, total - i * share), firstClient: i * share }],
          totalDocs: 1,
          clientsPerDoc: total,
          editing: false,
          awareness: 'none',
          concurrency: 50,
          timeoutMs: 60_000,
        }),
      ),
    )
    const synced = setups.reduce((n, s) => n + s.synced, 0)
    const connectMs = Math.max(...setups.map((s) => s.ms))
    await wait(1000)
    const rssBytes = server.rss()
    const reachMs: number[] = []
    const reached: number[] = []
    for (let probe = 0; probe < 3; probe++) {
      await Promise.all(workers.map((w) => w.request({ type: 'probe-arm' })))
      const sentAt = await workers[0]!.request<number>({ type: 'probe-send' })
      const results = await Promise.all(workers.map((w) => w.request<ProbeResult>({ type: 'probe-wait', timeoutMs: 10_000 })))
      const got = results.reduce((n, r) => n + r.received, 0)
      reached.push(got)
      reachMs.push(got === synced ? Math.max(...results.map((r) => r.lastAt)) - sentAt : Infinity)
      await wait(500)
    }
    return { connections: total, synced, connectMs, rssBytes, reachMs, reached }
  } finally {
    await server.stop()
    await closeWorkers(workers)
  }
}

/** 10,000 concurrent idle connections in one document. */
export const crowd: Scenario<CrowdResult> = {
  id: 'crowd',
  title: '10,000 idle connections in one document',
  method:
    '10,000 clients (4 generator processes) join one document, 50 handshakes in flight per process, and each ' +
    'waits for its sync step 2. Then one client types one character, three times, 0.5 s apart; the figure is the ' +
    'time from the send to its arrival at the last of the 9,999 others (median of the three; all must arrive). ' +
    '--quick: 500 clients.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: () => 1,
  run: runCrowd,
  brief: (r) =>
    `${r.synced}/${r.connections} synced in ${(r.connectMs / 1000).toFixed(1)} s, RSS ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB, one edit reached ${r.reached.join('/')} in ${r.reachMs.map((v) => v.toFixed(0)).join('/')} ms`,
  rows(results, ctx) {
    const n = ctx.quick ? '500' : '10,000'
    const reach = meds(results, (r) => median(r.reachMs))
    const allSynced = meds(results, (r) => (r.synced === r.connections ? 1 : 0))
    return [
      { figure: `${n} idle connections in one doc: connected and synced`, unit: '', values: meds(results, (r) => r.synced), digits: 0, target: 'all', met: med(results, 'tandem', (r) => r.synced - r.connections) === 0 },
      { figure: `${n} idle connections: time to connect and sync all`, unit: 's', values: meds(results, (r) => r.connectMs / 1000), digits: 1, ratio: true },
      { figure: `${n} idle connections: server RSS`, unit: 'MiB', values: meds(results, (r) => r.rssBytes / 2 ** 20), digits: 0, ratio: true },
      {
        figure: `${n} idle connections: one edit reaches all of them`,
        unit: 'ms',
        values: reach,
        digits: 0,
        ratio: true,
        target: '< 1 s, all reached',
        met: allSynced.tandem === 1 && reach.tandem !== undefined && Number.isFinite(reach.tandem) ? reach.tandem < 1000 : reach.tandem === undefined ? null : false,
      },
    ]
  },
}
