/**
 * Pure codec for y-protocols awareness updates, without an Awareness instance:
 * `varuint count, then per entry: varuint clientId, varuint clock, varstring JSON state`.
 * The state stays JSON text so a relay can forward it without re-serialising.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { FrameError } from './frame.js';
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** JSON text of a removed entry. */
export const REMOVED = 'null';
/**
 * Reads the layout of an awareness update without decoding states. Throws FrameError when it is
 * truncated, has trailing bytes, or announces more entries than it can hold.
 */
export function scan(update) {
    const decoder = decoding.createDecoder(update);
    try {
        const count = decoding.readVarUint(decoder);
        // each entry takes at least 3 bytes, so a larger count is a lie that would only burn CPU
        if (count > update.length)
            throw new FrameError('awareness entry count exceeds the message');
        const entries = [];
        for (let i = 0; i < count; i++) {
            const clientId = decoding.readVarUint(decoder);
            const clock = decoding.readVarUint(decoder);
            const length = decoding.readVarUint(decoder);
            if (length > update.length - decoder.pos)
                throw new FrameError('awareness state runs past the end');
            entries.push({ clientId, clock, raw: update.subarray(decoder.pos, decoder.pos + length) });
            decoder.pos += length;
        }
        if (decoder.pos !== update.length)
            throw new FrameError('trailing bytes after awareness update');
        return entries;
    }
    catch (err) {
        if (err instanceof FrameError)
            throw err;
        throw new FrameError(`malformed awareness update: ${err.message}`);
    }
}
/**
 * The JSON text of a scanned state, checked as a stock client would read it (valid UTF-8, valid
 * JSON); any JSON null (" null" too) comes back as REMOVED, since clients read it as a removal.
 */
export function stateOf(raw) {
    let state;
    try {
        state = utf8.decode(raw);
        return JSON.parse(state) === null ? REMOVED : state;
    }
    catch (err) {
        throw new FrameError(`malformed awareness state: ${err.message}`);
    }
}
/** Decodes an awareness update, every state checked (see scan and stateOf). */
export function decode(update) {
    return scan(update).map((e) => ({ clientId: e.clientId, clock: e.clock, state: stateOf(e.raw) }));
}
/** Encodes entries as an awareness update. */
export function encode(entries) {
    const list = Array.isArray(entries) ? entries : [...entries];
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, list.length);
    for (const entry of list) {
        encoding.writeVarUint(encoder, entry.clientId);
        encoding.writeVarUint(encoder, entry.clock);
        encoding.writeVarString(encoder, entry.state);
    }
    return encoding.toUint8Array(encoder);
}
