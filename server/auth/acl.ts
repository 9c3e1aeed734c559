/**
 * Who may open each document in accounts mode: an owner, members with roles, and share links
 * (a secret in the URL that grants viewer or editor). Stored as records of kind `acl`, one per
 * document, and held in memory (loaded once) so role checks are synchronous.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { RecordWrite, Storage } from '../storage/storage.js'
import { ownRole, strongest, type Role } from './roles.js'

/** Record kind of access lists. */
export const ACL_RECORD = 'acl'

/** A share link. */
export interface ShareLink {
  readonly id: string
  readonly secret: string
  readonly role: 'viewer' | 'editor'
  readonly createdAt: number
  readonly createdBy: string
}

/** The access list of one document. */
export interface DocAcl {
  readonly docId: string
  readonly owner: string
  /** userId to role; the owner is not listed here. Read with `ownRole` (user ids like `constructor`). */
  readonly members: Readonly<Record<string, Role>>
  readonly links: readonly ShareLink[]
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/** Access lists of every document, in memory, written through to storage. */
export class AclStore {
  private readonly acls = new Map<string, DocAcl>()
  // the last pending change per document (see serially)
  private readonly changing = new Map<string, Promise<void>>()

  private constructor(private readonly storage: Storage) {}

  /** Loads every access list. */
  static async open(storage: Storage): Promise<AclStore> {
    const store = new AclStore(storage)
    for (const { id, value } of await storage.listRecords<DocAcl>(ACL_RECORD)) store.acls.set(id, value)
    return store
  }

  /** The access list of a document, if it has one. */
  get(docId: string): DocAcl | undefined {
    return this.acls.get(docId)
  }

  /** The record that creates the list of a new document owned by `owner` (written by the caller). */
  create(docId: string, owner: string): RecordWrite {
    const acl: DocAcl = { docId, owner, members: {}, links: [] }
    this.acls.set(docId, acl)
    return { kind: ACL_RECORD, id: docId, value: acl }
  }

  /**
   * Changes the list of a document: `change` gets the current list (undefined: none) and returns
   * the next one, or throws to change nothing. Resolves with the list written.
   */
  update(docId: string, change: (acl: DocAcl | undefined) => DocAcl): Promise<DocAcl> {
    return this.serially(docId, async () => {
      const next = change(this.acls.get(docId))
      await this.storage.putRecords([{ kind: ACL_RECORD, id: docId, value: next }])
      this.acls.set(docId, next)
      return next
    })
  }

  /** Drops the list of a deleted document. */
  remove(docId: string): Promise<void> {
    return this.serially(docId, async () => {
      await this.storage.putRecords([{ kind: ACL_RECORD, id: docId, value: null }])
      this.acls.delete(docId)
    })
  }

  // changes to one document run one at a time, each on the list the one before left: changes
  // made at once would otherwise each start from the same list, and the last write would undo
  // the others (a revoked member kept by a change to someone else)
  private serially<T>(docId: string, task: () => Promise<T>): Promise<T> {
    const done = (this.changing.get(docId) ?? Promise.resolve()).then(task)
    const tail = done.then(
      () => {},
      () => {},
    )
    this.changing.set(docId, tail)
    void tail.then(() => {
      if (this.changing.get(docId) === tail) this.changing.delete(docId)
    })
    return done
  }

  /** The role a user (null: nobody signed in) holding `share` (or not) has on a document. */
  roleFor(docId: string, userId: string | null, share: string | null): Role | null {
    const acl = this.acls.get(docId)
    if (!acl) return null
    let role: Role | null = null
    if (userId !== null) role = acl.owner === userId ? 'owner' : ownRole(acl.members, userId)
    if (share) {
      const link = acl.links.find((l) => sameSecret(l.secret, share))
      if (link) role = strongest(role, link.role)
    }
    return role
  }

  /** Ids of the documents a user owns or is a member of. */
  docsOf(userId: string): string[] {
    const out: string[] = []
    for (const acl of this.acls.values()) if (acl.owner === userId || ownRole(acl.members, userId)) out.push(acl.docId)
    return out
  }

  /** A fresh share link. */
  static newLink(role: 'viewer' | 'editor', createdBy: string, now: number): ShareLink {
    return { id: randomBytes(6).toString('base64url'), secret: randomBytes(24).toString('base64url'), role, createdAt: now, createdBy }
  }
}
