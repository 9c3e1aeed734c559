/**
 * WebSocket framing done once for a frame many peers receive. ws frames every send on its own: a
 * header per peer, then two writes under cork that Node turns into a writev. A relayed update goes
 * to every other peer in the room unchanged, so its wire form (RFC 6455 section 5.2: an unmasked,
 * final, binary frame, as a server sends) is built once and written to each socket as one buffer.
 */

/** Bytes of the header for a payload of `length` bytes: 2, 4 or 10. */
function headerLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10
}

/** Writes the header of a frame carrying `length` payload bytes at the start of `out`; returns its size. */
function writeHeader(out: Buffer, length: number): number {
  const head = headerLength(length)
  out[0] = 0x82 // FIN, opcode 2 (binary)
  if (head === 2) {
    out[1] = length
  } else if (head === 4) {
    out[1] = 126
    out.writeUInt16BE(length, 2)
  } else {
    out[1] = 127
    // payload lengths stay far below 2^53; the high word carries what passes 2^32
    out.writeUInt32BE(Math.floor(length / 0x100000000), 2)
    out.writeUInt32BE(length >>> 0, 6)
  }
  return head
}

/** The complete wire form of an unmasked final binary frame carrying `payload`. */
export function encodeBinaryFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(headerLength(payload.length) + payload.length)
  out.set(payload, writeHeader(out, payload.length))
  return out
}

/**
 * The start of a frame whose payload is `prefix` and then `rest` more bytes: the header and the
 * prefix, to be followed on the socket by those bytes as they are.
 */
export function encodeBinaryFrameStart(prefix: Uint8Array, rest: number): Buffer {
  const length = prefix.length + rest
  const out = Buffer.allocUnsafe(headerLength(length) + prefix.length)
  out.set(prefix, writeHeader(out, length))
  return out
}

/**
 * Payloads this large are not copied behind their header: the header goes out on its own, then
 * the payload as it is, in one writev. Below it one buffer is cheaper than two.
 */
export const SPLIT_PAYLOAD_BYTES = 16 * 1024

/** A frame bound for several peers: framed for the wire on its first send, then shared. */
export class SharedFrame {
  private framed: Buffer | null = null

  constructor(readonly payload: Uint8Array) {}

  /** True when the frame is sent as `wire` alone; otherwise as `header`, then `payload`. */
  get whole(): boolean {
    return this.payload.length < SPLIT_PAYLOAD_BYTES
  }

  /** Header and payload as one buffer, built once (a frame that is `whole`). */
  get wire(): Buffer {
    return (this.framed ??= encodeBinaryFrame(this.payload))
  }

  /** The header alone, built once (a frame that is not `whole`). */
  get header(): Buffer {
    return (this.framed ??= encodeBinaryFrameStart(EMPTY, this.payload.length))
  }
}

const EMPTY = new Uint8Array(0)
