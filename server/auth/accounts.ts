/**
 * Accounts and login sessions, stored as records in the document store (kinds `user` and
 * `session`). A session token is 32 random bytes; only its SHA-256 is stored, so the store
 * alone never yields a usable token. Each session carries its own CSRF token.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { RecordWrite, Storage } from '../storage/storage.js'
import { hashPassword, verifyPassword } from './passwords.js'

/** Record kinds used here. */
export const USER_RECORD = 'user'
export const SESSION_RECORD = 'session'

/** A person with an account. `id` is the lower-cased username. */
export interface User {
  readonly id: string
  readonly username: string
  readonly passwordHash: string
  readonly admin: boolean
  readonly createdAt: number
}

/** A login session (what the cookie names). */
export interface LoginSession {
  /** SHA-256 of the token, hex. */
  readonly id: string
  readonly userId: string
  readonly createdAt: number
  readonly expiresAt: number
  /** Must accompany every state-changing request made with this session's cookie. */
  readonly csrf: string
  /**
   * Fingerprint of the password hash the session was started with: once the password changes,
   * a session started with the old one is over (sessions stored before this field have none).
   */
  readonly password?: string
}

/** Why an account operation was refused; `status` is the HTTP answer. */
export class AccountError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'AccountError'
  }
}

/** The public view of a user. */
export const publicUser = (u: User) => ({ id: u.id, username: u.username, admin: u.admin })

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex')
/** What a session keeps of the password hash it began with (the hash itself stays in one place). */
const fingerprint = (passwordHash: string) => sha256(passwordHash).slice(0, 32)

/** Accounts and sessions over a storage backend. */
export class Accounts {
  private readonly sessions = new Map<string, LoginSession | null>()
  // bumped whenever the cache is cleared, so reads begun before it do not refill it
  private generation = 0
  // verifying against this when a user does not exist keeps timing the same (no user probing)
  private readonly dummyHash = hashPassword('not a real password')
  // account creations, one at a time (see create)
  private creating: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly storage: Storage,
    private readonly options: { sessionTtlMs: number; now?: () => number; hashCost?: { N: number; r: number; p: number } },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** Number of accounts. */
  async count(): Promise<number> {
    return (await this.storage.listRecords(USER_RECORD)).length
  }

  /** Every account. */
  async list(): Promise<User[]> {
    return (await this.storage.listRecords<User>(USER_RECORD)).map((r) => r.value)
  }

  /** The account with this username (any case), if any. */
  async get(username: string): Promise<User | undefined> {
    return this.storage.getRecord<User>(USER_RECORD, username.toLowerCase())
  }

  /**
   * Creates an account; 409 when the name is taken. The first account ever is the admin;
   * `onlyFirst` (closed sign-up) refuses with 403 once any account exists.
   */
  async create(username: string, password: string, options: { onlyFirst?: boolean } = {}): Promise<User> {
    const id = username.toLowerCase()
    // refuse early so a taken name or a closed server costs no hash
    await this.mayCreate(id, username, options)
    const passwordHash = await hashPassword(password, this.options.hashCost)
    // the deciding checks and the write are one critical section: sign-ups at once would all
    // see no accounts (each the admin, closed sign-up bypassed) or a free name. The slow hash
    // stays outside, so sign-ups still hash in parallel.
    const created = this.creating.then(async () => {
      await this.mayCreate(id, username, options)
      const user: User = { id, username, passwordHash, admin: (await this.count()) === 0, createdAt: this.now() }
      await this.storage.putRecords([{ kind: USER_RECORD, id, value: user }])
      return user
    })
    this.creating = created.catch(() => {})
    return created
  }

  private async mayCreate(id: string, username: string, options: { onlyFirst?: boolean }): Promise<void> {
    if (options.onlyFirst && (await this.count()) > 0) {
      throw new AccountError(403, 'sign-up is closed on this server; ask its admin for an account')
    }
    if (await this.get(id)) throw new AccountError(409, `the username ${username} is taken`)
  }

