/**
 * Input rules shared by client and server: document ids and size limits.
 */

/** Characters and length allowed in a document id (PROTOCOL.md rule D1). */
export const DOC_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** True when `id` is a valid document id. */
export function isDocId(id: string): boolean {
  return DOC_ID_PATTERN.test(id)
}

/** Default largest WebSocket message the server accepts, in bytes (8 MiB). */
export const DEFAULT_MAX_MESSAGE = 8 * 1024 * 1024

/** Largest JSON state one awareness entry may carry (a cursor and a name need far less). */
export const MAX_AWARENESS_STATE = 64 * 1024

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** A new random, URL-safe document id (~95 bits of entropy). */
export function newDocId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let id = ''
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length]
  return id
}

/** Characters and length allowed in a username (compared case-insensitively). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/

/** Shortest and longest password accepted. */
export const PASSWORD_LENGTH = { min: 8, max: 1024 } as const
