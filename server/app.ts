/**
 * The composition root: builds storage, rooms, transport and HTTP from a Config and starts
 * listening. Tests start it in-process on port 0; main.ts starts it for `npm start`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { createSecureContext } from 'node:tls'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { Close } from '../shared/protocol.js'
import { SCHEMA_VERSION } from '../shared/schema-version.js'
import { createAuth, type Auth } from './auth/auth.js'
import { Concurrency } from './auth/rate-limit.js'
import { isLoopback, type Config } from './config.js'
import { Catalog } from './docs/catalog.js'
import { createProcessCompactor, type Compactor } from './docs/compactor.js'
import { DocImages } from './docs/images.js'
import { recoverJournal } from './docs/recovery.js'
import { Registry } from './docs/registry.js'
import { TextBackfill } from './docs/search.js'
import { addAccessRoutes } from './http/access-api.js'
import { addApiRoutes } from './http/api.js'
import { addAuthRoutes } from './http/auth-api.js'
import { Guard } from './http/guard.js'
import { addHealthRoutes } from './http/health.js'
import { addImageRoutes } from './http/images-api.js'
import { json } from './http/respond.js'
import { Router } from './http/router.js'
import { createStaticHandler, defaultClientRoot } from './http/static.js'
import { silentLogger } from './log.js'
import { createMetrics, type Metrics } from './metrics.js'
import { GroupCommit } from './storage/group-commit.js'
import { Journal } from './storage/journal.js'
import { openLevelStorage } from './storage/leveldb.js'
import { createMemoryStorage } from './storage/memory.js'
import { openPostgresStorage } from './storage/postgres.js'
import { isPostgresUrl } from './storage/postgres-url.js'
import type { Storage } from './storage/storage.js'
import { Heartbeat } from './transport/heartbeat.js'
import { liftIdleTimeout, loopbackHostCheck } from './transport/request.js'
import { createUpgradeHandler, refuse } from './transport/upgrade.js'

/** Parts a caller may supply instead of the defaults (tests inject failing storage, say). */
export interface TandemDeps {
  readonly log?: Logger
  readonly storage?: Storage
  readonly compactor?: Compactor
  readonly now?: () => number
  /** A journal to put in front of `storage` (by default: one in dataDir when the server opens LevelDB itself). */
  readonly journal?: Journal | null
  /** scrypt cost for new password hashes (tests use a cheap one). */
  readonly hashCost?: { N: number; r: number; p: number }
}

/** Tuning that is not a user-facing flag. */
export interface TandemTuning {
  readonly compactMinBytes?: number
  readonly compactIdleMs?: number
  /**
   * How long a stop waits for the compactions of the documents it unloads once their writes are
   * in the store (default 2 s; main.ts gives the whole stop 4.5 s). A document that takes longer
   * to fold is folded on its next load.
   */
  readonly compactionAtStopMs?: number
  readonly keepaliveMs?: number
  /** Image uploads taken in at once (default IMAGE_UPLOADS_AT_ONCE). */
  readonly imageUploadsAtOnce?: number
  readonly maxBacklogBytes?: number
  readonly metaIntervalMs?: number
  readonly maintenanceMs?: number
  /** Awareness changes within this long of a relay go out together (PROTOCOL.md A4; 0: each at once). */
  readonly presenceIntervalMs?: number
  /** How long a connection (TLS handshake included) may take to send a complete request head. */
  readonly headersTimeoutMs?: number
  /** The document schema version the app must edit with (tests stand in for a later server). */
  readonly appSchema?: number
}

/** A running server. */
export interface Tandem {
  /** `http://host:port` as bound (port 0 resolved). */
  readonly url: string
  readonly port: number
  readonly server: Server
  readonly registry: Registry
  readonly catalog: Catalog
  readonly storage: Storage
  readonly metrics: Metrics
  readonly auth: Auth
  /** Stops accepting, closes peers with 1001, flushes every write, releases storage. */
  close(): Promise<void>
}

/**
 * Opens the configured store: memory for ':memory:', PostgreSQL for a postgres:// URL (--fsync
 * does not apply: PostgreSQL's own settings decide), else LevelDB in `dataDir`.
 */
export async function openStorage(config: Pick<Config, 'dataDir' | 'fsync'> & Partial<Pick<Config, 'pgSchema'>>, log?: Logger): Promise<Storage> {
  if (config.dataDir === ':memory:') return createMemoryStorage()
  if (isPostgresUrl(config.dataDir)) {
    // said once at start, so nobody counts on a flag that does nothing here
    if (config.fsync) log?.warn('--fsync has no effect with PostgreSQL: its own settings (fsync, synchronous_commit) decide how durable a commit is')
    return openPostgresStorage(config.dataDir, { schema: config.pgSchema, log })
  }
  return openLevelStorage(config.dataDir, { fsync: config.fsync })
}

