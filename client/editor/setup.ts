/**
 * Everything an EditorView of a Tandem document needs besides the schema: the y-prosemirror
 * plugins (sync, remote cursors, undo of one's own changes, see undo.ts), keymaps, input rules, a
 * placeholder, the task-item and code-block (language picker) node views, code highlighting,
 * word selection across remote cursors, selection ends that keep out what others type there,
 * marks switched on at the caret that outlast others' changes, holding remote changes during a
 * composition, link handling (Mod-click opens, pasting a URL over text links it), cleaning HTML
 * pasted from other applications, plain text pasted line by line, code from VS Code pasted as a
 * code block, pasted lines becoming list items in a list, and code lines pasted into text
 * becoming line breaks.
 */
import { baseKeymap } from 'prosemirror-commands'
import { keymap } from 'prosemirror-keymap'
import type { Node as PMNode } from 'prosemirror-model'
import { EditorState, Plugin, PluginKey, type Command } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView, type NodeView } from 'prosemirror-view'
import type { Awareness } from 'y-protocols/awareness'
import { redoCommand, undoCommand, yCursorPlugin, ySyncPlugin, yUndoPlugin } from 'y-prosemirror'
import type * as Y from 'yjs'
import { safeHref, schema } from '../../shared/schema.js'
import { cleanName, safeColor } from '../identity.js'
import { CodeBlockView, codeLanguageKeysPlugin } from './code-block-view.js'
import { codePastePlugin } from './code-paste.js'
import { setLink, setTaskChecked } from './commands.js'
import { compositionHoldPlugin } from './composition.js'
import { highlightPlugin } from './highlight.js'
import { imagePlugin, ImageView, type ImageHost } from './images.js'
import { inputRulesPlugin } from './input-rules.js'
import { listPastePlugin } from './list-paste.js'
import { nodeSelectionGuardPlugin } from './node-selection.js'
import { pastePlugin } from './paste.js'
import { plainPastePlugin } from './plain-paste.js'
import { readBeforeKeysPlugin, readBeforeRemoteChangesPlugin } from './pending-input.js'
import { buildKeymap } from './keymap.js'
import { repairPlugin } from './repair.js'
import { rewrittenBlockPlugin } from './rewritten-block.js'
import { selectionEndPlugin } from './selection-end.js'
import { storedMarksPlugin } from './stored-marks.js'
import { createUndoManager } from './undo.js'
import { vscodePastePlugin } from './vscode-paste.js'
import { wordSelectPlugin } from './word-select.js'

/** The remote cursor: a coloured caret with the person's name above it (`clientId`: whose it is). */
export function remoteCursor(user: { name?: unknown; color?: unknown }, clientId?: number): HTMLElement {
  const caret = document.createElement('span')
  caret.className = 'remote-cursor'
  caret.setAttribute('aria-hidden', 'true')
  if (clientId !== undefined) caret.dataset.client = String(clientId)
  const label = document.createElement('span')
  label.className = 'remote-cursor-label'
  // no text of its own: Chrome puts the caret into a widget's text when one clicks past the end of
  // the line, where typing goes nowhere (y-prosemirror's default cursor pads itself with U+2060)
  caret.append(label)
  paintRemoteCursor(caret, user)
  return caret
}

/** Gives a cursor made by remoteCursor the person's current name and colour. */
export function paintRemoteCursor(caret: HTMLElement, user: { name?: unknown; color?: unknown }): void {
  const color = safeColor(user.color) ?? '#37474f'
  caret.style.borderColor = color
  const label = caret.querySelector<HTMLElement>('.remote-cursor-label')
  if (!label) return
  label.style.backgroundColor = color
  // the name is shown by CSS (`content: attr(data-name)`), never as text in the document's DOM:
  // Chrome's word moves (Ctrl+Arrow, Ctrl+Backspace) stopped at the spaces of a name shown mid-word.
  // An attribute, never HTML: names come from other people.
  label.dataset.name = cleanName(user.name) || 'Anonymous'
}

/**
 * Repaints remote cursors when their person changes name or colour. y-prosemirror keys each
 * cursor by client id, so ProseMirror keeps the element it built first and a renamed person's
 * cursor went on showing the old name and colour (the avatars had the new ones).
 */
