/**
 * Operational endpoints: GET /healthz (200 when storage accepts writes, 503 when not) and
 * GET /metrics (Prometheus text format).
 */
import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import type { GroupCommit } from '../storage/group-commit.js'
import type { Storage } from '../storage/storage.js'
import { json } from './respond.js'
import type { Router } from './router.js'

/** What the health endpoint reports on. */
export interface HealthContext {
  readonly storage: Storage
  readonly commit: GroupCommit
  readonly metrics: Metrics
  readonly log: Logger
  /** Whether writes go through a journal (its state is reported apart from the store's). */
  readonly journal: boolean
  /** Longest a storage probe may take before the store counts as unavailable. */
  readonly probeTimeoutMs?: number
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Adds /healthz and /metrics to a router. /healthz answers anyone (load balancers do not sign
 * in), so it says only whether the server can save; why not goes to the log, and the load to
 * /metrics.
 */
export function addHealthRoutes(router: Router, ctx: HealthContext): void {
  router.add('GET', '/healthz', async (_req, res) => {
    let writable = true
    try {
      await withTimeout(ctx.storage.probe(), ctx.probeTimeoutMs ?? 2000)
      // the group commit logs its own failures
      if (ctx.commit.storeFailing) writable = false
    } catch (err) {
      // a store's errors name its files: they stay out of the answer
      ctx.log.warn({ err }, 'health probe: the store does not accept writes')
      writable = false
    }
    // an edit is saved once journaled: a journal that fails saves nothing, whatever the store does
    const journalWritable = !ctx.commit.journalFailing
    const ok = writable && journalWritable
    json(res, ok ? 200 : 503, {
      status: ok ? 'ok' : 'unavailable',
      storage: { writable },
      ...(ctx.journal ? { journal: { writable: journalWritable } } : {}),
    })
  })
  router.add('GET', '/metrics', async (_req, res) => {
    const text = await ctx.metrics.registry.metrics()
    res.writeHead(200, { 'Content-Type': ctx.metrics.registry.contentType, 'Cache-Control': 'no-store' })
    res.end(text)
  })
}
