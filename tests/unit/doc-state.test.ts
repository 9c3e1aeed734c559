/**
 * server/sync/doc-state.ts: the tracked state vector never exceeds the truth (seeded, with
 * out-of-order updates and gaps) and is exact after a fold; sync step 2 answers hold exactly
 * what the asker lacks; fold, replaceBase, fromStored, needsCompaction, mergeAll and
 * isEmptyStateVector.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { compactUpdates, unpack } from '../../server/docs/compact.js'
import { DocState, EMPTY_UPDATE, isEmptyStateVector, mergeAll, UPDATE_OVERHEAD } from '../../server/sync/doc-state.js'
import { inspect } from '../../server/sync/update.js'
import * as frame from '../../shared/frame.js'
import { seededRandom, testSeed } from '../helpers/wait.js'
import { recordingDoc } from '../helpers/ydoc.js'

/** The decoded state vector as a plain object, clients with clock 0 left out. */
function svObject(sv: Uint8Array): Record<number, number> {
  const out: Record<number, number> = {}
  for (const [client, clock] of Y.decodeStateVector(sv)) if (clock > 0) out[client] = clock
  return out
}

/** A Y.Doc holding `updates` applied in the given order. */
function docOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, u)
  return doc
}

/** The payload of a sync step 2 frame, whole or split. */
function payloadOf(step2: Uint8Array | frame.SplitFrame): Uint8Array {
  const msg = frame.decode(step2 instanceof Uint8Array ? step2 : frame.joinSplit(step2))
  expect(msg.kind).toBe('sync-step2')
  return (msg as { update: Uint8Array }).update
}

/** Comparable content of a test document. */
const content = (doc: Y.Doc) => JSON.stringify({ t: doc.getText('t').toString(), m: doc.getMap('m').toJSON() })

/** Three clients typing into one text and one map; returns every update in creation order. */
function conversation(): { updates: Uint8Array[]; final: Y.Doc } {
  const a = recordingDoc(11)
  const b = recordingDoc(22)
  const sync = () => {
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)))
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)))
  }
  const all: Uint8Array[] = []
  const take = (r: { updates: Uint8Array[] }) => all.push(...r.updates.splice(0))
  a.doc.getText('t').insert(0, 'Hello')
  take(a)
  sync()
  b.updates.length = 0
  b.doc.getText('t').insert(5, ' world')
  take(b)
  sync()
  a.updates.length = 0
  a.doc.getText('t').delete(0, 1)
  a.doc.getMap('m').set('k', 'v')
  take(a)
  sync()
  b.updates.length = 0
  b.doc.getText('t').insert(0, 'J')
  b.doc.getMap('m').set('k', 'w')
  take(b)
  sync()
  return { updates: all, final: a.doc }
}