/**
 * Whether the server puts its own write-ahead journal in front of the store: only for LevelDB.
 * Memory keeps nothing anyway; for PostgreSQL the commit itself is the durable step.
 */
const journaled = (dataDir: string) => dataDir !== ':memory:' && !isPostgresUrl(dataDir)


/**
 * Reads and checks the TLS certificate and key, with errors naming the option and file. Checked
 * here, before the store opens: OpenSSL's own words ("PEM routines::no start line") name neither.
 */
function readTls(config: Config): { cert: Buffer; key: Buffer } | null {
  if (config.tlsCert === null || config.tlsKey === null) return null
  const read = (path: string, option: string) => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw new Error(`cannot read ${option} ${path}: ${(err as Error).message}`)
    }
  }
  const check = (options: { cert?: Buffer; key?: Buffer }, problem: string) => {
    try {
      createSecureContext(options)
    } catch (err) {
      throw new Error(`${problem} (${(err as Error).message})`)
    }
  }
  const cert = read(config.tlsCert, '--tls-cert')
  const key = read(config.tlsKey, '--tls-key')
  check({ cert }, `--tls-cert ${config.tlsCert} holds no PEM certificate`)
  check({ key }, `--tls-key ${config.tlsKey} holds no PEM private key`)
  check({ cert, key }, `--tls-key ${config.tlsKey} is not the key of --tls-cert ${config.tlsCert}`)
  return { cert, key }
}

