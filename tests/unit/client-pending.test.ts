/**
 * The list of documents with changes this browser kept (client/collab/pending.ts) without a DOM:
 * pending entries per account, documents whose changes can never be sent (deleted, no access),
 * whose entries only their account sees; and the plain text of a copy offered to copy then.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PENDING_KEY, PendingDocs, UNDELIVERED_EVENT, UNDELIVERED_KEY } from '../../client/collab/pending.js'
import { plainText } from '../../client/collab/session.js'
import { signOutWarning, titleList } from '../../client/components/identity/sign-out-warning.js'

function memoryStore() {
  const data = new Map<string, string>()
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) }
}

describe('PendingDocs', () => {
  it('moves a pending document to the undelivered ones, seen only by its account, until dismissed', () => {
    const store = memoryStore()
    const events = new EventTarget()
    let told = 0
    events.addEventListener(UNDELIVERED_EVENT, () => told++)
    const pending = new PendingDocs(store, events)
    pending.add('a', { account: 'hugo', share: null })
    pending.add('b', { account: 'hugo', share: null })
    expect(pending.heldByOther('a', 'olive')).toBe(true)
    expect(pending.heldByOther('a', 'hugo')).toBe(false)
    expect(pending.heldByOther('c', 'olive')).toBe(false)

    expect(pending.keeps('a')).toBe(true)
    pending.undeliverable('a', 'deleted')
    expect(pending.keeps('a')).toBe(true)
    pending.undeliverable('c', 'gone') // not pending: nothing to tell
    expect(pending.has('a')).toBe(false)
    expect(pending.list().map(([id]) => id)).toEqual(['b'])
    expect(pending.undelivered('hugo')).toEqual([['a', { account: 'hugo', reason: 'deleted' }]])
    expect(pending.undelivered('olive')).toEqual([])
    expect(told).toBe(1)

    pending.dismiss('a')
    pending.dismiss('a')
    expect(pending.keeps('a')).toBe(false)
    expect(pending.undelivered('hugo')).toEqual([])
    expect(told).toBe(2)
    expect(JSON.parse(store.data.get(UNDELIVERED_KEY)!)).toEqual({})
    expect(Object.keys(JSON.parse(store.data.get(PENDING_KEY)!))).toEqual(['b'])
  })

  it('reads a damaged list as empty', () => {
    const store = memoryStore()
    store.setItem(UNDELIVERED_KEY, 'not json')
    expect(new PendingDocs(store, null).undelivered(null)).toEqual([])
  })
})

describe('plainText', () => {
  it('gives a line per block, through lists, with hard breaks as new lines and no formatting', () => {
    const doc = new Y.Doc()
    const body = doc.getXmlFragment('content')
    const para = (...parts: Array<Y.XmlText | Y.XmlElement>) => {
      const p = new Y.XmlElement('paragraph')
      p.insert(0, parts)
      return p
    }
    const text = (s: string, attrs?: Record<string, unknown>) => {
      const t = new Y.XmlText()
      t.insert(0, s, attrs)
      return t
    }
    const list = new Y.XmlElement('bullet_list')
    const item = new Y.XmlElement('list_item')
    item.insert(0, [para(text('Tent'))])
    list.insert(0, [item])
    body.insert(0, [para(text('Plan '), text('bold', { bold: {} })), list, para(), para(text('one'), new Y.XmlElement('hard_break'), text('two'))])
    expect(plainText(body)).toBe('Plan bold\nTent\n\none\ntwo')
  })
})

describe('what signing out would delete', () => {
  it('lists one account\'s pending and undelivered documents, not another\'s', () => {
    const pending = new PendingDocs(memoryStore(), null)
    pending.add('a', { account: 'hugo', share: null })
    pending.add('b', { account: 'olive', share: null })
    pending.add('c', { account: 'hugo', share: 'secret' })
    pending.undeliverable('c', 'no-access')
    expect(pending.unsent('hugo')).toEqual({ pending: ['a'], undelivered: ['c'] })
    expect(pending.unsent('olive')).toEqual({ pending: ['b'], undelivered: [] })
    expect(pending.unsent(null)).toEqual({ pending: [], undelivered: [] })
  })

  it('names the documents, and asks nothing when nothing is unsent', () => {
    expect(titleList(['A'])).toBe('“A”')
    expect(titleList(['A', ' '])).toBe('“A” and “Untitled”')
    expect(titleList(['A', 'B', 'C'])).toBe('“A”, “B” and “C”')
    expect(titleList(['A', 'B', 'C', 'D', 'E'])).toBe('“A”, “B”, “C” and 2 more')
    expect(signOutWarning({ pending: [], undelivered: [] })).toBeNull()
    const both = signOutWarning({ pending: ['Plan'], undelivered: ['Old'] })!
    expect(both.danger).toBe(true)
    expect(both.confirmLabel).toBe('Sign out anyway')
    expect(both.message).toMatch(/“Plan” have not reached the server yet\..*“Old” could not be sent.*Signing out deletes them from this browser\.$/)
  })
})
