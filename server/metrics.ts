/**
 * Prometheus metrics (prom-client) on a registry of the server's own. Per-message counts are plain
 * numbers bumped on the hot path and read by prom-client only when /metrics is scraped.
 */
import * as prom from 'prom-client'

/** Counters bumped on the hot path; cheap field increments. */
export interface Traffic {
  messagesIn: number
  messagesOut: number
  bytesIn: number
  bytesOut: number
}

/** Every metric the server exports. */
export interface Metrics {
  readonly registry: prom.Registry
  readonly traffic: Traffic
  readonly connectionsOpened: prom.Counter
  readonly closes: prom.Counter<'code' | 'name'>
  readonly errors: prom.Counter<'kind'>
  readonly persistBatch: prom.Histogram
  readonly persistFailures: prom.Counter
  readonly writerHolds: prom.Counter
  readonly compactions: prom.Counter<'result'>
  readonly compactionSeconds: prom.Histogram
  readonly httpRequests: prom.Counter<'route' | 'status'>
  /** Image uploads accepted: `stored` (new bytes) or `existing` (the same bytes were there). */
  readonly imageUploads: prom.Counter<'result'>
  readonly imageBytesStored: prom.Counter
}

/** Live values the metrics read when scraped. */
export interface Gauges {
  connections(): number
  documentsLoaded(): number
  persistBacklogBytes(): number
  /** Bytes written to connections and not yet taken by the kernel (what slow readers cost). */
  sendQueuedBytes(): number
}

/** Creates the metrics; `gauges` are read at scrape time. */
export function createMetrics(gauges: Gauges): Metrics {
  const registry = new prom.Registry()
  prom.collectDefaultMetrics({ register: registry, prefix: 'tandem_' })
  const traffic: Traffic = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 }

  const fromTraffic = (name: string, help: string, key: keyof Traffic) => {
    let reported = 0
    new prom.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.inc(traffic[key] - reported)
        reported = traffic[key]
      },
    })
  }
  fromTraffic('tandem_messages_in_total', 'WebSocket messages received', 'messagesIn')
  fromTraffic('tandem_messages_out_total', 'WebSocket messages sent', 'messagesOut')
  fromTraffic('tandem_bytes_in_total', 'WebSocket payload bytes received', 'bytesIn')
  fromTraffic('tandem_bytes_out_total', 'WebSocket payload bytes sent', 'bytesOut')

  const gauge = (name: string, help: string, read: () => number) =>
    new prom.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('tandem_connections', 'Open WebSocket connections', gauges.connections)
  gauge('tandem_documents_loaded', 'Documents held in memory', gauges.documentsLoaded)
  gauge('tandem_persist_backlog_bytes', 'Bytes of accepted updates not yet on disk', gauges.persistBacklogBytes)
  gauge('tandem_send_queued_bytes', 'Bytes queued in the server for connections, not yet taken by the kernel', gauges.sendQueuedBytes)

  return {
    registry,
    traffic,
    connectionsOpened: new prom.Counter({ name: 'tandem_connections_total', help: 'WebSocket connections opened', registers: [registry] }),
    closes: new prom.Counter({
      name: 'tandem_closes_total',
      help: 'WebSocket connections closed, by close code',
      labelNames: ['code', 'name'],
      registers: [registry],
    }),
    errors: new prom.Counter({ name: 'tandem_errors_total', help: 'Errors, by kind', labelNames: ['kind'], registers: [registry] }),
    persistBatch: new prom.Histogram({
      name: 'tandem_persist_batch_seconds',
      help: 'Latency of one group-commit batch write',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    persistFailures: new prom.Counter({ name: 'tandem_persist_failures_total', help: 'Failed batch writes (retried)', registers: [registry] }),
    writerHolds: new prom.Counter({
      name: 'tandem_writer_holds_total',
      help: 'Times a writer was paused until compaction made room in its document',
      registers: [registry],
    }),
    compactions: new prom.Counter({ name: 'tandem_compactions_total', help: 'Document compactions, by result (ok, failed, stopped: left for the next load by a stop)', labelNames: ['result'], registers: [registry] }),
    compactionSeconds: new prom.Histogram({
      name: 'tandem_compaction_seconds',
      help: 'Duration of one document compaction (compaction process plus write)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRequests: new prom.Counter({
      name: 'tandem_http_requests_total',
      help: 'HTTP requests, by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    imageUploads: new prom.Counter({
      name: 'tandem_image_uploads_total',
      help: 'Image uploads accepted, by result (stored: new bytes, existing: already stored)',
      labelNames: ['result'],
      registers: [registry],
    }),
    imageBytesStored: new prom.Counter({ name: 'tandem_image_bytes_stored_total', help: 'Bytes of new images stored', registers: [registry] }),
  }
}
