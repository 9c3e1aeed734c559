/**
 * Typing-like edits, made on a real Y.Doc per client so every update is valid and all clients
 * converge: mostly one character typed at the client's cursor, sometimes a typo replaced
 * (delete and insert in one transaction), now and then the cursor moved. Each client types into
 * its own part of the text, so its updates only build on its own items.
 */
import * as Y from 'yjs'
import { updateFrame } from './protocol.js'

/** A seeded pseudo-random generator (mulberry32), values in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = 'the quick brown fox jumps over a lazy dog while we write notes about local first software and merge edits from many people in real time'.split(' ')

/** Name of the shared Y.Text every generated edit goes into. */
export const TEXT_NAME = 'text'

/** One client's editor: a Y.Doc and a cursor. */
export class Typist {
  readonly doc: Y.Doc
  readonly text: Y.Text
  private cursor = 0
  private pending = ''
  private readonly random: () => number
  private readonly color: string

  constructor(
    readonly clientId: number,
    seed: number,
    private readonly name: string,
  ) {
    this.doc = new Y.Doc()
    this.doc.clientID = clientId
    this.text = this.doc.getText(TEXT_NAME)
    this.random = prng(seed)
    this.color = `#${Math.floor(this.random() * 0xffffff).toString(16).padStart(6, '0')}`
  }

  private nextChar(): string {
    if (this.pending.length === 0) this.pending = `${WORDS[Math.floor(this.random() * WORDS.length)]!} `
    const ch = this.pending[0]!
    this.pending = this.pending.slice(1)
    return ch
  }

  /** The clock the next struct of this client will get. */
  get clock(): number {
    return Y.getState(this.doc.store, this.clientId)
  }

  /** Makes one edit; returns its update frame and the clock of its first struct. */
  edit(): { frame: Uint8Array; clock: number } {
    const clock = this.clock
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => {
      update = u
    }
    this.doc.on('update', capture)
    const r = this.random()
    const length = this.text.length
    if (r < 0.03 && length > 0) this.cursor = Math.floor(this.random() * (length + 1))
    if (r >= 0.03 && r < 0.13 && this.cursor > 0) {
      // fix a typo: replace the character before the cursor
      this.doc.transact(() => {
        this.text.delete(this.cursor - 1, 1)
        this.text.insert(this.cursor - 1, this.nextChar())
      })
    } else {
      this.text.insert(this.cursor, this.nextChar())
      this.cursor++
    }
    this.doc.off('update', capture)
    if (update === null) throw new Error('an edit produced no update')
    return { frame: updateFrame(update), clock }
  }

  /** The client's presence as JSON, shaped like y-prosemirror's cursor (relative positions). */
  cursorState(): string {
    const at = { type: { client: this.clientId, clock: 0 }, tname: null, item: { client: this.clientId, clock: this.cursor }, assoc: 0 }
    return JSON.stringify({ user: { name: this.name, color: this.color }, cursor: { anchor: at, head: at } })
  }

  /** The client's presence before it placed a cursor. */
  userState(): string {
    return JSON.stringify({ user: { name: this.name, color: this.color } })
  }
}
