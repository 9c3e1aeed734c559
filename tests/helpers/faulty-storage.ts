/**
 * Failure injection around a real storage backend: appends can be held back or made to fail,
 * and record reads held back, so tests can watch what the relay does while storage is slow or
 * broken.
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
  /** The next `n` reads of records of `kind` wait (having read the stored value) until `releaseReads()`. */
  holdReads(kind: string, n?: number): void
  releaseReads(): void
  /** Record reads waiting now. */
  readonly heldReads: number
}

/** Wraps `inner` with hold and fail switches. */
export function faulty(inner: Storage): FaultyStorage {
  let gate: Promise<void> | null = null
  let open: (() => void) | null = null
  let failures = 0
  let calls = 0
  let readHold: { kind: string; left: number } | null = null
  let readGate: Promise<void> | null = null
  let openReads: (() => void) | null = null
  let waiting = 0
  return {
    ...inner,
    name: `faulty(${inner.name})`,
    get appendCalls() {
      return calls
    },
    get heldReads() {
      return waiting
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
    holdReads(kind, n = 1) {
      readHold = { kind, left: n }
      readGate ??= new Promise((resolve) => (openReads = resolve))
    },
    releaseReads() {
      openReads?.()
      readHold = null
      readGate = null
      openReads = null
    },
    async getRecord<T>(kind: string, id: string) {
      // the value is read first: a held read answers with what was stored when it began
      const value = await inner.getRecord<T>(kind, id)
      if (readHold?.kind === kind && readHold.left > 0 && readGate) {
        readHold.left--
        waiting++
        await readGate
        waiting--
      }
      return value
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
