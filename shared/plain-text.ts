/**
 * Plain text as document content, line by line as its source shows it: each line a paragraph,
 * each blank line an empty one. Shared by the plain text import and plain text pasted in the
 * editor, so a file imports as it pastes.
 */
import type { Mark, Node as PMNode } from 'prosemirror-model'
import { schema } from './schema.js'

/** The lines of `text`: CR LF and a lone CR end lines too, and a final line ending starts no line. */
export function textLines(text: string): string[] {
  const lines = text.split(/\r\n?|\n/)
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** A paragraph per line of `text` (a blank line an empty one), its text in `marks`. */
export function paragraphsOf(text: string, marks: readonly Mark[] = []): PMNode[] {
  return textLines(text).map((line) => schema.nodes.paragraph!.create(null, line === '' ? null : schema.text(line, marks)))
}
