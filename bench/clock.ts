/**
 * One clock for every benchmark process: CLOCK_MONOTONIC (process.hrtime) is system-wide on
 * Linux, so a send time taken in one process and a receive time taken in another compare.
 */

// performance.now() reads the same monotonic clock relative to this process's start; one
// offset puts it on the shared scale without a BigInt per reading. hrtime is read after
// performance.now(), so each difference overstates the offset: the smallest is the closest.
const offset = (() => {
  let best = Infinity
  for (let i = 0; i < 2000; i++) {
    const p = performance.now()
    best = Math.min(best, Number(process.hrtime.bigint()) / 1e6 - p)
  }
  return best
})()

/** Milliseconds on the shared monotonic clock (microsecond resolution). */
export function now(): number {
  return performance.now() + offset
}
