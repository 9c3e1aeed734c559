/**
 * Toolbar and UI icons: 24x24 stroke icons drawn for Tandem, coloured with currentColor. Every
 * icon is decorative (aria-hidden); the control that holds it carries the label.
 */
import { svg, type SVGTemplateResult } from 'lit'

const icon = (body: SVGTemplateResult) =>
  svg`<svg class="icon" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`

/** Icons by name. */
export const icons = {
  undo: icon(svg`<path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>`),
  redo: icon(svg`<path d="m15 14 5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>`),
  link: icon(svg`<path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"/><path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"/>`),
  bulletList: icon(svg`<path d="M9 6h11M9 12h11M9 18h11"/><circle cx="4.5" cy="6" r="1" fill="currentColor"/><circle cx="4.5" cy="12" r="1" fill="currentColor"/><circle cx="4.5" cy="18" r="1" fill="currentColor"/>`),
  orderedList: icon(svg`<path d="M10 6h10M10 12h10M10 18h10"/><path d="M4 4h1.5v4M3.5 8h3" stroke-width="1.5"/><path d="M3.5 11.5a1.5 1.5 0 0 1 3 .3c0 .9-3 2.2-3 3.2h3" stroke-width="1.5"/>`),
  taskList: icon(svg`<rect x="3" y="4" width="5" height="5" rx="1"/><path d="m3.5 16 1.8 1.8L8.5 14.5"/><path d="M11 6.5h9M11 16.5h9"/>`),
  blockquote: icon(svg`<path d="M4 6h16M8 12h12M8 18h12"/><path d="M4 11v8" stroke-width="2.5"/>`),
  codeBlock: icon(svg`<rect x="3" y="4" width="18" height="16" rx="2"/><path d="m10 9-3 3 3 3M14 9l3 3-3 3"/>`),
  code: icon(svg`<path d="m8 7-5 5 5 5M16 7l5 5-5 5"/>`),
  rule: icon(svg`<path d="M3 12h18"/><path d="M6 7h12M6 17h12" stroke-opacity=".35"/>`),
  image: icon(svg`<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="8.5" cy="9.5" r="1.5"/><path d="m21 16-5-5-9 9"/>`),
  alt: icon(svg`<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M7 15l2.5-6 2.5 6M8 13h3M14 9v6h3"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6 6 18"/>`),
  plus: icon(svg`<path d="M12 5v14M5 12h14"/>`),
  search: icon(svg`<circle cx="11" cy="11" r="6.5"/><path d="m20 20-4.2-4.2"/>`),
  trash: icon(svg`<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>`),
  pencil: icon(svg`<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="m13.5 6.5 4 4"/>`),
  doc: icon(svg`<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4M9 12h6M9 16h6"/>`),
  share: icon(svg`<circle cx="9" cy="8" r="3.2"/><path d="M3.5 19.5a5.5 5.5 0 0 1 11 0"/><path d="M18 8v6M15 11h6"/>`),
  download: icon(svg`<path d="M12 4v11M7 10l5 5 5-5"/><path d="M5 20h14"/>`),
  upload: icon(svg`<path d="M12 15V4M7 9l5-5 5 5"/><path d="M5 20h14"/>`),
  history: icon(svg`<path d="M3.5 12a8.5 8.5 0 1 0 2.5-6"/><path d="M3 4v4h4"/><path d="M12 8v4.5l3 2"/>`),
  back: icon(svg`<path d="m15 18-6-6 6-6"/>`),
} as const