export function remoteCursorNamesPlugin(awareness: Awareness): Plugin {
  return new Plugin({
    view(view) {
      const onChange = ({ updated }: { updated: number[] }) => {
        const states = awareness.getStates()
        for (const id of updated) {
          const user = (states.get(id)?.user ?? {}) as { name?: unknown; color?: unknown }
          // ProseMirror ignores changes inside widgets
          for (const caret of view.dom.querySelectorAll<HTMLElement>(`.remote-cursor[data-client="${id}"]`)) paintRemoteCursor(caret, user)
        }
      }
      awareness.on('change', onChange)
      return { destroy: () => awareness.off('change', onChange) }
    },
  })
}

/** Attributes of a remote selection: the person's colour, translucent. */
export function remoteSelection(user: { color?: unknown }): { style: string; class: string } {
  return { style: `background-color: ${safeColor(user.color) ?? '#37474f'}40`, class: 'remote-selection' }
}

const placeholderKey = new PluginKey('placeholder')

/** Shows `text` in an empty document. */
export function placeholderPlugin(text: string): Plugin {
  return new Plugin({
    key: placeholderKey,
    props: {
      decorations(state) {
        const doc = state.doc
        const first = doc.firstChild
        if (doc.childCount !== 1 || !first || first.type !== schema.nodes.paragraph || first.content.size > 0) return null
        return DecorationSet.create(doc, [Decoration.node(0, first.nodeSize, { class: 'is-empty', 'data-placeholder': text })])
      },
    },
  })
}

/** Mod-click (or middle click) on a link opens it in a new tab; pasting a URL over a selection links it. */
export function linkPlugin(open: (href: string) => void = (href) => window.open(href, '_blank', 'noopener,noreferrer')): Plugin {
  return new Plugin({
    props: {
      handleClick(view, pos, event) {
        if (!(event.metaKey || event.ctrlKey)) return false
        const $pos = view.state.doc.resolve(pos)
        const mark = schema.marks.link!.isInSet([...($pos.nodeAfter?.marks ?? []), ...($pos.nodeBefore?.marks ?? [])])
        const href = mark && safeHref(mark.attrs.href)
        if (!href) return false
        open(href)
        return true
      },
      handlePaste(view, event) {
        const text = event.clipboardData?.getData('text/plain')?.trim() ?? ''
        if (view.state.selection.empty || !text || /\s/.test(text) || safeHref(text) === null) return false
        return setLink(text)(view.state, view.dispatch)
      },
    },
  })
}

/** A task item: a real checkbox (outside the editable content) and the item's content. */
export class TaskItemView implements NodeView {
  readonly dom: HTMLLIElement
  readonly contentDOM: HTMLElement
  private readonly checkbox: HTMLInputElement
  private readonly box: HTMLElement

  constructor(
    private node: PMNode,
    private readonly view: EditorView,
    private readonly getPos: () => number | undefined,
  ) {
    this.dom = document.createElement('li')
    this.dom.className = 'task-item'
    this.dom.dataset.type = 'task-item'
    this.box = document.createElement('span')
    this.box.className = 'task-checkbox'
    this.box.contentEditable = 'false'
    this.checkbox = document.createElement('input')
    this.checkbox.type = 'checkbox'
    this.checkbox.setAttribute('aria-label', 'Done')
    // keep the editor's selection where it is when the box is clicked
    this.checkbox.addEventListener('mousedown', (e) => e.preventDefault())
    this.checkbox.addEventListener('change', () => {
      const pos = this.getPos()
      if (pos === undefined || !this.view.editable) {
        this.checkbox.checked = this.node.attrs.checked === true
        return
      }
      setTaskChecked(pos, this.checkbox.checked)(this.view.state, this.view.dispatch)
    })
    this.box.append(this.checkbox)
    this.contentDOM = document.createElement('div')
    this.contentDOM.className = 'task-content'
    this.dom.append(this.box, this.contentDOM)
    this.render()
  }

  private render(): void {
    const checked = this.node.attrs.checked === true
    this.checkbox.checked = checked
    this.dom.dataset.checked = String(checked)
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }

  stopEvent(event: Event): boolean {
    return this.box.contains(event.target as Node)
  }

  ignoreMutation(mutation: MutationRecord | { type: 'selection'; target: Node }): boolean {
    if (mutation.type === 'selection') return false
    return this.box.contains(mutation.target) || (mutation.target === this.dom && mutation.type === 'attributes')
  }
}