  /** The account when `password` is right, else null (same work either way). */
  async verify(username: string, password: string): Promise<User | null> {
    const user = await this.get(username)
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash))
    return user && ok ? user : null
  }

  /** Starts a session for `user`; returns the token for the cookie. */
  async startSession(user: User): Promise<{ token: string; session: LoginSession }> {
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    const session: LoginSession = {
      id: sha256(token),
      userId: user.id,
      createdAt: now,
      expiresAt: now + this.options.sessionTtlMs,
      csrf: randomBytes(24).toString('base64url'),
      password: fingerprint(user.passwordHash),
    }
    await this.storage.putRecords([{ kind: SESSION_RECORD, id: session.id, value: session }])
    this.sessions.set(session.id, session)
    return { token, session }
  }

  /** Caches a session (null: ended or unknown), bounded: a full cache starts over. */
  private cache(id: string, session: LoginSession | null): void {
    if (this.sessions.size >= 50_000) {
      this.sessions.clear()
      this.generation++
    }
    this.sessions.set(id, session)
  }

  /** The live session and user a cookie token names, or null (unknown, expired, user gone). */
  async resolve(token: string): Promise<{ session: LoginSession; user: User } | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null
    const id = sha256(token)
    let session = this.sessions.get(id)
    if (session === undefined) {
      const generation = this.generation
      const stored = (await this.storage.getRecord<LoginSession>(SESSION_RECORD, id)) ?? null
      // a logout during the read left a tombstone that must win over what the read saw; after a
      // clear the tombstone may be gone, so the read is used once but not cached
      session = this.sessions.get(id)
      if (session === undefined) {
        session = stored
        if (generation === this.generation) this.cache(id, session)
      }
    }
    if (!session) return null
    if (session.expiresAt <= this.now()) {
      await this.endSession(id)
      return null
    }
    const user = await this.storage.getRecord<User>(USER_RECORD, session.userId)
    // a logout or password change while the user was read ended the session: its sockets were
    // closed already, and one opened with this answer would be missed and stay open
    if (this.ended(id) || !user) return null
    // a sign-in that checked the old password while it was being changed started its session
    // after the change ended the others: it must not outlive the password it was given for
    if (session.password !== undefined && session.password !== fingerprint(user.passwordHash)) return null
    return { session, user }
  }

  /** True when the session `id` was ended (logout, password change) since it was read. */
  ended(id: string): boolean {
    return this.sessions.get(id) === null
  }

  /** Ends one session. */
  async endSession(id: string): Promise<void> {
    this.sessions.set(id, null)
    await this.storage.putRecords([{ kind: SESSION_RECORD, id, value: null }])
  }

  /** Ends every session of `userId` except `keep`; returns the ended session ids. */
  async endOtherSessions(userId: string, keep: string | null): Promise<string[]> {
    const ended = (await this.storage.listRecords<LoginSession>(SESSION_RECORD))
      .filter((r) => r.value.userId === userId && r.id !== keep)
      .map((r) => r.id)
    for (const id of ended) this.sessions.set(id, null)
    await this.storage.putRecords(ended.map((id) => ({ kind: SESSION_RECORD, id, value: null })))
    return ended
  }

  /**
   * Changes a password after checking the current one; 403 when it is wrong. Sessions started
   * with the old password end (see LoginSession.password), except `keep`, the one asking.
   */
  async changePassword(user: User, current: string, next: string, keep: LoginSession): Promise<void> {
    if (!(await verifyPassword(current, user.passwordHash))) throw new AccountError(403, 'the current password is wrong')
    const updated: User = { ...user, passwordHash: await hashPassword(next, this.options.hashCost) }
    const kept: LoginSession = { ...keep, password: fingerprint(updated.passwordHash) }
    // checked in the turn the write is issued: a session logged out while the hash ran must not be
    // written back (a restart would find it live); a logout after this writes its end behind it
    const writes: RecordWrite[] = [{ kind: USER_RECORD, id: user.id, value: updated }]
    if (!this.ended(kept.id)) writes.push({ kind: SESSION_RECORD, id: kept.id, value: kept })
    await this.storage.putRecords(writes)
    if (!this.ended(kept.id)) this.sessions.set(kept.id, kept)
  }
}
