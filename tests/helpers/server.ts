/**
 * A real Tandem server in this process on port 0, with a LevelDB store in a temporary
 * directory, and stock y-websocket clients to talk to it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { startTandem, type Tandem, type TandemDeps, type TandemTuning } from '../../server/app.js'
import { DEFAULTS, type Config } from '../../server/config.js'
import { createInlineCompactor } from '../../server/docs/compactor.js'
import { nextEvent } from './wait.js'

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(prefix = 'tandem-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Starts a server on port 0; `config` overrides defaults. Uses the inline compactor unless given. */
export async function startServer(
  config: Partial<Config> = {},
  deps: TandemDeps = {},
  tuning: TandemTuning = {},
): Promise<Tandem & { wsUrl: string }> {
  const tandem = await startTandem(
    {
      ...DEFAULTS,
      port: 0,
      dataDir: ':memory:',
      logLevel: 'silent',
      // one test process is one address hammering the server: abuse limits get their own tests
      maxConnectionsPerIp: 100_000,
      maxMessagesPerSecond: 1_000_000,
      maxBytesPerSecond: 1024 ** 3,
      signupsPerHour: 1_000_000,
      ...config,
    },
    { compactor: createInlineCompactor(), hashCost: { N: 1024, r: 8, p: 1 }, ...deps },
    tuning,
  )
  return Object.assign(tandem, { wsUrl: `${tandem.url.replace(/^http/, 'ws')}/sync` })
}

/** A stock y-websocket client: a Y.Doc, its provider and awareness. */
export interface Client {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  /** Resolves once the first sync completed. */
  synced(): Promise<void>
  destroy(): void
}

/** Connects a stock WebsocketProvider to `docId`; `WebSocket` may carry a cookie, `params` a token. */
export function connect(
  wsUrl: string,
  docId: string,
  doc = new Y.Doc(),
  opts: { connect?: boolean; WebSocket?: typeof WebSocket; params?: Record<string, string> } = {},
): Client {
  const provider = new WebsocketProvider(wsUrl, docId, doc, {
    WebSocketPolyfill: (opts.WebSocket ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: opts.connect ?? true,
    params: opts.params ?? {},
  })
  return {
    doc,
    provider,
    synced: async () => {
      if (!provider.synced) await nextEvent(provider, 'sync')
    },
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}