/** What the editor setup needs from the session and the UI. */
export interface EditorSetupOptions {
  readonly fragment: Y.XmlFragment
  readonly awareness: Awareness
  /** Mod-K: the UI opens its link editor. */
  readonly editLink: () => void
  readonly placeholder?: string
  /** Holds back other people's changes until the returned function is called (during a composition). */
  readonly holdRemoteChanges?: () => () => void
  /** Subscribes a listener called right before other people's changes are applied. */
  readonly beforeRemoteChange?: (listener: () => void) => () => void
  /** Uploads and shows the document's images; without it, image files pasted or dropped are not taken. */
  readonly images?: ImageHost
}

/** Every plugin of a Tandem editor, in order. */
export function editorPlugins(options: EditorSetupOptions): Plugin[] {
  const editLink: Command = () => {
    options.editLink()
    return true
  }
  return [
    // before ySyncPlugin: it removes what y-prosemirror would throw on before it renders
    repairPlugin(options.fragment),
    // before ySyncPlugin too: a selected node someone deletes does not break it (see node-selection.ts)
    nodeSelectionGuardPlugin(),
    ySyncPlugin(options.fragment),
    yCursorPlugin(options.awareness, { cursorBuilder: remoteCursor, selectionBuilder: remoteSelection }),
    remoteCursorNamesPlugin(options.awareness),
    // the caret stays in its text when another person rewrites its block (see rewritten-block.ts)
    rewrittenBlockPlugin(),
    // what others type right after one's selection stays out of it (see selection-end.ts)
    selectionEndPlugin(),
    // Ctrl+B at the caret outlasts another person's change (see stored-marks.ts)
    storedMarksPlugin(),
    // a double click selects whole words across those cursors (see word-select.ts)
    wordSelectPlugin(),
    // undo never deletes a block someone else wrote in (see undo.ts)
    yUndoPlugin({ undoManager: createUndoManager(options.fragment) }),
    // a shortcut acts on the selection the browser has not reported yet (see pending-input.ts)
    readBeforeKeysPlugin(),
    // Tab in a code block reaches its language picker (see code-block-view.ts)
    codeLanguageKeysPlugin(),
    keymap(buildKeymap({ undo: undoCommand, redo: redoCommand, editLink })),
    keymap(baseKeymap),
    inputRulesPlugin(),
    placeholderPlugin(options.placeholder ?? 'Start writing…'),
    // code in colour, as decorations only (see highlight.ts)
    highlightPlugin(),
    linkPlugin(),
    // image files pasted, dropped or picked upload first; pasted HTML keeps only this document's
    // images (see images.ts). Before the paste plugins: a copied image comes with HTML too
    ...(options.images ? [imagePlugin(options.images)] : []),
    // HTML from other applications reads as it looked there (see paste.ts)
    pastePlugin(),
    // plain text comes in line by line, blank lines kept (see plain-paste.ts)
    plainPastePlugin(),
    // lines copied in VS Code come in as a code block (see vscode-paste.ts); before the list
    // rules, which leave a code block alone
    vscodePastePlugin(),
    // lines pasted into a list item become items (see list-paste.ts)
    listPastePlugin(),
    // lines copied from a code block come into other text as line breaks (see code-paste.ts)
    codePastePlugin(),
    // an arrow key's pending caret move is read before others' changes (see pending-input.ts)
    ...(options.beforeRemoteChange ? [readBeforeRemoteChangesPlugin(options.beforeRemoteChange)] : []),
    // other people's changes wait while an input method composes (see composition.ts)
    ...(options.holdRemoteChanges ? [compositionHoldPlugin(options.holdRemoteChanges)] : []),
  ]
}

/** A fresh editor state bound to the session's document. */
export function createEditorState(options: EditorSetupOptions): EditorState {
  return EditorState.create({ schema, plugins: editorPlugins(options) })
}

/** Node views of the editor. */
const nodeViews = {
  task_item: (node: PMNode, view: EditorView, getPos: () => number | undefined) => new TaskItemView(node, view, getPos),
  code_block: (node: PMNode, view: EditorView, getPos: () => number | undefined) => new CodeBlockView(node, view, getPos),
}

/** The node views with images drawn through `resolve` (the page's credentials added to their URLs). */
export function nodeViewsWith(resolve: (src: string) => string) {
  return { ...nodeViews, image: (node: PMNode) => new ImageView(node, resolve) }
}
