/**
 * Rate limiting for abuse limits: a token bucket per key (login attempts per account and per IP)
 * and a counter of concurrent uses (connections per IP). Pure, with the clock passed in.
 */

/** A token bucket per key: `capacity` tokens, refilled at `perSecond`. */
export class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens for `key`; false (and nothing taken) when there are not enough. */
  take(key: string, cost = 1): boolean {
    const b = this.refill(key)
    if (b.tokens < cost) return false
    b.tokens -= cost
    return true
  }

  /** Seconds until `key` has `cost` tokens again (0 when it has them now). */
  retryAfter(key: string, cost = 1): number {
    const b = this.refill(key)
    return b.tokens >= cost ? 0 : Math.ceil((cost - b.tokens) / this.perSecond)
  }

  /** Gives back `cost` tokens taken for `key` (what they were taken for did not count). */
  giveBack(key: string, cost = 1): void {
    const b = this.refill(key)
    b.tokens = Math.min(this.capacity, b.tokens + cost)
  }

  /** Forgets `key` (a successful login clears its failures). */
  reset(key: string): void {
    this.buckets.delete(key)
  }

  private refill(key: string): { tokens: number; at: number } {
    const now = this.now()
    let b = this.buckets.get(key)
    if (!b) {
      b = { tokens: this.capacity, at: now }
      this.buckets.set(key, b)
    } else {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.perSecond)
      b.at = now
    }
    // full buckets carry no information: drop them so the map stays small
    if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (v.tokens >= this.capacity) this.buckets.delete(k)
    return b
  }
}

/** Counts concurrent uses per key (open connections per IP) against a limit. */
export class Concurrency {
  private readonly counts = new Map<string, number>()

  constructor(private readonly limit: number) {}

  /** Takes a slot for `key`; false when it already has `limit`. */
  acquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0
    if (n >= this.limit) return false
    this.counts.set(key, n + 1)
    return true
  }

  /** Gives a slot back. */
  release(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1
    if (n <= 0) this.counts.delete(key)
    else this.counts.set(key, n)
  }
}
