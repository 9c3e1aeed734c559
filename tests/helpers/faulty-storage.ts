/**
 * Failure injection around a real storage backend: appends can be held back or made to fail,
 * so tests can watch what the relay does while storage is slow or broken.
 */
import type { Storage } from '../../server/storage/storage.js'

/** A storage wrapper with switches. */
export interface FaultyStorage extends Storage {
  /** Appends wait until `release()` is called. */
  hold(): void
  release(): void
  /** The next `n` appends (and probes) reject. */
  failNext(n: number): void
  /** Appends attempted so far (including failed and held ones). */
  readonly appendCalls: number
}

/** Wraps `inner` with hold and fail switches. */
export function faulty(inner: Storage): FaultyStorage {
  let gate: Promise<void> | null = null
  let open: (() => void) | null = null
  let failures = 0
  let calls = 0
  return {
    ...inner,
    name: `faulty(${inner.name})`,
    get appendCalls() {
      return calls
    },
    hold() {
      gate ??= new Promise((resolve) => (open = resolve))
    },
    release() {
      open?.()
      gate = null
      open = null
    },
    failNext(n) {
      failures = n
    },
    async append(appends, records) {
      calls++
      if (gate) await gate
      if (failures > 0) {
        failures--
        throw new Error('injected write failure')
      }
      return inner.append(appends, records)
    },
    async probe() {
      if (failures > 0) throw new Error('injected write failure')
      return inner.probe()
    },
  }
}