describe('DocState state vector', () => {
  it('tracks appended updates exactly when they arrive in order', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    expect(svObject(state.stateVector())).toEqual(svObject(Y.encodeStateVector(final)))
    // answering it did not need a fold: the tail is still there
    expect(state.tailLength).toBe(updates.length)
  })

  it('never exceeds the truth with out-of-order updates and gaps, and is exact after a fold (seeded)', () => {
    const seed = testSeed('doc-state state vector')
    const rand = seededRandom(seed)
    for (let round = 0; round < 25; round++) {
      // clients each edit their own types, so every dependency is inside one client and a Y.Doc's
      // state vector is the truth for the bytes (cross-client dependencies: next test)
      const clients = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => recordingDoc(100 + i))
      for (let step = 0; step < 30; step++) {
        const { doc } = clients[Math.floor(rand() * clients.length)]!
        const text = doc.getText(`t${doc.clientID}`)
        const r = rand()
        if (r < 0.6 || text.length === 0) text.insert(Math.floor(rand() * (text.length + 1)), 'xyz'.slice(0, 1 + Math.floor(rand() * 3)))
        else if (r < 0.8) text.delete(Math.floor(rand() * text.length), 1)
        else doc.getMap(`m${doc.clientID}`).set(`k${Math.floor(rand() * 3)}`, Math.floor(rand() * 100))
      }
      const pool = clients.flatMap((c) => c.updates)
      // deliver a random subset in random order, some as merged batches with gaps
      const delivered: Uint8Array[] = []
      const state = new DocState(EMPTY_UPDATE, 0)
      let seq = 0
      while (pool.length > 0) {
        const pick = pool.splice(Math.floor(rand() * pool.length), 1)[0]!
        if (rand() < 0.2) continue // lost: leaves a gap for good
        let batch = [pick]
        if (rand() < 0.2 && pool.length > 0) batch = [Y.mergeUpdates([pick, pool.splice(Math.floor(rand() * pool.length), 1)[0]!])]
        state.append(++seq, batch, batch.map(inspect))
        delivered.push(...batch)
        if (rand() < 0.3) {
          const tracked = svObject(state.stateVector())
          const truth = svObject(Y.encodeStateVector(docOf(delivered)))
          for (const [client, clock] of Object.entries(tracked)) {
            expect(clock, `seed ${seed} round ${round}: client ${client}`).toBeLessThanOrEqual(truth[Number(client)] ?? 0)
          }
        }
      }
      const truth = svObject(Y.encodeStateVector(docOf(delivered)))
      const tracked = svObject(state.stateVector())
      for (const [client, clock] of Object.entries(tracked)) {
        expect(clock, `seed ${seed} round ${round}: client ${client}`).toBeLessThanOrEqual(truth[Number(client)] ?? 0)
      }
      state.fold()
      expect(svObject(state.stateVector()), `seed ${seed} round ${round}`).toEqual(truth)
      expect(content(docOf([state.base])), `seed ${seed}`).toBe(content(docOf(delivered)))
    }
  })

  it('with a gap inside one client, stays at the gap until the gap is filled', () => {
    const r = recordingDoc(5)
    for (const part of ['ab', 'cd', 'ef']) r.doc.getText('t').insert(r.doc.getText('t').length, part)
    const [u1, u2, u3] = r.updates as [Uint8Array, Uint8Array, Uint8Array]
    const state = new DocState(EMPTY_UPDATE, 0)
    state.append(1, [u1], [inspect(u1)])
    state.append(2, [u3], [inspect(u3)])
    expect(svObject(state.stateVector())).toEqual({ 5: 2 })
    state.append(3, [u2], [inspect(u2)])
    const sv = svObject(state.stateVector())
    expect(sv[5]).toBeGreaterThanOrEqual(4)
    expect(sv[5]).toBeLessThanOrEqual(6)
    state.fold()
    expect(svObject(state.stateVector())).toEqual({ 5: 6 })
  })

  it('counts an update whose origin lies in a missing client as held: the bytes are there', () => {
    const a = recordingDoc(1)
    a.doc.getText('t').insert(0, 'abc')
    const b = recordingDoc(2)
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    b.updates.length = 0
    b.doc.getText('t').insert(2, 'X')
    const onlyB = b.updates[0]!
    const state = new DocState(EMPTY_UPDATE, 0)
    state.append(1, [onlyB], [inspect(onlyB)])
    // a Y.Doc keeps B's item pending (its origin 1:1 is missing) and reports nothing for B; the
    // relay holds B's bytes and serves them, so it reports B:1 like the merged bytes do
    expect(svObject(Y.encodeStateVector(docOf([onlyB])))).toEqual({})
    expect(svObject(state.stateVector())).toEqual(svObject(Y.encodeStateVectorFromUpdate(onlyB)))
    expect(svObject(state.stateVector())).toEqual({ 2: 1 })
  })

  it('updates with unknown clock ranges (from storage) leave the vector low until a fold', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    state.append(1, [updates[0]!], [inspect(updates[0]!)])
    state.append(2, updates.slice(1), null)
    // stateVector folds a stale vector before answering, so the answer is exact
    expect(svObject(state.stateVector())).toEqual(svObject(Y.encodeStateVector(final)))
    expect(state.tailLength).toBe(0)
    expect(state.baseSeq).toBe(2)
  })
})

