/**
 * Vite builds the browser app from client/ into dist/client (served by server/http/static.ts).
 * One copy of yjs (resolve.dedupe, with package.json's overrides): two copies break sync.
 * The service worker (client/sw.js) gets this build's file list so the app opens offline.
 * `npm run dev` (scripts/dev.mjs) runs this config's dev server with a proxy to a Tandem server.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const clientDir = fileURLToPath(new URL('./client', import.meta.url))

/** Emits sw.js with the list of files of this build and a version derived from them. */
function serviceWorker(): Plugin {
  return {
    name: 'tandem-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const built = Object.values(bundle)
        .map((file) => file.fileName)
        .filter((name) => !name.endsWith('.map') && name !== 'index.html' && name !== 'sw.js')
      const publicFiles = readdirSync(`${clientDir}/public`)
      const files = ['/', ...built.map((n) => `/${n}`), ...publicFiles.map((n) => `/${n}`)].sort()
      const hash = createHash('sha256')
      for (const file of Object.values(bundle)) {
        hash.update(file.fileName)
        if (file.type === 'asset') hash.update(typeof file.source === 'string' ? file.source : Buffer.from(file.source))
        else hash.update(file.code)
      }
      const template = readFileSync(`${clientDir}/sw.js`, 'utf8')
      const source = template
        .replace("'__TANDEM_PRECACHE__'", JSON.stringify(JSON.stringify(files)))
        .replace('__TANDEM_VERSION__', hash.digest('hex').slice(0, 16))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}

export default defineConfig({
  root: clientDir,
  publicDir: 'public',
  appType: 'spa',
  resolve: {
    dedupe: ['yjs'],
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1024,
  },
  plugins: [serviceWorker()],
})
