// @ts-check
/**
 * The service worker: keeps the app shell (index.html and the hashed assets of this build)
 * in a cache so a document can be reopened, and reloaded, while the server is unreachable; the
 * document itself comes from IndexedDB then. The API and the sync socket always go to the
 * network. vite.config.ts fills in the build's file list and version.
 */
/** @type {any} */
const sw = self

/** @type {string[]} */
const PRECACHE = JSON.parse('__TANDEM_PRECACHE__')
const VERSION = '__TANDEM_VERSION__'
const CACHE = `tandem-app-${VERSION}`
/** Navigations wait this long for the network before the cached page is shown. */
const NAVIGATION_TIMEOUT_MS = 4000

sw.addEventListener('install', (/** @type {any} */ event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => sw.skipWaiting()),
  )
})

sw.addEventListener('activate', (/** @type {any} */ event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tandem-app-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  )
})

/** Network first; the cached app shell when the network fails or is too slow. */
async function navigate(/** @type {Request} */ request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('network timeout')), NAVIGATION_TIMEOUT_MS)),
    ])
    // the shell is the same page for every route: keep the newest copy under '/'
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) await cache.put('/', response.clone())
    return response
  } catch (err) {
    const cached = await cache.match('/')
    if (cached) return cached
    throw err
  }
}

/** Cache first (hashed files never change), filling the cache from the network. */
async function asset(/** @type {Request} */ request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

/** Network first, the cache when offline (small unhashed files such as the icon). */
async function other(/** @type {Request} */ request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (err) {
    const cached = await cache.match(request)
    if (cached) return cached
    throw err
  }
}

sw.addEventListener('fetch', (/** @type {any} */ event) => {
  /** @type {Request} */
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== sw.location.origin) return
  const path = url.pathname
  // live data never comes from a cache
  if (path.startsWith('/api/') || path.startsWith('/sync') || path === '/healthz' || path === '/metrics') return
  if (request.mode === 'navigate') event.respondWith(navigate(request))
  else if (path.startsWith('/assets/')) event.respondWith(asset(request))
  else if (PRECACHE.includes(path)) event.respondWith(other(request))
})