describe('DocState sync step 2', () => {
  it('answers an empty state vector with the base itself as the body of its sync step 2', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    const answer = state.syncStep2For(Uint8Array.of(0))
    expect(content(docOf([payloadOf(answer)]))).toBe(content(final))
    expect(content(docOf([payloadOf(answer)]))).toBe(JSON.stringify({ t: 'Jello world', m: { k: 'w' } }))
    // every fresh joiner, and a vector of zero clocks, gets the base itself: no copy of the document
    expect(answer.body).toBe(state.base)
    expect(state.syncStep2For(new Uint8Array(0)).body).toBe(state.base)
    expect(state.syncStep2For(Uint8Array.of(1, 11, 0)).body).toBe(state.base)
  })

  it('answers a partial state vector with exactly what is missing', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    for (let known = 0; known <= updates.length; known++) {
      const peer = docOf(updates.slice(0, known))
      const peerSv = Y.encodeStateVector(peer)
      const payload = payloadOf(state.syncStep2For(peerSv))
      // nothing the peer already has: every range starts at the peer's clock for that client
      const have = Y.decodeStateVector(peerSv)
      const fullSv = Y.decodeStateVector(Y.encodeStateVector(final))
      const ranges = inspect(payload).ranges
      for (const r of ranges) {
        expect(r.start, `known ${known}`).toBe(have.get(r.client) ?? 0)
        expect(r.end, `known ${known}`).toBe(fullSv.get(r.client))
      }
      // and everything it lacks: one range per client it is behind on
      const behind = [...fullSv].filter(([client, clock]) => (have.get(client) ?? 0) < clock).map(([c]) => c)
      expect(ranges.map((r) => r.client).sort()).toEqual(behind.sort())
      Y.applyUpdate(peer, payload)
      expect(content(peer), `known ${known}`).toBe(content(final))
    }
  })
})

