// `npm start`: builds what is stale, then runs the server (`node dist/server/main.js` with the
// given flags, e.g. `npm start -- --port 0`) in a child process started with the environment it
// needs (server/runtime-env.ts). SIGINT and SIGTERM go on to it; this process exits with its code.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from './build.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
build()
const { serverEnv } = await import('../dist/server/runtime-env.js')
const child = spawn(process.execPath, [join(root, 'dist/server/main.js'), ...process.argv.slice(2)], { stdio: 'inherit', env: serverEnv() })
// a Ctrl-C reaches both processes; the server treats a second signal like the first
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.once('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)))
