/**
 * The peer: @y/websocket-server 0.1.1 (in memory), installed on first use into a folder of the
 * benchmark's own (bench/.peers/y-websocket-server/) with yjs 13 beside it, never into the
 * product's dependencies. 0.1.2 and later need the yjs 14 prerelease and 0.1.5 does not install.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, PEERS_DIR } from '../paths.js'

/** Version of @y/websocket-server the benchmark runs. */
export const PEER_VERSION = '0.1.1'
/** Its folder. */
export const PEER_DIR = join(PEERS_DIR, 'y-websocket-server')
/** The launcher inside that folder. */
export const PEER_MAIN = join(PEER_DIR, 'main.mjs')

/**
 * Exact versions installed beside it: yjs 13 (its peer dependency) and the same ws as Tandem and
 * the raw relay, so the three differ only in what they do with a message. (Its own bin would
 * load ws 6, an optional dependency it declares.)
 */
const DEPENDENCIES = {
  '@y/websocket-server': PEER_VERSION,
  yjs: '13.6.33',
  ws: '8.23.0',
}

function installedVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(PEER_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return null
  }
}

/** Installs the peer unless the right versions are already there; returns what is installed. */
export function ensurePeer(log: (line: string) => void): Record<string, string> {
  mkdirSync(PEER_DIR, { recursive: true })
  copyFileSync(join(BENCH_DIR, 'servers', 'peer-main.mjs'), PEER_MAIN)
  const ok = Object.entries(DEPENDENCIES).every(([name, version]) => installedVersion(name) === version)
  if (!ok) {
    log(`installing @y/websocket-server ${PEER_VERSION} into ${PEER_DIR} (first use)`)
    writeFileSync(
      join(PEER_DIR, 'package.json'),
      `${JSON.stringify({ name: 'bench-peer-y-websocket-server', private: true, type: 'module', dependencies: DEPENDENCIES }, null, 2)}\n`,
    )
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    // its utils.js imports y-leveldb at load time, so optional dependencies stay in
    const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: PEER_DIR, stdio: ['ignore', 'inherit', 'inherit'] })
    if (result.status !== 0) throw new Error(`npm install in ${PEER_DIR} failed (exit ${result.status})`)
  }
  const versions: Record<string, string> = {}
  for (const name of [...Object.keys(DEPENDENCIES), 'y-protocols', 'lib0']) versions[name] = installedVersion(name) ?? '?'
  if (!existsSync(join(PEER_DIR, 'node_modules', '@y', 'websocket-server', 'src', 'utils.js'))) {
    throw new Error(`@y/websocket-server is not installed in ${PEER_DIR}`)
  }
  return versions
}
