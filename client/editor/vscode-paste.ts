/**
 * Code copied in VS Code pastes as code. VS Code puts on the clipboard the text, HTML coloured
 * by its theme (a `white-space: pre` div with a div per line) and `vscode-editor-data` (JSON
 * naming the language). ProseMirror read the HTML as paragraphs, so a function came in as
 * prose: its lines apart, the indentation gone with the collapsed white space.
 *
 * - Several lines become one code block holding their exact text, in the language VS Code names
 *   (its `mode`; an id the editor does not offer is kept as it is, `plaintext` is none).
 * - One line is text in the line it goes into, without the theme's bold or italic: a name or a
 *   call quoted in a sentence. Inline code would be the other choice; plain text is what the
 *   person sees in the source, and the code mark is one Ctrl+E away.
 * - Inside a code block and with Ctrl+Shift+V, ProseMirror pastes the plain text as usual.
 */
import { Fragment, Slice, type ResolvedPos } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'
import { cleanLanguage } from '../../shared/code-language.js'
import { schema } from '../../shared/schema.js'
import { textLines } from '../../shared/plain-text.js'
import { plainTextSlice } from './plain-paste.js'

/** The clipboard type VS Code adds to every copy from its editor. */
export const VSCODE_DATA = 'vscode-editor-data'

/** A copy from VS Code on a clipboard: its text, whether it has HTML (it has not when copying with syntax highlighting is off), its language. */
export interface VSCodeCopy {
  text: string
  html: boolean
  language: string | null
}

/** The language named in VS Code's clipboard data (JSON with a `mode`), null when none is readable. */
export function vscodeLanguage(data: string): string | null {
  try {
    return cleanLanguage((JSON.parse(data) as { mode?: unknown } | null)?.mode)
  } catch {
    return null
  }
}

/** The copy from VS Code that `clipboard` holds, or null when it holds none. */
export function vscodeCopy(clipboard: DataTransfer | null): VSCodeCopy | null {
  if (!clipboard?.types.includes(VSCODE_DATA)) return null
  return { text: clipboard.getData('text/plain'), html: clipboard.types.includes('text/html'), language: vscodeLanguage(clipboard.getData(VSCODE_DATA)) }
}

/** What `text` copied in VS Code pastes as at `$context`: several lines one code block (in `language`), a single line its text. */
export function vscodeSlice(text: string, $context: ResolvedPos, language: string | null = null): Slice {
  const lines = textLines(text)
  if (lines.length < 2) return plainTextSlice(text, $context)
  return new Slice(Fragment.from(schema.nodes.code_block!.create({ language }, schema.text(lines.join('\n')))), 0, 0)
}

/** Pastes copies from VS Code with vscodeSlice. */
export function vscodePastePlugin(): Plugin {
  // the VS Code copy being pasted: noted as the paste event comes in, taken when ProseMirror has
  // read the clipboard, which it does while handling that same event; forgotten after it, so an
  // event ProseMirror leaves alone (a read-only view) cannot turn a later drop into code
  let pending: VSCodeCopy | null = null
  return new Plugin({
    props: {
      handleDOMEvents: {
        paste: (_view, event) => {
          pending = vscodeCopy(event.clipboardData)
          queueMicrotask(() => (pending = null))
          return false
        },
      },
      transformPasted: (slice, view, plain) => {
        const copy = pending
        pending = null
        const { $from } = view.state.selection
        // plain with HTML on the clipboard is Ctrl+Shift+V; in a code block the text went in as it is
        if (!copy || $from.parent.type.spec.code || (plain && copy.html)) return slice
        return vscodeSlice(copy.text, $from, copy.language)
      },
    },
  })
}
