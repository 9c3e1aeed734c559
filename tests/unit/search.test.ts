/**
 * server/docs/search.ts: how a document matches a search (title first, then text, ignoring case),
 * the snippet shown around a match in the text, the fingerprint rooms compare texts by, and the
 * background read of documents with no text recorded.
 */
import { describe, expect, it } from 'vitest'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import * as Y from 'yjs'
import { CONTENT } from '../../shared/doc-fields.js'
import { schema } from '../../shared/schema.js'
import { createInlineCompactor, type Compactor } from '../../server/docs/compactor.js'
import { DOC_RECORD, newMeta } from '../../server/docs/meta.js'
import { matchDoc, searchFor, snippetAround, TextBackfill, textHash, TEXT_RECORD } from '../../server/docs/search.js'
import { silentLogger } from '../../server/log.js'
import { idleMetrics } from '../helpers/metrics.js'
import { createMemoryStorage } from '../../server/storage/memory.js'

describe('matchDoc', () => {
  it('matches the title first, then the text, ignoring case; null when neither holds the words', () => {
    expect(matchDoc(searchFor('plan'), 'Quarterly Plan', 'a plan inside too')).toEqual({ in: 'title' })
    expect(matchDoc(searchFor('BUDGET'), 'Quarterly Plan', 'The Budget is approved.')).toEqual({ in: 'text', snippet: 'The Budget is approved.' })
    expect(matchDoc(searchFor('budget'), 'Quarterly Plan', undefined)).toBeNull()
    expect(matchDoc(searchFor('budget'), 'Quarterly Plan', 'nothing here')).toBeNull()
  })

  it('takes the words literally: characters of patterns match themselves', () => {
    for (const q of ['a.c', '(x)', '[1]', 'a+b', '$5', 'c:\\dir', '^start', 'x|y', '.*']) {
      expect(matchDoc(searchFor(q), '', `before ${q} after`), q).toEqual({ in: 'text', snippet: `before ${q} after` })
      expect(matchDoc(searchFor(q), '', 'before abc x y 5 after'), q).toBeNull()
    }
    // beyond ASCII, ignoring case too
    expect(matchDoc(searchFor('ÉTÉ'), 'Notes', 'un été chaud')).toEqual({ in: 'text', snippet: 'un été chaud' })
  })
})

describe('snippetAround', () => {
  const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ')

  it('keeps about 60 characters on each side, cut at word ends, with ellipses where text was left out', () => {
    const at = words.indexOf('w30 ')
    const snippet = snippetAround(words, at, 3)
    expect(snippet.startsWith('…')).toBe(true)
    expect(snippet.endsWith('…')).toBe(true)
    expect(snippet).toContain('w30')
    // whole words only
    for (const word of snippet.replace(/…/g, '').split(' ')) expect(word).toMatch(/^w\d+$/)
    expect(snippet.length).toBeGreaterThan(120)
    expect(snippet.length).toBeLessThan(170)
  })

  it('leaves the ellipsis out at the start and end of the text', () => {
    expect(snippetAround('short text here', 6, 4)).toBe('short text here')
    expect(snippetAround(words, 0, 2).startsWith('w0 w1')).toBe(true)
    expect(snippetAround(words, words.length - 3, 3).endsWith('w59')).toBe(true)
  })
})

describe('textHash', () => {
  it('tells texts apart, including ones of the same length', () => {
    const texts = ['', 'a', 'b', 'ab', 'ba', 'Plan', 'plan', 'x'.repeat(1000), `${'x'.repeat(999)}y`]
    expect(new Set(texts.map(textHash)).size).toBe(texts.length)
    expect(textHash('same words')).toBe(textHash('same words'))
  })
})

describe('TextBackfill', () => {
  /** A store holding document `d` with `words` in its body, and a compactor that waits for `release`. */
  async function setUp(words: string) {
    const storage = createMemoryStorage()
    const doc = new Y.Doc()
    prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: words }] }] }, doc.getXmlFragment(CONTENT))
    const meta = newMeta('d', 1, 'D', 1)
    await storage.append([{ docId: 'd', entry: { seq: 1, time: 1, updates: [Y.encodeStateAsUpdate(doc)] } }], [{ kind: DOC_RECORD, id: 'd', value: meta }])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const inline = createInlineCompactor()
    const compactor: Compactor = { ...inline, compact: async (input) => (await gate, inline.compact(input)) }
    const metrics = idleMetrics()
    const backfill = new TextBackfill({ storage, compactor, log: silentLogger(), metrics })
    return { storage, meta, backfill, release }
  }

  it('records the text of a document that has none', async () => {
    const { storage, backfill, release } = await setUp('words to find')
    await backfill.fillMissing(['d'])
    release()
    await backfill.idle()
    expect(await storage.getRecord(TEXT_RECORD, 'd')).toEqual({ text: 'words to find' })
  })

  it('does not write back the text of a document deleted while it was read', async () => {
    const { storage, meta, backfill, release } = await setUp('confidential words')
    backfill.add('d')
    // deleted meanwhile, as Catalog.delete does it: the tombstone and the text's removal together
    await storage.putRecords([
      { kind: DOC_RECORD, id: 'd', value: { ...meta, deletedAt: 2 } },
      { kind: TEXT_RECORD, id: 'd', value: null },
    ])
    release()
    await backfill.idle()
    expect(await storage.getRecord(TEXT_RECORD, 'd')).toBeUndefined()
  })
})
