/**
 * `<tandem-toolbar>`: formatting controls for a ProseMirror view: undo/redo, paragraph and
 * headings, bold/italic/underline/strikethrough/code, link, lists, quote, code block, rule, image
 * (a file picker; the upload goes through client/editor/images.ts) and an image's description
 * (alt text) for the selected image.
 * Buttons show their active state (aria-pressed) and shortcut; the toolbar is one tab stop
 * (WAI-ARIA toolbar pattern: arrow keys, Home and End move between controls, Escape returns to
 * the text). The link editor opens from the link button or Mod-K; the description editor from its
 * button while an image is selected.
 *
 * Properties: `view` (EditorView), `state` (EditorState; set on every transaction), `disabled`.
 * Slots: none. Events: none (commands go straight to the view). CSS parts: `bar`, `link-editor`, `alt-editor`.
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import type { Node as PMNode } from 'prosemirror-model'
import { NodeSelection, type Command, type EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { redoCommand, undoCommand } from 'y-prosemirror'
import { schema } from '../../../shared/schema.js'
import {
  formatState,
  insertHorizontalRule,
  linkAt,
  removeLink,
  setLink,
  setParagraph,
  toggleBlockquote,
  toggleBold,
  toggleCode,
  toggleCodeBlock,
  toggleHeading,
  toggleItalic,
  toggleList,
  toggleStrike,
  toggleUnderline,
  type FormatState,
} from '../../editor/commands.js'
import { IMAGE_TYPES, cleanImageText, MAX_IMAGE_TEXT } from '../../../shared/images.js'
import { imageNow, insertImageFiles } from '../../editor/images.js'
import { SHORTCUTS, shortcutLabel } from '../../editor/keymap.js'
import { readPendingInput } from '../../editor/pending-input.js'
import { icons } from '../icons.js'
import { toolbarStyles } from './toolbar.styles.js'

/** One control of the toolbar. */
interface Control {
  readonly id: string
  readonly label: string
  readonly shortcut?: string
  readonly icon: TemplateResult
  /** Runs on the view; the link control opens the link editor, the image controls a file picker and the description editor. */
  readonly run: Command | 'link' | 'image' | 'alt'
  /** Toggle state (aria-pressed); absent for plain actions. */
  readonly active?: (f: FormatState) => boolean
  /** Starts a new group (a separator before it). */
  readonly group?: boolean
}

const glyph = (text: string, cls = '') => html`<span class="glyph ${cls}" aria-hidden="true">${text}</span>`

const { nodes } = schema

