/**
 * `npm start`: the only module that reads process.argv and process.env. Prints
 * `listening on http://HOST:PORT` once ready; SIGINT/SIGTERM flush everything and exit 0.
 */
import { ConfigError, isLoopback, parseConfig, usage } from './config.js'
import { startTandem } from './app.js'
import { createLogger } from './log.js'
import { StorageLockedError } from './storage/storage.js'

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_MS = 4500

function fail(message: string, code = 2): never {
  process.stderr.write(`tandem: ${message}\n`)
  process.exit(code)
}

async function main(): Promise<void> {
  let config
  try {
    config = parseConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  if (config === 'help') {
    process.stdout.write(`${usage()}\n`)
    return
  }
  const log = createLogger(config.logLevel)
  let tandem
  try {
    tandem = await startTandem(config, { log })
  } catch (err) {
    if (err instanceof StorageLockedError) fail(err.message, 1)
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is already in use; pick another with --port`, 1)
    if (e.code === 'EACCES') fail(`not allowed to listen on ${config.host}:${config.port}`, 1)
    if (e.code === 'EADDRNOTAVAIL') fail(`${config.host} is not an address of this machine (--host)`, 1)
    // getaddrinfo's words name neither the option nor what to do
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') fail(`--host ${config.host} is neither an address nor a name this machine can look up`, 1)
    fail(e.message, 1)
  }
  // a trusted proxy forwards others' requests, whatever address the server listens on. Written
  // before the listening lines: whoever reads up to them (a test, a supervisor) has seen it
  if (config.auth === 'open' && (!isLoopback(config.host) || config.trustProxy)) {
    const bar = '!'.repeat(78)
    const where = config.trustProxy ? 'behind a proxy' : `on ${config.host}`
    process.stderr.write(
      `${bar}\n!! WARNING: open mode ${where}: ANYONE who can reach this server can read,\n` +
        `!! change and delete EVERY document. Use --auth accounts (or token)` +
        `${config.trustProxy ? '' : ', or --host 127.0.0.1'}.\n${bar}\n`,
    )
    log.warn({ host: config.host, trustProxy: config.trustProxy }, 'open mode reachable from other machines: anyone who can reach the server can edit everything')
  }

  process.stdout.write(`listening on ${tandem.url}\n`)
  // the store's name, not --data: a PostgreSQL URL may hold a password
  log.info({ url: tandem.url, storage: tandem.storage.name, auth: config.auth }, 'listening')

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    // not unref'd: until close() ends or this fires, the process stays, whatever close() waits
    // on (a loop with nothing else left in it would otherwise end the process halfway, with 0)
    setTimeout(() => {
      log.error('shutdown took too long; exiting')
      process.exit(1)
    }, SHUTDOWN_MS)
    tandem.close().then(
      () => {
        log.info('stopped')
        log.flush()
        process.exit(0)
      },
      (err: Error) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('uncaughtException', (err) => {
    // keep serving: one bad request must not take everyone down, but say so loudly
    log.fatal({ err }, 'uncaught exception')
  })
  process.on('unhandledRejection', (err) => {
    log.error({ err }, 'unhandled rejection')
  })
}

void main()
