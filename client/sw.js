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

/**
 * A 5xx answer means the server is not there to answer (behind a reverse proxy: 502 while Tandem
 * is down, 503 or 504 from a load balancer), so the cached copy is better, as for no network.
 */
function unavailable(/** @type {Response} */ response) {
  if (response.status >= 500) throw Object.assign(new Error(`server unavailable (${response.status})`), { response })
  return response
}

/** The cached copy; without one, the server's own 5xx answer, or the network error. */
function cachedOr(/** @type {Response | undefined} */ cached, /** @type {any} */ err) {
  if (cached) return cached
  if (err?.response) return err.response
  throw err
}

/** Network first; the cached app shell when the network fails, is too slow, or the server is down. */
async function navigate(/** @type {Request} */ request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await Promise.race([
      fetch(request).then(unavailable),
      new Promise((_, reject) => setTimeout(() => reject(new Error('network timeout')), NAVIGATION_TIMEOUT_MS)),
    ])
    // the shell is the same page for every route: keep the newest copy under '/'
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) await cache.put('/', response.clone())
    return response
  } catch (err) {
    return cachedOr(await cache.match('/'), err)
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

/** Network first, the cache when offline or the server is down (small unhashed files such as the icon). */
async function other(/** @type {Request} */ request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request).then(unavailable)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (err) {
    return cachedOr(await cache.match(request), err)
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
