/**
 * Seeded fuzzing of update validation in context: mutated real updates (single edits and whole
 * documents, two clients, text, formatting, maps, nested types, XML) are offered to `inspect`;
 * whatever it accepts must apply to the document as it stood, leave it encodable, and reload.
 * A failing seed prints itself; keep it as a named case in tests/unit/update.test.ts.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { inspect } from '../../server/sync/update.js'
import { seededRandom, testSeed } from '../helpers/wait.js'

/** A two-client editing history; returns every local update in order. */
function history(rand: () => number): Uint8Array[] {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.clientID = 11
  b.clientID = 22
  const updates: Uint8Array[] = []
  for (const d of [a, b]) d.on('update', (u: Uint8Array, origin: unknown) => origin !== 'sync' && updates.push(u))
  for (let i = 0; i < 60; i++) {
    const d = rand() < 0.5 ? a : b
    const t = d.getText('t')
    const x = d.getXmlFragment('x')
    const r = rand()
    if (r < 0.4) t.insert(Math.floor(rand() * (t.length + 1)), 'ab')
    else if (r < 0.55 && t.length > 2) t.delete(Math.floor(rand() * (t.length - 1)), 1)
    else if (r < 0.65) t.format(0, Math.min(2, t.length), { bold: rand() < 0.5 ? true : null })
    else if (r < 0.75) d.getMap('m').set(`k${Math.floor(rand() * 3)}`, rand() < 0.5 ? { a: 1 } : new Y.Array())
    else if (r < 0.9) {
      const p = new Y.XmlElement('p')
      x.insert(0, [p])
      p.insert(0, [new Y.XmlText('hi')])
    } else if (x.length > 0) x.delete(0, 1)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), 'sync')
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'sync')
  }
  return updates
}

/** Why applying `update` after `prefix` breaks a stock Y.Doc, or null when it does not. */
function breaks(prefix: readonly Uint8Array[], update: Uint8Array): string | null {
  const doc = new Y.Doc()
  for (const u of prefix) Y.applyUpdate(doc, u)
  try {
    Y.applyUpdate(doc, update)
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(doc))
    for (const d of [doc, reloaded]) {
      d.getText('t').toString()
      d.getMap('m').toJSON()
      d.getXmlFragment('x').toString()
    }
    return null
  } catch (err) {
    return (err as Error).message
  }
}

describe('update validation fuzz', () => {
  it('every mutated update inspect accepts applies cleanly in context (seeded)', () => {
    const seed = testSeed('update fuzz')
    const rand = seededRandom(seed)
    let accepted = 0
    for (let h = 0; h < 25; h++) {
      const updates = history(rand)
      const whole = Y.mergeUpdates(updates)
      for (let n = 0; n < 200; n++) {
        const useWhole = rand() < 0.2
        const at = useWhole ? 0 : Math.floor(rand() * updates.length)
        const bytes = (useWhole ? whole : updates[at]!).slice()
        const flips = 1 + Math.floor(rand() * 4)
        for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
        try {
          inspect(bytes)
        } catch {
          continue
        }
        accepted++
        const why = breaks(updates.slice(0, at), bytes)
        expect(why, `seed ${seed}: inspect accepted [${[...bytes]}] which breaks a Y.Doc: ${why}`).toBeNull()
      }
    }
    // the fuzz must reach the interesting part: mutations that still decode
    expect(accepted, `seed ${seed}`).toBeGreaterThan(200)
  })
})
