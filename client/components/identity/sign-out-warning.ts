/**
 * What to ask before signing out deletes changes this browser has not sent: signing out forgets
 * every document copy kept here (see AuthStore.signOut), and with them the changes they hold.
 */
import type { ConfirmOptions } from '../confirm-dialog/confirm-dialog.js'

/** Titles of the documents whose changes signing out would delete. */
export interface UnsentTitles {
  /** Changes not sent yet, which will be once the server takes them (if this person stays). */
  readonly pending: readonly string[]
  /** Changes that can never be sent (the document was deleted or access to it ended). */
  readonly undelivered: readonly string[]
}

/** How many titles are named before "and N more". */
const NAMED = 3

/** “A”, “B” and 2 more. */
export function titleList(titles: readonly string[]): string {
  const quoted = titles.slice(0, NAMED).map((t) => `“${t.trim() || 'Untitled'}”`)
  const more = titles.length - quoted.length
  if (more > 0) return `${quoted.join(', ')} and ${more} more`
  if (quoted.length === 1) return quoted[0]!
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`
}

/** The question to ask before signing out, or null when nothing unsent would be lost. */
export function signOutWarning(unsent: UnsentTitles): ConfirmOptions | null {
  const { pending, undelivered } = unsent
  if (pending.length === 0 && undelivered.length === 0) return null
  const parts: string[] = []
  if (pending.length > 0) {
    parts.push(`Your changes to ${titleList(pending)} have not reached the server yet. Stay signed in and they are sent as soon as it can be reached.`)
  }
  if (undelivered.length > 0) {
    parts.push(`Your changes to ${titleList(undelivered)} could not be sent: the document was deleted or you lost access to it. You can copy their text from the document list.`)
  }
  parts.push('Signing out deletes them from this browser.')
  return { title: 'Sign out and delete unsent changes?', message: parts.join(' '), confirmLabel: 'Sign out anyway', danger: true }
}
