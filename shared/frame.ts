/**
 * Pure encoding and decoding of y-websocket frames (one message per binary WebSocket frame).
 * Readers are strict: a frame must hold exactly one well-formed message and nothing after it.
 * Byte layouts are written down in shared/PROTOCOL.md.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { AuthType, MessageType, SyncType, TandemType } from './protocol.js'
import { putVarUint, varUintSize } from './varint.js'

/** A decoded frame. Byte fields are views into the frame, not copies. */
export type Message =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2'; readonly update: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'query-awareness' }
  | { readonly kind: 'permission-denied'; readonly reason: string }
  | { readonly kind: 'saved-request'; readonly id: number }
  | { readonly kind: 'saved'; readonly id: number }

/** Why a frame could not be decoded; `unsupported` means well-formed but of an unknown type. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message)
    this.name = 'FrameError'
  }
}

/**
 * Reads a varuint, turning lib0's errors into a FrameError. Only the shortest encoding (what lib0
 * writes) is accepted: a relayed sync message is forwarded as it came, with its subtype byte at
 * index 1 rewritten (step 2 to update), which is right only when both leading varuints are one
 * byte each; a padded one would reach the other peers as a different, broken message.
 */
function varUint(decoder: decoding.Decoder, what: string): number {
  const start = decoder.pos
  let n: number
  try {
    n = decoding.readVarUint(decoder)
  } catch {
    throw new FrameError(`truncated or oversized varuint (${what})`)
  }
  if (padded(decoder, start)) throw new FrameError(`varuint not in its shortest form (${what})`)
  return n
}

/** True when the varuint read from `start` up to the decoder's position ends in a 0 continuation. */
function padded(decoder: decoding.Decoder, start: number): boolean {
  return decoder.pos - start > 1 && decoder.arr[decoder.pos - 1] === 0
}

/** Reads a length-prefixed byte array that must lie entirely inside the frame. */
function bytes(decoder: decoding.Decoder, what: string): Uint8Array {
  const length = varUint(decoder, `${what} length`)
  const start = decoder.pos
  if (length > decoder.arr.length - start) throw new FrameError(`${what} runs past the end of the frame`)
  decoder.pos += length
  return decoder.arr.subarray(start, start + length)
}

/** Reads a length-prefixed UTF-8 string that must be valid UTF-8. */
function text(decoder: decoding.Decoder, what: string): string {
  const raw = bytes(decoder, what)
  try {
    return utf8.decode(raw)
  } catch {
    throw new FrameError(`${what} is not valid UTF-8`)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

const KNOWN_TYPES: ReadonlySet<number> = new Set([MessageType.Sync, MessageType.Awareness, MessageType.QueryAwareness, MessageType.Auth, MessageType.Tandem])

/** Decodes one frame. Throws FrameError when it is truncated, malformed or has trailing bytes. */
export function decode(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame)
  const message = decodeBody(decoder)
  if (decoder.pos !== frame.length) {
    throw new FrameError(`${frame.length - decoder.pos} trailing bytes after the message`)
  }
  return message
}

function decodeBody(decoder: decoding.Decoder): Message {
  let type: number
  try {
    type = decoding.readVarUint(decoder)
  } catch {
    throw new FrameError('truncated or oversized varuint (message type)')
  }
  // an unknown type stays unsupported (F3) however it is written; a known one must be one byte
  if (padded(decoder, 0) && KNOWN_TYPES.has(type)) throw new FrameError('varuint not in its shortest form (message type)')
  switch (type) {
    case MessageType.Sync: {
      const sub = varUint(decoder, 'sync type')
      if (sub === SyncType.Step1) return { kind: 'sync-step1', stateVector: bytes(decoder, 'state vector') }
      if (sub === SyncType.Step2) return { kind: 'sync-step2', update: bytes(decoder, 'update') }
      if (sub === SyncType.Update) return { kind: 'update', update: bytes(decoder, 'update') }
      throw new FrameError(`unknown sync message type ${sub}`)
    }
    case MessageType.Awareness:
      return { kind: 'awareness', update: bytes(decoder, 'awareness update') }
    case MessageType.QueryAwareness:
      return { kind: 'query-awareness' }
    case MessageType.Auth: {
      const sub = varUint(decoder, 'auth type')
      if (sub !== AuthType.PermissionDenied) throw new FrameError(`unknown auth message type ${sub}`)
      return { kind: 'permission-denied', reason: text(decoder, 'reason') }
    }
    case MessageType.Tandem: {
      const sub = varUint(decoder, 'tandem type')
      if (sub === TandemType.SavedRequest) return { kind: 'saved-request', id: varUint(decoder, 'request id') }
      if (sub === TandemType.Saved) return { kind: 'saved', id: varUint(decoder, 'request id') }
      throw new FrameError(`unknown tandem message type ${sub}`, true)
    }
    default:
      throw new FrameError(`unknown message type ${type}`, true)
  }
}

/** An encoded frame; always backed by its own ArrayBuffer, so browsers' WebSocket.send takes it. */
export type Frame = Uint8Array<ArrayBuffer>

function frameOf(write: (encoder: encoding.Encoder) => void): Frame {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder) as Frame
}

