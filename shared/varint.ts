/**
 * lib0's variable-length unsigned integers, written into a buffer sized up front: encoders that
 * know their output's size allocate it once instead of growing and joining chunks.
 */

/** Bytes lib0's varuint takes for `n` (n < 2^53). */
export function varUintSize(n: number): number {
  let size = 1
  while (n > 0x7f) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** Writes `n` as lib0 writes a varuint at `pos`; returns the position after it. */
export function putVarUint(out: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    out[pos++] = 0x80 | (n % 128)
    n = Math.floor(n / 128)
  }
  out[pos++] = n
  return pos
}
