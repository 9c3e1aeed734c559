// `npm run dev`: hot reload for the browser app against a real Tandem server. Builds the server
// if stale, starts it as a child process (flags after `--` go to it, e.g. `npm run dev -- --data
// /tmp/scratch`), and runs Vite's dev server with HMR, proxying /api, /sync (WebSocket), /healthz
// and /metrics to it. DEV_PORT picks Vite's port (default 5173), DEV_SERVER_PORT the server's
// (default 1235). Documents go to ./data/dev (not ./data, which `npm start` locks while running).
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from './build.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const devPort = Number(process.env.DEV_PORT ?? 5173)
const serverPort = Number(process.env.DEV_SERVER_PORT ?? 1235)
// `node scripts/dev.mjs -- --flag` passes a literal '--'; `npm run dev -- --flag` does not
const passThrough = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'))

build()
const { serverEnv } = await import('../dist/server/runtime-env.js')

/** Starts the Tandem server; resolves with its URL once it prints "listening on". */
function startServer() {
  const dataDir = join(root, 'data', 'dev')
  mkdirSync(dataDir, { recursive: true })
  const args = [join(root, 'dist/server/main.js'), '--port', String(serverPort), '--data', dataDir, ...passThrough]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: serverEnv() })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line)
      if (m) resolve({ child, url: m[1] })
      else process.stdout.write(`[server] ${line}\n`)
    })
    child.once('exit', (code) => reject(new Error(`the Tandem server exited (code ${code}) before it was listening`)))
  })
}

let server
try {
  server = await startServer()
} catch (err) {
  process.stderr.write(`tandem dev: ${err.message}\n`)
  process.exit(1)
}
const target = server.url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]')

// the server accepts browser Origins of its own host: requests arriving through the proxy
// say they come from the server's own origin
const sameOrigin = (proxy) => {
  proxy.on('proxyReq', (req) => req.setHeader('origin', target))
  proxy.on('proxyReqWs', (req) => req.setHeader('origin', target))
}
const { createServer } = await import('vite')
const vite = await createServer({
  configFile: join(root, 'vite.config.ts'),
  server: {
    port: devPort,
    strictPort: false,
    proxy: {
      // anchored patterns: a bare '/api' prefix would also swallow the module /api.ts
      '^/api/': { target, changeOrigin: true, configure: sameOrigin },
      '^/sync/': { target: target.replace(/^http/, 'ws'), ws: true, changeOrigin: true, configure: sameOrigin },
      '^/healthz$': { target, changeOrigin: true },
      '^/metrics$': { target, changeOrigin: true },
    },
  },
})
await vite.listen()
process.stdout.write(`\nTandem dev: app with hot reload below, API and sync from ${target}\n`)
vite.printUrls()

let stopping = false
async function stop(code = 0) {
  if (stopping) return
  stopping = true
  await vite.close().catch(() => {})
  if (server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await new Promise((resolve) => server.child.once('exit', resolve))
  }
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
server.child.on('exit', (code) => {
  if (!stopping) {
    process.stderr.write(`tandem dev: the server stopped (code ${code})\n`)
    void stop(1)
  }
})
