/**
 * Who the local user is to the others: a name and a colour, shown on presence avatars and on
 * the remote cursor label. A friendly random default ("Curious Otter"), editable, remembered in
 * localStorage and shared between tabs.
 */
import { ObservableV2 } from 'lib0/observable'
import { webStorage } from './web-storage.js'

/** A user as shown to the others. */
export interface Identity {
  readonly name: string
  readonly color: string
  /** The account this name was set for (accounts and token mode); absent when none. */
  readonly account?: string
}

/** localStorage key of the identity. */
export const IDENTITY_KEY = 'tandem.identity'

/** Longest name kept. */
export const MAX_NAME_LENGTH = 40

/** Colours to pick from, with names for screen readers: dark enough for white label text (WCAG AA). */
export const PALETTE: ReadonlyArray<{ readonly color: string; readonly name: string }> = [
  { color: '#c62828', name: 'Red' },
  { color: '#ad1457', name: 'Pink' },
  { color: '#6a1b9a', name: 'Purple' },
  { color: '#4527a0', name: 'Indigo' },
  { color: '#1565c0', name: 'Blue' },
  { color: '#00695c', name: 'Teal' },
  { color: '#2e7d32', name: 'Green' },
  { color: '#8d4e00', name: 'Ochre' },
  { color: '#bf360c', name: 'Rust' },
  { color: '#4e342e', name: 'Brown' },
  { color: '#37474f', name: 'Slate' },
]

/** The palette's colours. */
export const COLORS: readonly string[] = PALETTE.map((p) => p.color)

const ADJECTIVES = [
  'Amber', 'Brave', 'Bright', 'Calm', 'Clever', 'Cosmic', 'Curious', 'Daring', 'Eager', 'Gentle',
  'Happy', 'Jolly', 'Kind', 'Lively', 'Lucky', 'Merry', 'Nimble', 'Patient', 'Quick', 'Quiet',
  'Sunny', 'Swift', 'Tidy', 'Witty',
]
const ANIMALS = [
  'Badger', 'Beaver', 'Crane', 'Dolphin', 'Falcon', 'Fox', 'Gecko', 'Hedgehog', 'Heron', 'Koala',
  'Lynx', 'Marmot', 'Newt', 'Otter', 'Owl', 'Panda', 'Puffin', 'Quokka', 'Raven', 'Seal',
  'Sparrow', 'Tapir', 'Walrus', 'Wombat',
]

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length) % items.length]!

/** A random friendly identity. */
export function randomIdentity(random: () => number = Math.random): Identity {
  return { name: `${pick(ADJECTIVES, random)} ${pick(ANIMALS, random)}`, color: pick(COLORS, random) }
}

/** A displayable name: one line, trimmed, at most MAX_NAME_LENGTH characters; '' when none. */
export function cleanName(name: unknown): string {
  if (typeof name !== 'string') return ''
  // no control characters (a remote peer's name is untrusted)
  return [...name.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim()].slice(0, MAX_NAME_LENGTH).join('')
}

/** `color` when it is a 6-digit hex colour (the only form cursors accept), else null. */
export function safeColor(color: unknown): string | null {
  return typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color.toLowerCase() : null
}

/** Up to two initials of a name, for avatars. */
export function initials(name: string): string {
  const words = cleanName(name).split(' ').filter(Boolean)
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2)
  return letters.join('').toUpperCase()
}

/** Reads an identity from JSON text; null when it is missing or malformed. */
export function parseIdentity(text: string | null): Identity | null {
  if (!text) return null
  try {
    const value = JSON.parse(text) as { name?: unknown; color?: unknown; account?: unknown }
    const name = cleanName(value?.name)
    const color = safeColor(value?.color)
    if (!name || !color) return null
    return typeof value.account === 'string' && value.account ? { name, color, account: value.account } : { name, color }
  } catch {
    return null
  }
}

/** The part of Web Storage used here. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>

/** The stored identity, or a new random one (which is stored). Storage may be unavailable. */
export function loadIdentity(store: KeyValueStore | null, random: () => number = Math.random): Identity {
  let stored: Identity | null = null
  try {
    stored = parseIdentity(store?.getItem(IDENTITY_KEY) ?? null)
  } catch {
    // storage disabled (privacy settings): a fresh identity per page
  }
  if (stored) return stored
  const fresh = randomIdentity(random)
  saveIdentity(store, fresh)
  return fresh
}

/** Stores `identity`; ignores storage that refuses. */
export function saveIdentity(store: KeyValueStore | null, identity: Identity): void {
  try {
    store?.setItem(IDENTITY_KEY, JSON.stringify(identity))
  } catch {
    // quota or privacy mode: the identity lasts for this page only
  }
}

/** Events of an IdentityStore. */
export type IdentityEvents = {
  change: (identity: Identity) => void
}

/** The local identity, observable; changes are saved and picked up from other tabs. */
export class IdentityStore extends ObservableV2<IdentityEvents> {
  private current: Identity
  private readonly onStorage = (event: StorageEvent) => {
    if (event.key !== IDENTITY_KEY) return
    const next = parseIdentity(event.newValue)
    if (next && (next.name !== this.current.name || next.color !== this.current.color || next.account !== this.current.account)) {
      this.current = next
      this.emit('change', [next])
    }
  }

  constructor(
    private readonly store: KeyValueStore | null = webStorage('localStorage'),
    private readonly target: EventTarget | null = typeof window === 'undefined' ? null : window,
  ) {
    super()
    this.current = loadIdentity(store)
    this.target?.addEventListener('storage', this.onStorage as EventListener)
  }

  /** The current identity. */
  get identity(): Identity {
    return this.current
  }

  /** Changes the identity; an empty name or invalid colour keeps the previous one. */
  set(change: Partial<Identity>): Identity {
    const name = cleanName(change.name ?? this.current.name) || this.current.name
    const color = safeColor(change.color ?? this.current.color) ?? this.current.color
    if (name === this.current.name && color === this.current.color) return this.current
    this.current = { ...this.current, name, color }
    saveIdentity(this.store, this.current)
    this.emit('change', [this.current])
    return this.current
  }

  /**
   * Follows the signed-in account: the first time an account (by name) uses this browser, the
   * name becomes the account's username; after that whatever name that person chose is kept.
   * The colour always stays. `null` (signed out, open mode) changes nothing.
   */
  useAccount(username: string | null): Identity {
    const account = username ? cleanName(username) : ''
    if (!account || this.current.account === account) return this.current
    this.current = { name: account, color: this.current.color, account }
    saveIdentity(this.store, this.current)
    this.emit('change', [this.current])
    return this.current
  }

  override destroy(): void {
    this.target?.removeEventListener('storage', this.onStorage as EventListener)
    super.destroy()
  }
}