/** The toolbar's controls, in order. */
export const CONTROLS: readonly Control[] = [
  { id: 'undo', label: 'Undo', shortcut: SHORTCUTS.undo, icon: icons.undo, run: undoCommand },
  { id: 'redo', label: 'Redo', shortcut: SHORTCUTS.redo, icon: icons.redo, run: redoCommand },
  { id: 'paragraph', label: 'Normal text', shortcut: SHORTCUTS.paragraph, icon: glyph('¶'), run: setParagraph, active: (f) => f.heading === 0, group: true },
  { id: 'heading1', label: 'Heading 1', shortcut: SHORTCUTS.heading1, icon: glyph('H1', 'h'), run: toggleHeading(1), active: (f) => f.heading === 1 },
  { id: 'heading2', label: 'Heading 2', shortcut: SHORTCUTS.heading2, icon: glyph('H2', 'h'), run: toggleHeading(2), active: (f) => f.heading === 2 },
  { id: 'heading3', label: 'Heading 3', shortcut: SHORTCUTS.heading3, icon: glyph('H3', 'h'), run: toggleHeading(3), active: (f) => f.heading === 3 },
  { id: 'bold', label: 'Bold', shortcut: SHORTCUTS.bold, icon: glyph('B', 'b'), run: toggleBold, active: (f) => f.bold, group: true },
  { id: 'italic', label: 'Italic', shortcut: SHORTCUTS.italic, icon: glyph('I', 'i'), run: toggleItalic, active: (f) => f.italic },
  { id: 'underline', label: 'Underline', shortcut: SHORTCUTS.underline, icon: glyph('U', 'u'), run: toggleUnderline, active: (f) => f.underline },
  { id: 'strike', label: 'Strikethrough', shortcut: SHORTCUTS.strike, icon: glyph('S', 's'), run: toggleStrike, active: (f) => f.strike },
  { id: 'code', label: 'Inline code', shortcut: SHORTCUTS.code, icon: icons.code, run: toggleCode, active: (f) => f.code },
  { id: 'link', label: 'Link', shortcut: SHORTCUTS.link, icon: icons.link, run: 'link', active: (f) => f.link },
  { id: 'bulletList', label: 'Bulleted list', shortcut: SHORTCUTS.bulletList, icon: icons.bulletList, run: toggleList(nodes.bullet_list!), active: (f) => f.bulletList, group: true },
  { id: 'orderedList', label: 'Numbered list', shortcut: SHORTCUTS.orderedList, icon: icons.orderedList, run: toggleList(nodes.ordered_list!), active: (f) => f.orderedList },
  { id: 'taskList', label: 'Task list', shortcut: SHORTCUTS.taskList, icon: icons.taskList, run: toggleList(nodes.task_list!), active: (f) => f.taskList },
  { id: 'blockquote', label: 'Quote', shortcut: SHORTCUTS.blockquote, icon: icons.blockquote, run: toggleBlockquote, active: (f) => f.blockquote, group: true },
  { id: 'codeBlock', label: 'Code block', shortcut: SHORTCUTS.codeBlock, icon: icons.codeBlock, run: toggleCodeBlock, active: (f) => f.codeBlock },
  { id: 'rule', label: 'Horizontal line', icon: icons.rule, run: insertHorizontalRule },
  { id: 'image', label: 'Image', icon: icons.image, run: 'image', group: true },
  { id: 'imageAlt', label: 'Image description', icon: icons.alt, run: 'alt' },
]

/** The image node the selection is, and its position; null when it is not one. */
export function selectedImage(state: EditorState): { pos: number; alt: string; node: PMNode } | null {
  const sel = state.selection
  if (!(sel instanceof NodeSelection) || sel.node.type !== schema.nodes.image) return null
  return { pos: sel.from, alt: cleanImageText(sel.node.attrs.alt), node: sel.node }
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)

export class TandemToolbar extends LitElement {
  static override styles = toolbarStyles
  static override properties = {
    view: { attribute: false },
    state: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    focusIndex: { state: true },
    linkOpen: { state: true },
    linkError: { state: true },
    altFor: { state: true },
  }

  declare view: EditorView | null
  declare state: EditorState | null
  declare disabled: boolean
  /** The control that holds the toolbar's single tab stop. */
  declare focusIndex: number
  declare linkOpen: boolean
  declare linkError: string
  /** The image whose description editor is open, and its position, as they were then (imageNow finds it again). */
  declare altFor: { readonly pos: number; readonly node: PMNode } | null

  constructor() {
    super()
    this.view = null
    this.state = null
    this.disabled = false
    this.focusIndex = 0
    this.linkOpen = false
    this.linkError = ''
    this.altFor = null
  }