/** Starts a Tandem server; resolves once it is listening. */
export async function startTandem(config: Config, deps: TandemDeps = {}, tuning: TandemTuning = {}): Promise<Tandem> {
  const log = deps.log ?? silentLogger()
  const now = deps.now ?? Date.now
  const tls = readTls(config)
  const storage = deps.storage ?? (await openStorage(config, log))
  let auth: Auth
  // the journal goes with the store the server opened itself (LevelDB in dataDir); stores passed
  // in, the memory store and PostgreSQL take every write directly
  let journal: Journal | null = deps.journal ?? null
  try {
    if (deps.journal === undefined && !deps.storage && journaled(config.dataDir)) {
      journal = Journal.open(join(config.dataDir, 'journal'), { fsync: config.fsync })
    }
    if (journal) await recoverJournal(journal, storage, log)
    auth = await createAuth(config, storage, { now, hashCost: deps.hashCost })
  } catch (err) {
    journal?.close(false)
    await storage.close()
    throw err
  }
  const compactor = deps.compactor ?? createProcessCompactor()
  const heartbeat = new Heartbeat({ pingIntervalMs: config.pingIntervalMs, keepaliveMs: tuning.keepaliveMs ?? 10_000 })
  let registry: Registry | undefined
  let commit: GroupCommit | undefined
  const metrics = createMetrics({
    connections: () => heartbeat.size,
    documentsLoaded: () => registry?.size ?? 0,
    persistBacklogBytes: () => commit?.backlogBytes ?? 0,
    sendQueuedBytes: () => {
      let bytes = 0
      for (const conn of heartbeat.all()) bytes += conn.queuedBytes
      return bytes
    },
  })
  commit = new GroupCommit({ storage, journal, log, metrics, now })
  registry = new Registry({
    storage,
    commit,
    compactor,
    log,
    metrics,
    now,
    compactMinBytes: tuning.compactMinBytes ?? 1024 * 1024,
    compactIdleMs: tuning.compactIdleMs ?? 30_000,
    maxBacklogBytes: tuning.maxBacklogBytes ?? 64 * 1024 * 1024,
    metaIntervalMs: tuning.metaIntervalMs ?? 2000,
    presenceIntervalMs: tuning.presenceIntervalMs ?? 30,
    maxDocBytes: config.maxDocSize,
  })
  registry.startMaintenance(tuning.maintenanceMs ?? 1000)
  const backfill = new TextBackfill({ storage, compactor, log, metrics })
  const catalog = new Catalog(storage, registry, now, config.maxDocSize, undefined, backfill)

  let closing = false
  const wsOptions = {
    noServer: true,
    maxPayload: config.maxMessage,
    perMessageDeflate: false,
    clientTracking: false,
    // a peer that never finishes a closing handshake is dropped after 5 s, not ws's default 30
    // (ws 8.23 option, not yet in @types/ws)
    closeTimeout: 5000,
  }
  const wss = new WebSocketServer(wsOptions)
  const router = new Router(log, metrics)
  addHealthRoutes(router, { storage, commit, metrics, log, journal: journal !== null })
  const guard = new Guard(auth.policy, config.origins)
  const images = new DocImages(storage, config.maxImageSize)
  addApiRoutes(router, { catalog, guard, auth, images })
  addImageRoutes(router, { catalog, guard, images, metrics, log, uploadsAtOnce: tuning.imageUploadsAtOnce })
  addAuthRoutes(router, { auth, guard, trustProxy: config.trustProxy })
  addAccessRoutes(router, { auth, guard, now })
  router.otherwise(createStaticHandler({ root: defaultClientRoot() }))
  // reachable from this machine only: answer only to its names (DNS rebinding, request.ts)
  const hostAllowed = isLoopback(config.host) && !config.trustProxy ? loopbackHostCheck(config.origins) : null
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    liftIdleTimeout(req, res)
    if (hostAllowed === null || hostAllowed(req.headers.host)) return router.handle(req, res)
    metrics.errors.inc({ kind: 'http-421' })
    json(res, 421, { error: `this server does not answer to ${req.headers.host}; name it as localhost or 127.0.0.1, or add the name with --origin` })
  }
  // each connection holds a file descriptor: one that sends no complete request head in time is
  // closed. Node's headersTimeout (60 s, checked every 30 s) bounds a head sent slowly, but on
  // Node 20 did not reliably close a connection that sends nothing, so an idle socket times out
  // too, as does a TLS handshake (120 s by default). ws turns an upgraded socket's timeout off:
  // the heartbeat stays in charge of WebSockets.
  const headersTimeout = tuning.headersTimeoutMs ?? 20_000
  const limits = { headersTimeout, connectionsCheckingInterval: Math.ceil(headersTimeout / 4) }
  const server: Server = tls ? createTlsServer({ ...tls, ...limits, handshakeTimeout: headersTimeout }, handle) : createServer(limits, handle)
  server.timeout = headersTimeout
  server.on('upgrade', createUpgradeHandler({
    wss,
    registry,
    heartbeat,
    connection: { sendBudget: config.sendBudget, metrics },
    session: {
      log,
      metrics,
      maxQueuedBytes: Math.max(config.maxMessage * 2, 16 * 1024 * 1024),
      messagesPerSecond: config.maxMessagesPerSecond,
      bytesPerSecond: config.maxBytesPerSecond,
      burstBytes: Math.max(config.maxMessage, config.maxBytesPerSecond * 4),
    },
    log,
    metrics,
    closing: () => closing,
    policy: auth.policy,
    live: auth.live,
    perAddress: new Concurrency(config.maxConnectionsPerIp),
    origins: config.origins,
    hostAllowed,
    trustProxy: config.trustProxy,
    appSchema: tuning.appSchema ?? SCHEMA_VERSION,
  }))
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    metrics.errors.inc({ kind: 'http-client-error' })
    if (!socket.writable) return socket.destroy(err)
    // as Node itself answers: headers too large (a browser with many cookies) or too slow are no
    // malformed request, and saying so would send the person looking in the wrong place
    if (err.code === 'HPE_HEADER_OVERFLOW') refuse(socket, 431, 'request headers too large (too many or too big cookies?)')
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse(socket, 408, 'request not received in time')
    else refuse(socket, 400, 'malformed HTTP request')
  })

  // a TLS handshake that fails or does not finish in time ends here, and Node leaves its socket
  // open unless told otherwise (a silent connection stayed for minutes)
  server.on('tlsClientError', (_err: Error, socket: Duplex) => {
    metrics.errors.inc({ kind: 'tls-client-error' })
    socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch(async (err) => {
    await backfill.close()
    await catalog.files.close()
    await compactor.close()
    journal?.close(false)
    await storage.close()
    throw err
  })
  heartbeat.start()
  // documents stored before search read their text, or imported and never opened since
  catalog.fillSearchText().catch((err: unknown) => log.warn({ err }, 'listing documents for search failed'))
  const port = (server.address() as AddressInfo).port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host

  let closed: Promise<void> | null = null
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    server,
    registry,
    catalog,
    storage,
    metrics,
    auth,
    close() {
      closed ??= (async () => {
        closing = true
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        heartbeat.stop()
        await registry.close(Close.GoingAway, tuning.compactionAtStopMs ?? 2000)
        // give closing handshakes a moment, then drop whatever did not answer
        server.closeAllConnections()
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1000).unref())])
        for (const conn of heartbeat.all()) conn.ws.terminate()
        await stopped
        await backfill.close()
        await catalog.files.close()
        await compactor.close()
        // once everything is in the store the journal files can go (else the next start moves them)
        journal?.close(commit.idle)
        await storage.close()
      })()
      return closed
    },
  }
}
