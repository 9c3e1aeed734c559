/**
 * "This document is open in a tab of this browser", across tabs, with the Web Locks API: an
 * editor holds its document's lock while it is open, and the background sync sends a document's
 * pending changes only while nobody holds it. The open editor sends them itself; a second
 * connection would send the same changes twice and race it for the same IndexedDB copy.
 * Without Web Locks (old browsers, insecure origins) nothing is held and the background sync
 * goes ahead: Yjs changes sent twice are applied once.
 */

/** The lock's name for `docId`. */
export function lockName(docId: string): string {
  return `tandem:open:${docId}`
}

function locks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null
}

/** Holds `docId`'s lock until the returned function is called (queued behind a background sync). */
export function holdDocLock(docId: string): () => void {
  const manager = locks()
  if (!manager) return () => {}
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  manager.request(lockName(docId), () => held).catch(() => {})
  return release
}

/**
 * Runs `fn` holding `docId`'s lock, waiting up to `waitMs` for it (an editor closed a moment ago
 * lets go a little later); resolves false without running `fn` when it stays held.
 */
export async function withFreeDocLock(docId: string, fn: () => Promise<void>, waitMs = 2000): Promise<boolean> {
  const manager = locks()
  if (!manager) {
    await fn()
    return true
  }
  try {
    await manager.request(lockName(docId), { signal: AbortSignal.timeout(waitMs) }, () => fn())
    return true
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return false
    throw err
  }
}

/**
 * Resolves true once no tab holds `docId`'s lock (taking it and letting go at once), false when
 * `signal` aborts first or there are no Web Locks.
 */
export async function whenDocLockFree(docId: string, signal: AbortSignal): Promise<boolean> {
  const manager = locks()
  if (!manager) return false
  try {
    await manager.request(lockName(docId), { signal }, async () => {})
    return true
  } catch {
    return false
  }
}
