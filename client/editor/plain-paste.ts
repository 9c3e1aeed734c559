/**
 * Plain text pasted (from a terminal, Notepad, a plain-text email, or with Ctrl+Shift+V) comes
 * in line by line, as its source shows it: each line a paragraph, each blank line an empty one.
 * ProseMirror's own reading split the text on runs of line endings, so blank lines were lost.
 * Inside a code block ProseMirror still inserts the text as it is, newlines and all.
 */
import { Fragment, Slice, type ResolvedPos } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'
import { paragraphsOf } from '../../shared/plain-text.js'

/** `text` as paragraphs open at both ends, one per line (a blank line an empty one), in the marks at `$context`. */
export function plainTextSlice(text: string, $context: ResolvedPos): Slice {
  return Slice.maxOpen(Fragment.from(paragraphsOf(text, $context.marks())))
}

/** Reads pasted plain text with plainTextSlice. */
export function plainPastePlugin(): Plugin {
  return new Plugin({ props: { clipboardTextParser: (text, $context) => plainTextSlice(text, $context) } })
}
