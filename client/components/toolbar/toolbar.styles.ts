/** Styles of `<tandem-toolbar>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const toolbarStyles = [
  controls,
  css`
    :host {
      display: block;
      background: var(--tandem-surface);
      border-top: 1px solid var(--tandem-border);
      border-bottom: 1px solid var(--tandem-border);
    }
    .bar {
      display: flex;
      align-items: center;
      gap: 2px;
      padding: 0.3rem max(0.5rem, calc((100% - 52rem) / 2 - 0.5rem));
      overflow-x: auto;
      scrollbar-width: thin;
    }
    .bar button {
      flex: none;
      width: 2.25rem;
      min-height: 2.25rem;
      padding: 0;
      border-color: transparent;
      background: transparent;
      color: var(--tandem-text);
    }
    .bar button:hover:not([aria-disabled='true']) {
      background: var(--tandem-hover);
    }
    .bar button[aria-pressed='true'] {
      background: var(--tandem-active);
      color: var(--tandem-accent-strong);
    }
    .bar button[aria-disabled='true'] {
      opacity: 0.38;
      cursor: default;
    }
    .bar button:focus-visible {
      outline-offset: -2px;
    }
    .sep {
      flex: none;
      width: 1px;
      height: 1.4rem;
      margin: 0 0.3rem;
      background: var(--tandem-border);
    }
    .glyph {
      font-size: 1rem;
      line-height: 1;
    }
    .glyph.h {
      font-size: 0.8rem;
      font-weight: 700;
    }
    .glyph.b {
      font-weight: 800;
    }
    .glyph.i {
      font-style: italic;
      font-family: Georgia, 'Times New Roman', serif;
      font-size: 1.1rem;
    }
    .glyph.u {
      text-decoration: underline;
      text-underline-offset: 2px;
    }
    .glyph.s {
      text-decoration: line-through;
    }
    .link-editor {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      padding: 0.5rem max(0.75rem, calc((100% - 52rem) / 2));
      border-top: 1px solid var(--tandem-border);
    }
    .link-editor label {
      font-size: 0.9rem;
      color: var(--tandem-muted);
    }
    .link-editor input {
      flex: 1 1 14rem;
    }
    .link-editor .error {
      flex-basis: 100%;
      margin: 0;
      color: var(--tandem-danger);
      font-size: 0.9rem;
    }
    .link-editor .error:empty {
      display: none;
    }
  `,
]
