/**
 * Wire constants of the Tandem sync protocol: the standard y-websocket message types, the one
 * Tandem extension, and every WebSocket close code the server uses. See shared/PROTOCOL.md.
 */

/** Top-level message types (first varuint of every binary frame). */
export const MessageType = {
  /** y-protocols sync: step 1, step 2 or update. */
  Sync: 0,
  /** y-protocols awareness update. */
  Awareness: 1,
  /** y-protocols auth (server to client: permission denied). */
  Auth: 2,
  /** Ask the other side for its full awareness state. */
  QueryAwareness: 3,
  /** Tandem extension (PROTOCOL.md, rule X1): never sent to a client that did not ask for it. */
  Tandem: 100,
} as const

/** Second varuint of a Sync message. */
export const SyncType = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const

/** Second varuint of an Auth message. */
export const AuthType = {
  PermissionDenied: 0,
} as const

/** Second varuint of a Tandem extension message. */
export const TandemType = {
  /** Client to server: varuint request id. Asks for a Saved reply (rule X2). */
  SavedRequest: 0,
  /** Server to client: varuint request id. Everything sent before the request is on disk. */
  Saved: 1,
} as const

/** A WebSocket close code with the reason string the server sends with it. */
export interface CloseCode {
  readonly code: number
  readonly reason: string
}

/**
 * Every close code the server sends. 44xx codes are permanent (the stock y-websocket client stops
 * reconnecting); every other code is transient and the client reconnects and re-syncs.
 */
export const Close = {
  /** Normal closure requested by the client. */
  Normal: { code: 1000, reason: 'normal closure' },
  /** The server is shutting down; reconnect later. */
  GoingAway: { code: 1001, reason: 'server shutting down' },
  /** The WebSocket framing was invalid (RSV bits, reserved opcode, bad length, unmasked frame). */
  ProtocolError: { code: 1002, reason: 'invalid WebSocket frame' },
  /** A text frame, or a message type the server does not speak. */
  UnsupportedData: { code: 1003, reason: 'unsupported message' },
  /** A truncated or malformed y-protocols message, or an update that does not decode. */
  InvalidPayload: { code: 1007, reason: 'invalid message' },
  /** A message split into more fragments than allowed (sent by ws itself). */
  PolicyViolation: { code: 1008, reason: 'policy violation' },
  /** A frame larger than --max-message. */
  MessageTooBig: { code: 1009, reason: 'message too big' },
  /** An unexpected server error while handling this connection. */
  InternalError: { code: 1011, reason: 'internal error' },
  /** The client's role on the document changed; reconnect to continue with the new one. */
  AccessChanged: { code: 4003, reason: 'access changed' },
  /** The client is not authenticated (permanent). */
  Unauthorized: { code: 4401, reason: 'not authenticated' },
  /** The client may no longer open this document (permanent). */
  Forbidden: { code: 4403, reason: 'access denied' },
  /** The app in this browser edits with an older document schema than the server's: reload it (permanent). */
  AppOutdated: { code: 4426, reason: 'app outdated: reload the page' },
  /** The document was deleted (permanent). */
  DocumentDeleted: { code: 4410, reason: 'document deleted' },
  /** The document reached the maximum size (permanent). */
  DocumentTooLarge: { code: 4413, reason: 'document too large' },
  /** Storage is not accepting writes; reconnect later. */
  StorageUnavailable: { code: 4503, reason: 'storage unavailable' },
  /** The client did not read fast enough: its send buffer passed the budget. It re-syncs. */
  SlowReader: { code: 4507, reason: 'send buffer over budget' },
  /** The client sent more than its rate limit allows; reconnect later. */
  RateLimited: { code: 4529, reason: 'rate limit exceeded' },
} as const satisfies Record<string, CloseCode>

/** Name of a close code in {@link Close}. */
export type CloseName = keyof typeof Close

/** Looks up the name of a close code, for logs and metrics labels. */
export function closeName(code: number): string {
  for (const [name, value] of Object.entries(Close)) if (value.code === code) return name
  return String(code)
}