  private get buttons(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('.bar button')]
  }

  private enabled(control: Control, format: FormatState | null = this.state && formatState(this.state)): boolean {
    if (this.disabled || !this.state) return false
    // neither a link nor an image goes into code
    if (control.run === 'link' || control.run === 'image') return !this.state.selection.$from.parent.type.spec.code
    if (control.run === 'alt') return selectedImage(this.state) !== null
    // an active block type (the paragraph you are in) stays enabled though applying it is a no-op
    return control.run(this.state) || (!!format && !!control.active?.(format))
  }

  private activate(control: Control, event: MouseEvent): void {
    const view = this.view
    if (!view || !this.enabled(control)) return
    if (control.run === 'link') {
      this.openLinkEditor()
      return
    }
    if (control.run === 'image') {
      this.renderRoot.querySelector<HTMLInputElement>('#image-input')?.click()
      return
    }
    if (control.run === 'alt') {
      this.openAltEditor()
      return
    }
    control.run(view.state, view.dispatch, view)
    // a mouse click goes back to the text; keyboard users stay in the toolbar (Escape leaves)
    if (event.detail > 0) view.focus()
  }

  private onKeydown(event: KeyboardEvent): void {
    const buttons = this.buttons
    const current = buttons.indexOf(this.shadowRoot?.activeElement as HTMLButtonElement)
    if (current < 0) return
    let next = current
    if (event.key === 'ArrowRight') next = (current + 1) % buttons.length
    else if (event.key === 'ArrowLeft') next = (current - 1 + buttons.length) % buttons.length
    else if (event.key === 'Home') next = 0
    else if (event.key === 'End') next = buttons.length - 1
    else if (event.key === 'Escape') {
      event.preventDefault()
      this.view?.focus()
      return
    } else return
    event.preventDefault()
    this.focusIndex = next
    buttons[next]!.focus()
  }

  /** Opens the link editor for the selection (Mod-K). */
  openLinkEditor(): void {
    if (this.disabled || !this.view) return
    // a Shift+arrow selection the browser has not reported yet would be lost with the focus
    readPendingInput(this.view)
    this.linkOpen = true
    this.linkError = ''
    const existing = linkAt(this.view.state)
    void this.updateComplete.then(() => {
      const input = this.renderRoot.querySelector<HTMLInputElement>('#link-input')
      if (!input) return
      input.value = existing?.href ?? ''
      input.focus()
      input.select()
    })
  }

  /**
   * Tab out of the link or description editor (to the text, or on through the page) closes it
   * unapplied, as Escape does, leaving the focus where Tab put it. Within the toolbar it stays.
   */
  private readonly onEditorFocusOut = (event: FocusEvent) => {
    const next = event.relatedTarget
    if (!(next instanceof Node) || this.renderRoot.contains(next)) return
    this.closeLinkEditor(false)
    this.closeAltEditor(false)
  }

  /** Closes the link editor unapplied; the focus goes back to the text unless `refocus` is false. */
  private closeLinkEditor(refocus = true): void {
    this.linkOpen = false
    this.linkError = ''
    if (refocus) this.view?.focus()
  }

  private applyLink(event: Event): void {
    event.preventDefault()
    const view = this.view
    const input = this.renderRoot.querySelector<HTMLInputElement>('#link-input')
    if (!view || !input) return
    if (input.value.trim() === '') {
      removeLink(view.state, view.dispatch)
      this.closeLinkEditor()
      return
    }
    if (!setLink(input.value)(view.state, view.dispatch)) {
      this.linkError = 'Use a web address (https://…) or an email address. Other kinds of links are not allowed.'
      input.focus()
      return
    }
    this.closeLinkEditor()
  }

  private unlink(): void {
    const view = this.view
    if (view) removeLink(view.state, view.dispatch)
    this.closeLinkEditor()
  }

  /** The picked files go where the selection is (client/editor/images.ts uploads them). */
  private onImagePicked(event: Event): void {
    const input = event.target as HTMLInputElement
    const files = [...(input.files ?? [])]
    // the same file picked again must fire change again
    input.value = ''
    const view = this.view
    if (!view || files.length === 0) return
    insertImageFiles(view, files)
    view.focus()
  }

  /** Opens the description (alt text) editor for the selected image. */
  openAltEditor(): void {
    const image = this.state && selectedImage(this.state)
    if (this.disabled || !this.view || !image) return
    this.linkOpen = false
    this.altFor = { pos: image.pos, node: image.node }
    void this.updateComplete.then(() => {
      const input = this.renderRoot.querySelector<HTMLInputElement>('#alt-input')
      if (!input) return
      input.value = image.alt
      input.focus()
      input.select()
    })
  }

  /** Closes the description editor unapplied; the focus goes back to the text unless `refocus` is false. */
  private closeAltEditor(refocus = true): void {
    this.altFor = null
    if (refocus) this.view?.focus()
  }

  private applyAlt(event: Event): void {
    event.preventDefault()
    const view = this.view
    const input = this.renderRoot.querySelector<HTMLInputElement>('#alt-input')
    const opened = this.altFor
    if (!view || !input || !opened) return
    // others may have edited meanwhile, moving it, or another image to where it was
    const pos = imageNow(view.state.doc, opened.node, opened.pos)
    if (pos !== null) {
      const tr = view.state.tr.setNodeAttribute(pos, 'alt', cleanImageText(input.value))
      view.dispatch(tr.setSelection(NodeSelection.create(tr.doc, pos)))
    }
    this.closeAltEditor()
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('disabled') && this.disabled) {
      this.linkOpen = false
      this.altFor = null
    }
  }

  private renderControl(control: Control, index: number, format: FormatState | null) {
    const enabled = this.enabled(control, format)
    const pressed = control.active && format ? control.active(format) : undefined
    const shortcut = control.shortcut ? shortcutLabel(control.shortcut, isMac) : ''
    return html`${control.group ? html`<span class="sep" role="separator" aria-orientation="vertical"></span>` : nothing}
      <button
        type="button"
        data-id=${control.id}
        tabindex=${index === this.focusIndex ? 0 : -1}
        aria-label=${control.label}
        aria-keyshortcuts=${control.shortcut ? control.shortcut.replace('Mod', isMac ? 'Meta' : 'Control') : nothing}
        aria-pressed=${pressed === undefined ? nothing : pressed ? 'true' : 'false'}
        aria-disabled=${enabled ? 'false' : 'true'}
        title=${shortcut ? `${control.label} (${shortcut})` : control.label}
        @mousedown=${(e: MouseEvent) => e.preventDefault()}
        @focus=${() => (this.focusIndex = index)}
        @click=${(e: MouseEvent) => this.activate(control, e)}
      >
        ${control.icon}
      </button>`
  }

  override render() {
    const format = this.state ? formatState(this.state) : null
    const link = this.view && this.linkOpen ? linkAt(this.view.state) : null
    return html`
      <div class="bar" part="bar" role="toolbar" aria-label="Formatting" @keydown=${this.onKeydown}>
        ${CONTROLS.map((c, i) => this.renderControl(c, i, format))}
      </div>
      ${this.linkOpen
        ? html`<form class="link-editor" part="link-editor" @submit=${this.applyLink} @focusout=${this.onEditorFocusOut} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (e.preventDefault(), this.closeLinkEditor())}>
            <label for="link-input">Link address</label>
            <input id="link-input" type="text" inputmode="url" placeholder="https://example.com" autocomplete="off" spellcheck="false" aria-describedby="link-error" />
            <button class="primary" type="submit">Apply</button>
            ${link || format?.link ? html`<button type="button" @click=${this.unlink}>Remove link</button>` : nothing}
            <button type="button" class="quiet" aria-label="Close link editor" @click=${() => this.closeLinkEditor()}>${icons.close}</button>
            <p id="link-error" class="error" aria-live="polite">${this.linkError}</p>
          </form>`
        : nothing}
      ${this.altFor
        ? html`<form class="link-editor alt-editor" part="alt-editor" @submit=${this.applyAlt} @focusout=${this.onEditorFocusOut} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (e.preventDefault(), this.closeAltEditor())}>
            <label for="alt-input">Image description</label>
            <input id="alt-input" type="text" maxlength=${MAX_IMAGE_TEXT} placeholder="What the image shows, for those who cannot see it" autocomplete="off" />
            <button class="primary" type="submit">Apply</button>
            <button type="button" class="quiet" aria-label="Close image description editor" @click=${() => this.closeAltEditor()}>${icons.close}</button>
          </form>`
        : nothing}
      <input id="image-input" type="file" accept=${Object.keys(IMAGE_TYPES).join(',')} multiple hidden @change=${this.onImagePicked} />
    `
  }
}
