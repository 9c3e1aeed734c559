/**
 * Large documents: memory per loaded document (50 documents of the first 20,000 edits of the
 * trace), and joins of the whole trace's document (the first join right after the upload, later
 * joiners, and for Tandem a cold load from LevelDB right after a restart). Every server gets the
 * document the same way: one client uploads it as one sync step 2.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import type { JoinResult, SetupResult } from '../generator/messages.js'
import { closeWorkers, startWorkers, type Worker } from '../generator/pool.js'
import { DATA_DIR } from '../paths.js'
import { startServer, type ServerHandle, type ServerKind } from '../servers/server.js'
import { median } from '../stats.js'
import { atMost, med, meds, wait, type Context, type Scenario } from './scenario.js'

/** Edits of the trace in each loaded document. */
export const LOADED_EDITS = 20_000
/** Edits of the trace in the joined document (all of them). */
export const JOIN_EDITS = 259_778
/** Documents uploaded and joined once each per run, for the first-join figure (1 with --quick). */
const FIRST_JOINS = 3
/** Documents uploaded and joined before those, unmeasured, so the server's code is compiled (1 with --quick). */
const WARM_JOINS = 3

/** Connects an uploader and a witness to each of `docs` documents named `prefix<n>`. */
async function connectPairs(worker: Worker, server: ServerHandle, docs: number, prefix: string, firstIndex = 0): Promise<number> {
  const setup = await worker.request<SetupResult>({
    type: 'setup',
    wsBase: server.wsBase,
    docs: Array.from({ length: docs }, (_, d) => ({ name: `${prefix}${d}`, index: firstIndex + d, clients: 2 })),
    totalDocs: firstIndex + docs,
    clientsPerDoc: 2,
    editing: false,
    awareness: 'none',
    concurrency: 32,
    timeoutMs: 20_000,
  })
  if (setup.synced !== setup.clients) throw new Error(`only ${setup.synced} of ${setup.clients} clients synced with ${server.kind}`)
  return setup.ms
}

/** One loaded-documents run. */
export interface LoadedResult {
  readonly docs: number
  readonly encodedBytes: number
  /** RSS as it is, before and after the uploads. */
  readonly rssBeforeBytes: number
  readonly rssAfterBytes: number
  readonly perDocBytes: number
  /** RSS right after a full garbage collection, before and after the uploads. */
  readonly gcBeforeBytes: number
  readonly gcAfterBytes: number
  readonly perDocAfterGcBytes: number
  /** A fresh client joining one of them got the whole document. */
  readonly served: boolean
}

async function runLoaded(kind: ServerKind, ctx: Context): Promise<LoadedResult> {
  const doc = ctx.trace().docs.get(LOADED_EDITS)!
  const docs = ctx.quick ? 10 : 50
  const server = await startServer(kind, { inspect: true })
  const [worker] = await startWorkers(1)
  try {
    // a few documents loaded first, so the baseline already holds what loading one allocates once
    await connectPairs(worker!, server, 5, 'warm', 1000)
    await worker!.request({ type: 'upload', file: doc.file, prefix: 'warm', timeoutMs: 30_000 })
    await connectPairs(worker!, server, docs, 'loaded')
    await wait(1500)
    const rssBeforeBytes = server.rss()
    await server.collectGarbage()
    const gcBeforeBytes = server.rss()
    await worker!.request({ type: 'upload', file: doc.file, prefix: 'loaded', timeoutMs: 30_000 })
    await wait(ctx.quick ? 2000 : 3000)
    const rssAfterBytes = server.rss()
    await server.collectGarbage()
    const gcAfterBytes = server.rss()
    const check = await worker!.request<JoinResult>({ type: 'join', url: `${server.wsBase}/loaded0`, textLength: doc.textLength, timeoutMs: 10_000 })
    return {
      docs,
      encodedBytes: doc.bytes,
      rssBeforeBytes,
      rssAfterBytes,
      perDocBytes: (rssAfterBytes - gcBeforeBytes) / docs,
      gcBeforeBytes,
      gcAfterBytes,
      perDocAfterGcBytes: (gcAfterBytes - gcBeforeBytes) / docs,
      served: check.ok,
    }
  } finally {
    await server.stop()
    await closeWorkers([worker!])
  }
}

