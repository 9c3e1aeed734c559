/**
 * shared/validate.ts: document ids (PROTOCOL.md rule D1: 1 to 64 of A-Z a-z 0-9 _ -) and the
 * random ids the app creates.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_MESSAGE, isDocId, newDocId } from '../../shared/validate.js'

describe('document ids (D1)', () => {
  it('accepts 1 to 64 characters of A-Z a-z 0-9 _ -', () => {
    for (const id of ['a', 'Z', '0', '_', '-', 'my-doc_2', 'x'.repeat(64), 'ABCxyz019_-']) expect(isDocId(id), id).toBe(true)
  })

  it('rejects everything else', () => {
    const bad = ['', 'x'.repeat(65), 'a b', 'a/b', 'a!b', 'a.b', '..', 'a%20', 'é', 'a\nb', 'doc\n', '\u0430', 'a"b', 'a~']
    for (const id of bad) expect(isDocId(id), JSON.stringify(id)).toBe(false)
  })

  it('creates valid, distinct ids', () => {
    const ids = new Set(Array.from({ length: 500 }, () => newDocId()))
    expect(ids.size).toBe(500)
    for (const id of ids) {
      expect(isDocId(id), id).toBe(true)
      expect(id).toMatch(/^[A-Za-z0-9]{16}$/)
    }
  })

  it('defaults the largest message to 8 MiB', () => {
    expect(DEFAULT_MAX_MESSAGE).toBe(8 * 1024 * 1024)
  })
})
