/** Metrics for parts tested without a server: every live gauge reads zero. */
import { createMetrics, type Metrics } from '../../server/metrics.js'

/** A fresh metrics registry whose gauges all read 0. */
export function idleMetrics(): Metrics {
  return createMetrics({ connections: () => 0, documentsLoaded: () => 0, persistBacklogBytes: () => 0, sendQueuedBytes: () => 0 })
}