/** Memory per loaded document. */
export const loaded: Scenario<LoadedResult> = {
  id: 'docs',
  title: 'Memory per loaded document, 50 docs of 20,000 trace edits',
  method:
    'The document after the first 20,000 edits of the trace (Y.encodeStateAsUpdate, built once) is uploaded as one ' +
    'sync step 2 to each of 50 documents, each with its uploader and a second client connected (they stay, so the ' +
    'documents stay loaded). Five other documents are loaded the same way first. RSS is read after the 100 clients ' +
    'synced and 1.5 s of quiet, and again 3 s after the last upload was relayed, each time as is and right after a ' +
    'full garbage collection (forced through the V8 inspector, which every server runs with in this scenario). The ' +
    'figures are divided by 50, also as a multiple of the encoded size: "after a full GC" is the growth between the ' +
    'two collected readings (what the documents hold); "as is" is from the first collected reading to the uncollected ' +
    'one after (garbage included). A fresh client then joins one document and must get all of it. --quick: 10 documents.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: (ctx) => (ctx.quick ? 1 : 2),
  run: runLoaded,
  brief: (r) =>
    `${(r.perDocAfterGcBytes / 1024).toFixed(0)} KiB per document after a full GC = ${(r.perDocAfterGcBytes / r.encodedBytes).toFixed(1)}x its ${(r.encodedBytes / 1024).toFixed(1)} KiB encoded, ` +
    `${(r.perDocBytes / 1024).toFixed(0)} KiB as is (RSS ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.rssAfterBytes / 2 ** 20).toFixed(1)} MiB, ` +
    `after GC ${(r.gcBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.gcAfterBytes / 2 ** 20).toFixed(1)} MiB)${r.served ? '' : ', JOIN DID NOT GET THE DOCUMENT'}`,
  rows(results, ctx) {
    const kib = meds(results, (r) => r.perDocAfterGcBytes / 1024)
    const times = meds(results, (r) => r.perDocAfterGcBytes / r.encodedBytes)
    return [
      { figure: `RSS per loaded doc after a full GC (${ctx.quick ? 10 : 50} docs of 20k trace edits)`, unit: 'KiB', values: kib, digits: 0, ratio: true },
      { figure: 'RSS per loaded doc as is (garbage included)', unit: 'KiB', values: meds(results, (r) => r.perDocBytes / 1024), digits: 0, ratio: true },
      {
        figure: 'RSS per loaded doc after a full GC, as a multiple of its encoded size',
        unit: 'x',
        values: times,
        digits: 1,
        ratio: true,
        target: '<= 3x encoded',
        met: atMost(times.tandem, 3),
      },
    ]
  },
}

/** One join run. */
export interface JoinRunResult {
  readonly bytes: number
  readonly uploadMs: number
  /** The first join of median time among FIRST_JOINS documents, each joined right after its upload. */
  readonly first: JoinResult
  readonly firstTotals: number[]
  readonly later: JoinResult[]
  /** Tandem only: the first join after a restart (a load from LevelDB). */
  readonly cold: JoinResult | null
}

