/**
 * Operational endpoints: GET /healthz (200 when storage accepts writes, 503 when not) and
 * GET /metrics (Prometheus text format).
 */
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
  readonly startedAt: number
  readonly documents: () => number
  readonly connections: () => number
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

/** Adds /healthz and /metrics to a router. */
export function addHealthRoutes(router: Router, ctx: HealthContext): void {
  router.add('GET', '/healthz', async (_req, res) => {
    let storageError: string | null = null
    try {
      await withTimeout(ctx.storage.probe(), ctx.probeTimeoutMs ?? 2000)
      if (ctx.commit.failing) storageError = 'recent batch writes failed; retrying'
    } catch (err) {
      storageError = (err as Error).message
    }
    json(res, storageError === null ? 200 : 503, {
      status: storageError === null ? 'ok' : 'unavailable',
      storage: { backend: ctx.storage.name, writable: storageError === null, ...(storageError ? { error: storageError } : {}) },
      persistBacklogBytes: ctx.commit.backlogBytes,
      documents: ctx.documents(),
      connections: ctx.connections(),
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    })
  })
  router.add('GET', '/metrics', async (_req, res) => {
    const text = await ctx.metrics.registry.metrics()
    res.writeHead(200, { 'Content-Type': ctx.metrics.registry.contentType, 'Cache-Control': 'no-store' })
    res.end(text)
  })
}
