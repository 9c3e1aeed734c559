// Builds what is stale: the server (TypeScript to dist/server) and the browser app (Vite to
// dist/client). A part is stale when any of its sources is newer than its output.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Newest modification time (ms) among files under `paths`, 0 when none exist. */
function newest(paths) {
  let max = 0
  const visit = (path) => {
    if (!existsSync(path)) return
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name))
    } else {
      max = Math.max(max, stat.mtimeMs)
    }
  }
  for (const p of paths) visit(join(root, p))
  return max
}

function outputTime(path) {
  const full = join(root, path)
  return existsSync(full) ? statSync(full).mtimeMs : 0
}

function run(what, args) {
  process.stderr.write(`tandem: building ${what}...\n`)
  // builds talk on stderr so stdout keeps only the server's "listening on" line; always a
  // production build, whatever NODE_ENV the caller has (vitest sets "test")
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 2, 2], env: { ...process.env, NODE_ENV: 'production' } })
  if (result.status !== 0) {
    process.stderr.write(`tandem: building ${what} failed\n`)
    process.exit(result.status ?? 1)
  }
}

/** Builds the stale parts; `force` rebuilds everything. */
export function build({ force = false } = {}) {
  const lock = ['package.json', 'package-lock.json']
  const serverSources = newest(['server', 'shared', 'tsconfig.json', 'tsconfig.build.json', ...lock])
  if (force || serverSources > outputTime('dist/server/main.js')) {
    run('the server', [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'])
  }
  if (existsSync(join(root, 'client/index.html'))) {
    const clientSources = newest(['client', 'shared', 'vite.config.ts', ...lock])
    if (force || clientSources > outputTime('dist/client/index.html')) {
      run('the browser app', [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'])
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ force: process.argv.includes('--force') })
