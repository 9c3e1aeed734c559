/**
 * A code block in the editor: its code, and a labelled picker of its language ("Plain text" and
 * the languages offered; a language from elsewhere that is not offered shows as its own name).
 * Choosing one is an ordinary change of the shared document: the others see it, Ctrl+Z takes it
 * back. Tab in a code block moves the focus to its picker, Escape there returns to the code.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Plugin } from 'prosemirror-state'
import type { EditorView, NodeView } from 'prosemirror-view'
import { CODE_LANGUAGES, cleanLanguage } from '../../shared/code-language.js'
import { schema } from '../../shared/schema.js'
import { setCodeLanguage } from './commands.js'

/** The picker's value for plain text. */
const PLAIN = ''

/** A code block with its language picker. */
export class CodeBlockView implements NodeView {
  readonly dom: HTMLElement
  readonly contentDOM: HTMLElement
  private readonly bar: HTMLElement
  private readonly select: HTMLSelectElement
  private readonly pre: HTMLPreElement

  constructor(
    private node: PMNode,
    private readonly view: EditorView,
    private readonly getPos: () => number | undefined,
  ) {
    this.dom = document.createElement('div')
    this.dom.className = 'code-block'
    this.bar = document.createElement('div')
    this.bar.className = 'code-language'
    this.bar.contentEditable = 'false'
    this.select = document.createElement('select')
    this.select.setAttribute('aria-label', 'Code language')
    this.select.addEventListener('change', () => this.choose())
    this.select.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return
      event.preventDefault()
      this.view.focus()
    })
    this.bar.append(this.select)
    this.pre = document.createElement('pre')
    this.contentDOM = document.createElement('code')
    this.pre.append(this.contentDOM)
    this.dom.append(this.bar, this.pre)
    this.render()
  }

  /** The language the picker shows. */
  private get language(): string | null {
    return cleanLanguage(this.node.attrs.language)
  }

  private choose(): void {
    const pos = this.getPos()
    if (pos === undefined || !this.view.editable) {
      this.render()
      return
    }
    setCodeLanguage(pos, this.select.value === PLAIN ? null : this.select.value)(this.view.state, this.view.dispatch)
  }

  private render(): void {
    const language = this.language
    const options: Array<[string, string]> = [[PLAIN, 'Plain text'], ...CODE_LANGUAGES.map((l): [string, string] => [l.id, l.label])]
    if (language && !CODE_LANGUAGES.some((l) => l.id === language)) options.push([language, language])
    this.select.replaceChildren(...options.map(([value, label]) => new Option(label, value)))
    this.select.value = language ?? PLAIN
    this.select.disabled = !this.view.editable
    if (language) {
      this.pre.dataset.language = language
      this.contentDOM.className = `language-${language}`
    } else {
      delete this.pre.dataset.language
      this.contentDOM.removeAttribute('class')
    }
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false
    const changed = node.attrs.language !== this.node.attrs.language
    this.node = node
    // rebuilding the options while someone is choosing would close their list
    if (changed || this.select.disabled === this.view.editable) this.render()
    return true
  }

  stopEvent(event: Event): boolean {
    return this.bar.contains(event.target as Node)
  }

  ignoreMutation(mutation: MutationRecord | { type: 'selection'; target: Node }): boolean {
    if (mutation.type === 'selection') return false
    const target = mutation.target
    return this.bar.contains(target) || (mutation.type === 'attributes' && (target === this.dom || target === this.pre || target === this.contentDOM))
  }
}

/** Sets every language picker in `view` to follow whether the editor may be changed. */
function followEditable(view: EditorView): void {
  for (const select of view.dom.querySelectorAll<HTMLSelectElement>('.code-language select')) select.disabled = !view.editable
}

/**
 * Tab with the caret in a code block moves the focus to that block's language picker. The
 * pickers follow the editor becoming read-only or writable (a new role, a document that ended):
 * ProseMirror does not redraw node views when only `editable` changes, but it updates plugin views.
 */
export function codeLanguageKeysPlugin(): Plugin {
  return new Plugin({
    view: (view) => {
      let editable = view.editable
      return {
        update: (view) => {
          if (view.editable === editable) return
          editable = view.editable
          followEditable(view)
        },
      }
    },
    props: {
      handleKeyDown(view, event) {
        if (event.key !== 'Tab' || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return false
        const { $from } = view.state.selection
        if ($from.parent.type !== schema.nodes.code_block) return false
        const dom = view.nodeDOM($from.before())
        const select = dom instanceof HTMLElement ? dom.querySelector<HTMLSelectElement>('.code-language select') : null
        if (!select || select.disabled) return false
        event.preventDefault()
        select.focus()
        return true
      },
    },
  })
}
