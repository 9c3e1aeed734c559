/**
 * Password hashing with scrypt (node:crypto) and constant-time verification. Stored form:
 * `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised later without breaking logins.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Hashes computed at once. scrypt runs on libuv's thread pool (4 threads by default), which
 * LevelDB's reads and writes and the file system share: 100 sign-ups sent at once queued 100
 * hashes of 50 ms there, and listing documents waited 4 s behind them. Two at a time leave the
 * other threads to the store; the rest wait their turn here, in order.
 */
const HASHES_AT_ONCE = 2
let hashing = 0
const waiting: Array<() => void> = []

const scrypt = async (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> => {
  // a finished hash hands its place to the next waiting one, so the count stays as it is
  if (hashing >= HASHES_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve))
  else hashing++
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
    )
  } finally {
    const next = waiting.shift()
    if (next) next()
    else hashing--
  }
}

/** Cost parameters for new hashes (about 50 ms here, 32 MiB of memory). */
export const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 }
const KEY_LENGTH = 32

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: 256 * cost.N * cost.r })
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** True when `password` matches `stored`; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  const salt = Buffer.from(parts[4]!, 'base64url')
  const expected = Buffer.from(parts[5]!, 'base64url')
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