async function runJoin(kind: ServerKind, ctx: Context): Promise<JoinRunResult> {
  const doc = ctx.trace().docs.get(JOIN_EDITS)!
  let dataDir: string | undefined
  if (kind === 'tandem') {
    mkdirSync(DATA_DIR, { recursive: true })
    dataDir = mkdtempSync(joinPath(DATA_DIR, 'tandem-join-'))
  }
  let server: ServerHandle | null = await startServer(kind, { dataDir })
  const workers = await startWorkers(2)
  const [uploader, joiner] = workers as [Worker, Worker]
  const joinDoc = (name: string) => joiner.request<JoinResult>({ type: 'join', url: `${server!.wsBase}/${name}`, textLength: doc.textLength, timeoutMs: 30_000 })
  const join = () => joinDoc('big0')
  try {
    await joiner.request({ type: 'warm', file: doc.file })
    // the server warms up too: a fresh process compiles its hot code on background threads while
    // the first uploads and joins run, and on two cores that slows the joiner's apply
    for (let i = 0; i < (ctx.quick ? 1 : WARM_JOINS); i++) {
      const prefix = `warm${i}-`
      await connectPairs(uploader, server, 1, prefix, FIRST_JOINS + i)
      await uploader.request<{ ms: number }>({ type: 'upload', file: doc.file, prefix, timeoutMs: 60_000 })
      await joinDoc(`${prefix}0`)
    }
    // first joins are single samples: take the median of several, each right after its own upload
    const firsts: JoinResult[] = []
    const uploads: number[] = []
    for (let i = 0; i < (ctx.quick ? 1 : FIRST_JOINS); i++) {
      const prefix = i === 0 ? 'big' : `first${i}-`
      await connectPairs(uploader, server, 1, prefix, i)
      const upload = await uploader.request<{ ms: number }>({ type: 'upload', file: doc.file, prefix, timeoutMs: 60_000 })
      uploads.push(upload.ms)
      firsts.push(await joinDoc(`${prefix}0`))
    }
    const first = [...firsts].sort((a, b) => a.total - b.total)[Math.floor(firsts.length / 2)]!
    const later: JoinResult[] = []
    for (let i = 0; i < (ctx.quick ? 2 : 10); i++) later.push(await join())
    let cold: JoinResult | null = null
    if (kind === 'tandem') {
      // a graceful stop writes everything; the restart finds the document only on disk
      await server.stop()
      server = await startServer(kind, { dataDir })
      cold = await join()
    }
    return { bytes: doc.bytes, uploadMs: median(uploads), first, firstTotals: firsts.map((j) => j.total), later, cold }
  } finally {
    await server?.stop()
    await closeWorkers(workers)
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

const p50 = (joins: readonly JoinResult[], pick: (j: JoinResult) => number) => median(joins.map(pick))

/** Joins of the whole trace's document. */
export const joins: Scenario<JoinRunResult> = {
  id: 'join',
  title: 'Joins of the 260k-edit document',
  method:
    'The document after all 259,778 edits of the trace is uploaded by one client as one sync step 2 (it stays ' +
    'connected, so the document stays loaded), and a second client sees it relayed. Then a fresh client joins: it ' +
    'opens a socket, sends sync step 1 with an empty state vector, and applies the sync step 2 it gets to a new Y.Doc ' +
    '(timed from opening the socket to the text being readable; "answer" is step 1 sent to step 2 received). The ' +
    'joining process applied the same document eight times beforehand, and the server served three such uploads and ' +
    'joins of other documents, so joins measure warm code on both sides. This is done for ' +
    'three documents, one after another, and the first join is the median of the three. "Later joins" are ten more ' +
    'joins of the first document, one after another. For Tandem the server is then stopped (gracefully: it writes and ' +
    'compacts) and restarted on the same data directory, and one more client joins: a cold load from LevelDB.',
  kinds: ['raw', 'peer', 'tandem'],
  // a run takes seconds; the first-join target (1.1x) is closer than its run-to-run spread
  reps: (ctx) => (ctx.quick ? 1 : 4),
  run: runJoin,
  brief: (r) =>
    `upload ${r.uploadMs.toFixed(0)} ms; first join ${r.first.total.toFixed(0)} ms of ${r.firstTotals.map((t) => t.toFixed(0)).join('/')} (open ${r.first.open.toFixed(1)}, answer ${r.first.answer.toFixed(1)}, apply ${r.first.apply.toFixed(0)}, ${(r.first.bytes / 1024).toFixed(0)} KiB)` +
    `; later p50 ${p50(r.later, (j) => j.total).toFixed(0)} ms (open ${p50(r.later, (j) => j.open).toFixed(1)}, answer ${p50(r.later, (j) => j.answer).toFixed(1)})` +
    `${r.cold ? `; cold load ${r.cold.total.toFixed(0)} ms (answer ${r.cold.answer.toFixed(0)})` : ''}` +
    `${[r.first, ...r.later, ...(r.cold ? [r.cold] : [])].every((j) => j.ok) ? '' : '; A JOIN GOT THE WRONG DOCUMENT'}`,
  rows(results) {
    const first = meds(results, (r) => r.first.total)
    const later = meds(results, (r) => p50(r.later, (j) => j.total))
    const cold = med(results, 'tandem', (r) => r.cold?.total ?? NaN)
    return [
      {
        figure: 'first join after the 260k-edit doc was uploaded',
        unit: 'ms',
        values: first,
        digits: 0,
        ratio: true,
        target: '<= 1.1x raw',
        met: atMost(first.tandem, 1.1 * (first.raw ?? NaN)),
      },
      { figure: 'first join: server answer time (step 1 sent to step 2 received)', unit: 'ms', values: meds(results, (r) => r.first.answer), digits: 0, ratio: true },
      {
        figure: 'join p50 of later joiners, same doc',
        unit: 'ms',
        values: later,
        digits: 0,
        ratio: true,
        target: '<= @y/websocket-server',
        met: atMost(later.tandem, later.peer),
      },
      { figure: 'later joins: server answer time p50', unit: 'ms', values: meds(results, (r) => p50(r.later, (j) => j.answer)), digits: 0, ratio: true },
      { figure: 'size of the sync step 2 a joiner gets', unit: 'KiB', values: meds(results, (r) => r.first.bytes / 1024), digits: 0, ratio: true },
      {
        figure: 'cold load: first join right after a restart (Tandem, from LevelDB)',
        unit: 'ms',
        values: { tandem: cold },
        digits: 0,
        target: '< 150 ms',
        met: Number.isFinite(cold) ? cold < 150 : null,
      },
    ]
  },
}