describe('DocState fold, replaceBase, fromStored, needsCompaction', () => {
  it('fold merges the tail into the base and keeps the content', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    const tailBytes = updates.reduce((n, u) => n + u.length, 0)
    expect(state.tailBytes).toBe(tailBytes)
    expect(state.tailLength).toBe(updates.length)
    expect(state.uncompacted).toBe(tailBytes + updates.length * UPDATE_OVERHEAD)
    state.fold()
    expect(state.tailLength).toBe(0)
    expect(state.tailBytes).toBe(0)
    expect(state.baseSeq).toBe(updates.length)
    expect(state.lastSeq).toBe(updates.length)
    expect(content(docOf([state.base]))).toBe(content(final))
    // folding is not compacting: the accounting still asks for a compaction
    expect(state.uncompacted).toBe(tailBytes + updates.length * UPDATE_OVERHEAD)
    // a second fold changes nothing
    const base = state.base.slice()
    state.fold()
    expect([...state.base]).toEqual([...base])
  })

  it('replaceBase swaps in a compacted state up to a seq and keeps the tail after it', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    expect(state.compactionInput(updates.length).lengths.length).toBe(updates.length + 1)
    // the input up to a seq is the base and the entries up to it, nothing later
    const input = unpack(state.compactionInput(2))
    expect(input.map((u) => [...u])).toEqual([EMPTY_UPDATE, updates[0]!, updates[1]!].map((u) => [...u]))

    // a compaction of the first two entries lands while the rest stays in the tail
    const compacted = compactUpdates(input).state
    expect(state.replaceBase(compacted, 2)).toBe(true)
    expect(state.baseSeq).toBe(2)
    expect([...state.base]).toEqual([...compacted])
    expect(state.tailLength).toBe(updates.length - 2)
    expect(state.compactedSize).toBe(compacted.length)
    expect(state.compactedSeq).toBe(2)
    const rest = updates.slice(2)
    expect(state.uncompacted).toBe(rest.reduce((n, u) => n + u.length + UPDATE_OVERHEAD, 0))
    expect(svObject(state.stateVector())).toEqual(svObject(Y.encodeStateVector(final)))
    expect(content(docOf([payloadOf(state.syncStep2For(Uint8Array.of(0)))]))).toBe(content(final))
  })

  it('a compaction landing while the vector is stale leaves it stale; the next ask folds the tail and is exact', () => {
    const a = recordingDoc(7)
    for (const word of ['one ', 'two ', 'three ']) a.doc.getText('t').insert(a.doc.getText('t').length, word)
    const [u1, u2, u3] = a.updates as [Uint8Array, Uint8Array, Uint8Array]
    const state = new DocState(EMPTY_UPDATE, 0)
    state.append(1, [u1], [inspect(u1)])
    state.append(2, [u3], [inspect(u3)]) // beyond a gap: the vector is stale
    state.append(3, [u2], [inspect(u2)])
    // a compaction of the first two entries lands; the third (filling the gap) stays in the tail
    expect(state.replaceBase(compactUpdates(unpack(state.compactionInput(2))).state, 2)).toBe(true)
    expect(state.tailLength).toBe(1)
    const truth = svObject(Y.encodeStateVector(a.doc))
    expect(svObject(state.stateVector())).toEqual(truth)
    expect(state.tailLength).toBe(0)
    expect(content(docOf([state.base]))).toBe(content(a.doc))
  })

  it('replaceBase refuses a seq behind a fold or beyond what is durable, changing nothing', () => {
    const { updates, final } = conversation()
    const state = new DocState(EMPTY_UPDATE, 0)
    updates.forEach((u, i) => state.append(i + 1, [u], [inspect(u)]))
    const early = compactUpdates(updates.slice(0, 2)).state
    expect(state.replaceBase(early, updates.length + 1)).toBe(false)
    state.fold()
    const before = { base: [...state.base], baseSeq: state.baseSeq, uncompacted: state.uncompacted, compactedSize: state.compactedSize }
    expect(state.replaceBase(early, 2)).toBe(false)
    expect({ base: [...state.base], baseSeq: state.baseSeq, uncompacted: state.uncompacted, compactedSize: state.compactedSize }).toEqual(before)
    expect(content(docOf([state.base]))).toBe(content(final))
  })

  it('fromStored builds the state from a checkpoint and the log after it', () => {
    const { updates, final } = conversation()
    const checkpointState = compactUpdates(updates.slice(0, 2)).state
    const state = DocState.fromStored({
      checkpoint: { seq: 2, time: 1, state: checkpointState },
      log: [
        { seq: 3, time: 2, updates: [updates[2]!] },
        { seq: 4, time: 3, updates: updates.slice(3) },
      ],
    })
    expect(state.lastSeq).toBe(4)
    expect(state.baseSeq).toBe(4)
    expect(state.tailLength).toBe(0)
    expect(svObject(state.stateVector())).toEqual(svObject(Y.encodeStateVector(final)))
    expect(content(docOf([state.base]))).toBe(content(final))

    const empty = DocState.fromStored({ checkpoint: null, log: [] })
    expect([...empty.base]).toEqual([0, 0])
    expect([...empty.stateVector()]).toEqual([0])
    expect([...frame.joinSplit(empty.syncStep2For(Uint8Array.of(0)))]).toEqual([...frame.syncStep2(EMPTY_UPDATE)])
    expect(empty.lastSeq).toBe(0)
  })

  it('needsCompaction when what was added passes both the minimum and twice the compacted size', () => {
    const big = new Uint8Array(1000)
    const state = new DocState(big, 0)
    expect(state.compactedSize).toBe(1000)
    expect(state.needsCompaction(100)).toBe(false)
    const r = recordingDoc(1)
    for (let i = 0; i < 10; i++) r.doc.getText('t').insert(0, 'x'.repeat(100))
    let added = 0
    r.updates.forEach((u, i) => {
      state.append(i + 1, [u], [inspect(u)])
      added += u.length + UPDATE_OVERHEAD
      // more than the compacted size, but not yet twice it: not worth it
      if (added > 1000 && added <= 2000) expect(state.needsCompaction(100), `after ${added} bytes`).toBe(false)
    })
    expect(state.uncompacted).toBe(added)
    expect(added).toBeGreaterThan(2000)
    expect(state.needsCompaction(100)).toBe(true)
    expect(state.needsCompaction(added)).toBe(false)
    expect(state.needsCompaction(added - 1)).toBe(true)
  })
})

