/**
 * The editing workload for large documents: the real automerge-paper trace beside the checkout
 * (../shared/traces, 259,778 single-character edits; never copied into the repository), or a
 * generated trace of the same shape when it is absent. Built once into bench/.cache/: the
 * document after the first n edits (Y.encodeStateAsUpdate), its text, and every edit as its own
 * update frame for replays.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as Y from 'yjs'
import { prng, TEXT_NAME } from './generator/edits.js'
import { updateFrame } from './generator/protocol.js'
import { CACHE_DIR, hasTrace, TRACE_FILE } from './paths.js'

/** One edit: delete `del` characters at `pos`, then insert `text` there. */
export type Patch = readonly [pos: number, del: number, text: string]

/** Where the edits came from. */
export type TraceSource = 'automerge-paper' | 'generated'

/** Number of edits in the real trace (and in the generated one). */
export const TRACE_EDITS = 259_778

interface RawTrace {
  readonly startContent: string
  readonly endContent: string
  readonly txns: ReadonlyArray<{ readonly patches: readonly Patch[] }>
}

/** The edits of the real trace, one transaction each. */
function realTrace(): Patch[][] {
  const raw = JSON.parse(gunzipSync(readFileSync(TRACE_FILE)).toString('utf8')) as RawTrace
  if (raw.startContent !== '') throw new Error('the trace is expected to start from an empty document')
  return raw.txns.map((t) => [...t.patches])
}

/**
 * A trace shaped like a person writing: runs of typing at a cursor, now and then a run of 1 to 9
 * backspaces (about 30% of edits are deletions, as in the real trace), rare cursor jumps; single
 * characters only. Seeded, so every machine generates the same one. Its 260k-edit document
 * encodes to about 280 KB (the real one: 223 KB).
 */
function generatedTrace(n: number): Patch[][] {
  const random = prng(42)
  const words = 'we present a conflict free replicated datatype for json documents that merges concurrent edits of nested lists and maps without loss'.split(' ')
  const out: Patch[][] = []
  let length = 0
  let cursor = 0
  let word = ''
  let backspaces = 0
  while (out.length < n) {
    if (backspaces === 0 && random() < 0.002 && length > 0) cursor = Math.floor(random() * (length + 1))
    if (backspaces === 0 && random() < 0.08) backspaces = 1 + Math.floor(random() * 9)
    if (backspaces > 0 && cursor > 0) {
      out.push([[cursor - 1, 1, '']])
      cursor--
      length--
      backspaces--
    } else {
      backspaces = 0
      if (word.length === 0) word = `${words[Math.floor(random() * words.length)]!}${random() < 0.1 ? '\n' : ' '}`
      out.push([[cursor, 0, word[0]!]])
      word = word.slice(1)
      cursor++
      length++
    }
  }
  return out
}

/** The cached files of one trace. */
export interface TraceFiles {
  readonly source: TraceSource
  /** Every edit as an update frame, length-prefixed (see generator/replay.ts readFrames). */
  readonly framesFile: string
  readonly edits: number
  /** For each requested n: the document after n edits, and its text. */
  readonly docs: ReadonlyMap<number, { readonly file: string; readonly bytes: number; readonly textFile: string; readonly textLength: number }>
}

function paths(source: TraceSource, n: number) {
  return { doc: join(CACHE_DIR, `${source}-doc-${n}.bin`), text: join(CACHE_DIR, `${source}-text-${n}.txt`) }
}

/** Builds (or finds in the cache) the document after each of `ns` edits, and the replay frames. */
export function traceFiles(ns: readonly number[], log: (line: string) => void): TraceFiles {
  mkdirSync(CACHE_DIR, { recursive: true })
  const source: TraceSource = hasTrace() ? 'automerge-paper' : 'generated'
  const framesFile = join(CACHE_DIR, `${source}-frames.bin`)
  const stale = (file: string) => !existsSync(file) || (source === 'automerge-paper' && statSync(file).mtimeMs < statSync(TRACE_FILE).mtimeMs)
  if (stale(framesFile) || ns.some((n) => stale(paths(source, n).doc))) {
    log(`building documents from the ${source} trace (once; cached in ${CACHE_DIR})`)
    const txns = source === 'automerge-paper' ? realTrace() : generatedTrace(TRACE_EDITS)
    const doc = new Y.Doc()
    doc.clientID = 1
    const text = doc.getText(TEXT_NAME)
    const chunks: Buffer[] = []
    let update: Uint8Array | null = null
    doc.on('update', (u: Uint8Array) => {
      update = u
    })
    const want = new Set(ns)
    for (let i = 0; i < txns.length; i++) {
      update = null
      doc.transact(() => {
        for (const [pos, del, ins] of txns[i]!) {
          if (del > 0) text.delete(pos, del)
          if (ins.length > 0) text.insert(pos, ins)
        }
      })
      if (update !== null) {
        const f = updateFrame(update)
        const head = Buffer.alloc(4)
        head.writeUInt32LE(f.length)
        chunks.push(head, Buffer.from(f.buffer, f.byteOffset, f.length))
      }
      if (want.has(i + 1)) {
        const p = paths(source, i + 1)
        writeFileSync(p.text, text.toString())
        writeFileSync(`${p.doc}.tmp`, Y.encodeStateAsUpdate(doc))
        renameSync(`${p.doc}.tmp`, p.doc)
      }
    }
    writeFileSync(`${framesFile}.tmp`, Buffer.concat(chunks))
    renameSync(`${framesFile}.tmp`, framesFile)
    doc.destroy()
  }
  const docs = new Map<number, { file: string; bytes: number; textFile: string; textLength: number }>()
  for (const n of ns) {
    const p = paths(source, n)
    docs.set(n, { file: p.doc, bytes: statSync(p.doc).size, textFile: p.text, textLength: readFileSync(p.text, 'utf8').length })
  }
  return { source, framesFile, edits: TRACE_EDITS, docs }
}
