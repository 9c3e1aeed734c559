/**
 * Plain text pasted (from a terminal, Notepad, a plain-text email, or with Ctrl+Shift+V) comes
 * in line by line, as its source shows it: each line a paragraph, each blank line an empty one.
 * ProseMirror's own reading split the text on runs of line endings, so blank lines were lost.
 * Inside a code block ProseMirror still inserts the text as it is, newlines and all.
 */
import { Fragment, Slice, type ResolvedPos } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'

/** The lines of `text` as its source shows them: CR LF and a lone CR end lines too, and a final line ending starts no line. */
export function textLines(text: string): string[] {
  const lines = text.split(/\r\n?|\n/)
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** `text` as paragraphs open at both ends, one per line (a blank line an empty one), in the marks at `$context`. */
export function plainTextSlice(text: string, $context: ResolvedPos): Slice {
  const marks = $context.marks()
  const paragraphs = textLines(text).map((line) => schema.nodes.paragraph!.create(null, line ? schema.text(line, marks) : null))
  return Slice.maxOpen(Fragment.from(paragraphs))
}

/** Reads pasted plain text with plainTextSlice. */
export function plainPastePlugin(): Plugin {
  return new Plugin({ props: { clipboardTextParser: (text, $context) => plainTextSlice(text, $context) } })
}