describe('helpers', () => {
  it('mergeAll merges many updates, as a tree of chunk merges, to the same content as applying them', () => {
    // 5000 updates: three levels of merges (chunks of 64), with deletions
    const r = recordingDoc(3)
    const t = r.doc.getText('t')
    for (let i = 0; i < 5000; i++) {
      if (i % 5 === 4) t.delete(Math.floor(t.length / 2), 1)
      else t.insert(i % 7 === 0 ? 0 : t.length, String.fromCharCode(97 + (i % 26)))
    }
    const merged = mergeAll(r.updates)
    expect(docOf([merged]).getText('t').toString()).toBe(t.toString())
    expect(svObject(Y.encodeStateVectorFromUpdate(merged))).toEqual({ 3: 4000 })
    expect([...mergeAll([])]).toEqual([0, 0])
    expect(mergeAll([r.updates[0]!])).toBe(r.updates[0])
  })

  it('isEmptyStateVector is true only for vectors without a positive clock', () => {
    expect(isEmptyStateVector(new Uint8Array(0))).toBe(true)
    expect(isEmptyStateVector(Uint8Array.of(0))).toBe(true)
    expect(isEmptyStateVector(Uint8Array.of(2, 1, 0, 2, 0))).toBe(true)
    expect(isEmptyStateVector(Uint8Array.of(1, 1, 1))).toBe(false)
    expect(isEmptyStateVector(Uint8Array.of(2, 1, 0, 2, 3))).toBe(false)
    expect(isEmptyStateVector(Uint8Array.of(5, 1))).toBe(false)
  })
})

describe('DocState.holds', () => {
  it('holds what a client that has the document sends back, not a struct or a deletion it lacks', () => {
    const doc = new Y.Doc()
    const text = doc.getText('t')
    text.insert(0, 'abcdef')
    text.delete(1, 2)
    const state = new DocState(EMPTY_UPDATE, 0)
    const whole = Y.encodeStateAsUpdate(doc)
    state.append(1, [whole], [inspect(whole)])
    // the whole document again (an offline copy), and a sync step 2 with the delete set alone
    expect(state.holds(whole, inspect(whole))).toBe(true)
    const back = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
    expect(state.holds(back, inspect(back))).toBe(true)
    const sv = Y.encodeStateVector(doc)
    text.insert(0, 'x')
    const typed = Y.encodeStateAsUpdate(doc, sv)
    expect(state.holds(typed, inspect(typed))).toBe(false)
    const sv2 = Y.encodeStateVector(doc)
    text.delete(3, 1)
    const deleted = Y.encodeStateAsUpdate(doc, sv2)
    expect(state.holds(deleted, inspect(deleted))).toBe(false)
    // once durable (and folded into the base, whose delete set was read before) it is held
    state.append(2, [typed], [inspect(typed)])
    state.append(3, [deleted], [inspect(deleted)])
    state.fold()
    const again = Y.encodeStateAsUpdate(doc)
    expect(state.holds(again, inspect(again))).toBe(true)
    expect(state.holds(deleted, inspect(deleted))).toBe(true)
  })
})
