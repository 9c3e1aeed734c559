// `npm run bench [-- --quick] [-- --only <scenario>[,<scenario>]]`: builds what is stale (the
// Tandem server into dist/, the benchmark into bench/.build/), then runs the benchmark, which
// starts every server and generator it needs and stops them all when it ends. See
// docs/benchmarks.md for what it measures.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(root, 'node_modules/typescript/bin/tsc')

/** Newest modification time (ms) of files under `paths` (skipping node_modules and dot folders). */
function newest(paths) {
  let max = 0
  const visit = (path) => {
    if (!existsSync(path)) return
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules' && !name.startsWith('.')) visit(join(path, name))
    } else max = Math.max(max, stat.mtimeMs)
  }
  for (const p of paths) visit(join(root, p))
  return max
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0
}

/**
 * Compiles a TypeScript project when its output is older than its sources. tsc still writes its
 * output when it reports type errors; those are shown, and only a missing output stops the run.
 */
function compile(what, project, output, sources) {
  if (mtime(output) >= newest(sources)) return
  process.stderr.write(`bench: building ${what}...\n`)
  const started = Date.now()
  const result = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: ['ignore', 2, 2] })
  if (mtime(output) < started - 1000) {
    process.stderr.write(`bench: building ${what} failed\n`)
    process.exit(result.status || 1)
  }
  if (result.status !== 0) process.stderr.write(`bench: ${what} has type errors (above); running what tsc emitted\n`)
}

// Only the server: the benchmark never loads the browser app, so a stale or broken client build
// must not hold it up (scripts/build.mjs builds both).
compile('the Tandem server', 'tsconfig.build.json', join(root, 'dist/server/main.js'), [
  'server',
  'shared',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
])
compile('the benchmark', 'bench/tsconfig.json', join(root, 'bench/.build/main.js'), ['bench', 'tsconfig.json'])

const { main } = await import(pathToFileURL(join(root, 'bench/.build/main.js')).href)
process.exitCode = await main(process.argv.slice(2))
