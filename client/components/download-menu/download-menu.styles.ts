/** Styles of `<tandem-download-menu>`: a header button and the list of formats dropping below it. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const downloadMenuStyles = [
  controls,
  css`
    :host {
      position: relative;
      display: inline-block;
      flex: none;
    }
    .list {
      position: absolute;
      right: 0;
      top: calc(100% + 0.3rem);
      z-index: 20;
      min-width: 11rem;
      margin: 0;
      padding: 0.3rem;
      list-style: none;
      background: var(--tandem-surface);
      border: 1px solid var(--tandem-border);
      border-radius: var(--tandem-radius);
      box-shadow: 0 6px 24px rgb(0 0 0 / 0.14);
    }
    .list button {
      width: 100%;
      justify-content: space-between;
      border-color: transparent;
    }
    .hint {
      color: var(--tandem-muted);
      font-size: 0.85em;
    }
    @media (max-width: 640px) {
      .toggle span {
        display: none;
      }
      .toggle {
        padding: 0 0.55rem;
      }
    }
  `,
]