/**
 * A sync message carrying an update, built in one buffer of its exact size: the update is copied
 * once (an encoder would copy a large one twice, growing a chunk and then joining the chunks).
 */
function syncFrame(type: number, update: Uint8Array): Frame {
  const out = new Uint8Array(2 + varUintSize(update.length) + update.length)
  out.set(update, writeSyncHead(out, type, update.length))
  return out
}

/** Writes the head of a sync message of `type` carrying `length` update bytes; returns its size. */
function writeSyncHead(out: Uint8Array, type: number, length: number): number {
  out[0] = MessageType.Sync
  out[1] = type
  return putVarUint(out, 2, length)
}

/** Sync step 1: "here is my state vector, send me what I miss". */
export function syncStep1(stateVector: Uint8Array): Frame {
  return frameOf((e) => {
    encoding.writeVarUint(e, MessageType.Sync)
    encoding.writeVarUint(e, SyncType.Step1)
    encoding.writeVarUint8Array(e, stateVector)
  })
}

/** Sync step 2: the answer to a step 1, an update holding everything the asker misses. */
export function syncStep2(update: Uint8Array): Frame {
  return syncFrame(SyncType.Step2, update)
}

/**
 * One message in two parts sent back to back: a few bytes of head, then the update it carries as
 * it is. A large document's answer to a joiner then goes out without a copy of the document.
 */
export interface SplitFrame {
  readonly head: Uint8Array
  readonly body: Uint8Array
}

/** Sync step 2 as a SplitFrame: `update` is the body, not copied. */
export function splitSyncStep2(update: Uint8Array): SplitFrame {
  const head = new Uint8Array(2 + varUintSize(update.length))
  writeSyncHead(head, SyncType.Step2, update.length)
  return { head, body: update }
}

/** The bytes of a SplitFrame in one buffer (a copy). */
export function joinSplit({ head, body }: SplitFrame): Frame {
  const out = new Uint8Array(head.length + body.length)
  out.set(head)
  out.set(body, head.length)
  return out
}

/** A document update pushed to a peer that is already synced. */
export function update(update: Uint8Array): Frame {
  return syncFrame(SyncType.Update, update)
}

/** An awareness message wrapping an encoded awareness update. */
export function awareness(awarenessUpdate: Uint8Array): Frame {
  return frameOf((e) => {
    encoding.writeVarUint(e, MessageType.Awareness)
    encoding.writeVarUint8Array(e, awarenessUpdate)
  })
}

/** Asks the other side for its full awareness state. */
export function queryAwareness(): Frame {
  return new Uint8Array([MessageType.QueryAwareness])
}

/** Tells a client it may not do what it tried (y-protocols auth message). */
export function permissionDenied(reason: string): Frame {
  return frameOf((e) => {
    encoding.writeVarUint(e, MessageType.Auth)
    encoding.writeVarUint(e, AuthType.PermissionDenied)
    encoding.writeVarString(e, reason)
  })
}

/** Client asks: tell me once everything I sent before this is on disk (PROTOCOL.md rule X2). */
export function savedRequest(id: number): Frame {
  return frameOf((e) => {
    encoding.writeVarUint(e, MessageType.Tandem)
    encoding.writeVarUint(e, TandemType.SavedRequest)
    encoding.writeVarUint(e, id)
  })
}

/** Server answers a saved request: everything the client sent before request `id` is on disk. */
export function saved(id: number): Frame {
  return frameOf((e) => {
    encoding.writeVarUint(e, MessageType.Tandem)
    encoding.writeVarUint(e, TandemType.Saved)
    encoding.writeVarUint(e, id)
  })
}
