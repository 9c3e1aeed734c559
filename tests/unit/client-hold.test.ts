/**
 * RemoteUpdateHold (client/collab/hold.ts) on a stand-in provider: while held, document updates
 * wait and then apply together with the provider as origin; sync step 1 still gets its answer;
 * listeners run right before other people's changes are applied.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { RemoteUpdateHold } from '../../client/collab/hold.js'

/** A provider with y-websocket's sync handler, as far as the hold sees it. */
function provider() {
  const doc = new Y.Doc()
  const stub = {
    doc,
    messageHandlers: [
      (encoder: encoding.Encoder, decoder: decoding.Decoder) => {
        encoding.writeVarUint(encoder, 0)
        syncProtocol.readSyncMessage(decoder, encoder, doc, stub)
      },
    ],
  }
  return stub
}

/** Feeds one message to the provider's handler as y-websocket does; returns the reply's length. */
function receive(p: ReturnType<typeof provider>, write: (encoder: encoding.Encoder) => void): number {
  const message = encoding.createEncoder()
  encoding.writeVarUint(message, 0)
  write(message)
  const decoder = decoding.createDecoder(encoding.toUint8Array(message))
  const reply = encoding.createEncoder()
  p.messageHandlers[decoding.readVarUint(decoder)]!(reply, decoder)
  return encoding.length(reply)
}

/** An update of another client's document inserting `text` into its 'body'. */
function remoteUpdate(remote: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | null = null
  remote.once('update', (u: Uint8Array) => (update = u))
  remote.getText('body').insert(remote.getText('body').length, text)
  return update!
}

describe('RemoteUpdateHold', () => {
  it('applies updates at once when nothing holds them', () => {
    const p = provider()
    new RemoteUpdateHold(p as unknown as WebsocketProvider)
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(new Y.Doc(), 'now')))
    expect(p.doc.getText('body').toString()).toBe('now')
  })

  it('keeps updates while held and applies them, with the provider as origin, when the last hold ends', () => {
    const p = provider()
    const hold = new RemoteUpdateHold(p as unknown as WebsocketProvider)
    const remote = new Y.Doc()
    const first = hold.hold()
    const second = hold.hold()
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(remote, 'one ')))
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(remote, 'two')))
    p.doc.getText('local').insert(0, 'mine')
    expect(p.doc.getText('body').toString()).toBe('')
    first()
    first()
    expect(hold.holding).toBe(true)
    expect(p.doc.getText('body').toString()).toBe('')
    const origins: unknown[] = []
    p.doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin))
    second()
    expect(hold.holding).toBe(false)
    expect(p.doc.getText('body').toString()).toBe('one two')
    expect(origins).toEqual([p])
  })

  it('answers sync step 1 while held', () => {
    const p = provider()
    const hold = new RemoteUpdateHold(p as unknown as WebsocketProvider)
    hold.hold()
    expect(receive(p, (e) => syncProtocol.writeSyncStep1(e, new Y.Doc()))).toBeGreaterThan(1)
  })

  it('calls its listeners right before remote changes apply, held or not, and not for sync step 1', () => {
    const p = provider()
    const hold = new RemoteUpdateHold(p as unknown as WebsocketProvider)
    const remote = new Y.Doc()
    const seen: string[] = []
    const off = hold.beforeApply(() => seen.push(p.doc.getText('body').toString()))
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(remote, 'a')))
    receive(p, (e) => syncProtocol.writeSyncStep1(e, remote))
    const end = hold.hold()
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(remote, 'b')))
    expect(seen).toEqual([''])
    end()
    expect(seen).toEqual(['', 'a'])
    off()
    receive(p, (e) => syncProtocol.writeUpdate(e, remoteUpdate(remote, 'c')))
    expect(seen).toEqual(['', 'a'])
    expect(p.doc.getText('body').toString()).toBe('abc')
  })
})
