/**
 * Roles and what they allow, as one pure table (the role-by-action matrix the tests check).
 */

/** A person's role on one document. */
export type Role = 'owner' | 'editor' | 'viewer'

/** Every role, strongest first. */
export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer']

/** Something a request wants to do to a document. */
export type Action = 'read' | 'write' | 'share' | 'delete'

const ALLOWED: Record<Role, readonly Action[]> = {
  owner: ['read', 'write', 'share', 'delete'],
  editor: ['read', 'write'],
  viewer: ['read'],
}

/** True when `role` (null: no access) may do `action`; anything but a role name allows nothing. */
export function can(role: Role | null, action: Action): boolean {
  // a lookup gone wrong (an inherited property such as `constructor`) must never grant access
  return isRole(role) && ALLOWED[role].includes(action)
}

/** The role a lookup table holds for `key`: own properties only, and only role names. */
export function ownRole(table: Readonly<Record<string, unknown>>, key: string): Role | null {
  if (!Object.hasOwn(table, key)) return null
  const value = table[key]
  return isRole(value) ? value : null
}

/** The stronger of two roles (null counts as none). */
export function strongest(a: Role | null, b: Role | null): Role | null {
  if (a === null) return b
  if (b === null) return a
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b
}

/** True when `value` is a role name. */
export function isRole(value: unknown): value is Role {
  return value === 'owner' || value === 'editor' || value === 'viewer'
}
