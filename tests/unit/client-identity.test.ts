/**
 * The local identity: a friendly random default, validation of names and colours (including
 * those of other people, which are untrusted), localStorage persistence, and cross-tab updates.
 */
import { describe, expect, it } from 'vitest'
import { cleanName, COLORS, IDENTITY_KEY, IdentityStore, initials, loadIdentity, parseIdentity, randomIdentity, safeColor, type Identity } from '../../client/identity.js'
import { seededRandom } from '../helpers/wait.js'

function memoryStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  }
}

describe('identity', () => {
  it('makes friendly random names with a palette colour', () => {
    const random = seededRandom(7)
    const seen = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const id = randomIdentity(random)
      expect(id.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
      expect(COLORS).toContain(id.color)
      seen.add(id.name)
    }
    expect(seen.size).toBeGreaterThan(20)
  })

  it('cleans names and colours from anyone', () => {
    expect(cleanName('  Ada \n Lovelace ')).toBe('Ada Lovelace')
    expect(cleanName('x'.repeat(100))).toHaveLength(40)
    expect(cleanName('a\u0000b')).toBe('a b')
    expect(cleanName(42)).toBe('')
    expect(safeColor('#A1B2C3')).toBe('#a1b2c3')
    for (const bad of ['red', '#fff', 'rgb(1,2,3)', '#12345g', 'red; background: url(x)', null]) expect(safeColor(bad)).toBeNull()
    expect(initials('Curious Otter')).toBe('CO')
    expect(initials('ada')).toBe('AD')
    expect(initials('Jean Luc Picard')).toBe('JP')
    expect(initials('')).toBe('?')
  })

  it('remembers the identity in storage and ignores broken entries', () => {
    const store = memoryStore()
    const first = loadIdentity(store, seededRandom(1))
    expect(parseIdentity(store.data.get(IDENTITY_KEY)!)).toEqual(first)
    expect(loadIdentity(store, seededRandom(99))).toEqual(first)
    const broken = memoryStore({ [IDENTITY_KEY]: '{"name": "", "color": "javascript:"}' })
    const fresh = loadIdentity(broken, seededRandom(3))
    expect(fresh.name).not.toBe('')
    expect(parseIdentity('not json')).toBeNull()
    // storage that throws (privacy mode) still yields an identity
    const throwing = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('denied') } }
    expect(loadIdentity(throwing).name).toBeTruthy()
  })

  it('changes, saves and announces; follows other tabs through storage events', () => {
    // a known starting colour: a random one could already be the colour set below
    const store = memoryStore({ [IDENTITY_KEY]: JSON.stringify({ name: 'Ada', color: '#c62828' }) })
    const target = new EventTarget()
    const identity = new IdentityStore(store, target)
    const changes: Identity[] = []
    identity.on('change', (id) => changes.push(id))
    identity.set({ name: '  Grace  ' })
    expect(identity.identity.name).toBe('Grace')
    expect(parseIdentity(store.data.get(IDENTITY_KEY)!)?.name).toBe('Grace')
    identity.set({ name: '   ' })
    identity.set({ color: 'not a colour' })
    expect(identity.identity.name).toBe('Grace')
    identity.set({ color: '#1565c0' })
    expect(changes.map((c) => c.color).at(-1)).toBe('#1565c0')
    const event = Object.assign(new Event('storage'), { key: IDENTITY_KEY, newValue: JSON.stringify({ name: 'From another tab', color: '#2e7d32' }) })
    target.dispatchEvent(event)
    expect(identity.identity).toEqual({ name: 'From another tab', color: '#2e7d32' })
    expect(changes).toHaveLength(3)
    identity.destroy()
  })
})
