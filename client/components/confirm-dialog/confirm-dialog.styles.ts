/** Styles of `<tandem-confirm-dialog>`. */
import { css } from 'lit'
import { controls, modal } from '../shared.styles.js'

export const confirmDialogStyles = [
  controls,
  modal,
  css`
    dialog {
      width: min(26rem, calc(100vw - 2rem));
      padding: 1.25rem 1.25rem 1rem;
    }
    h2 {
      margin: 0 0 0.5rem;
      font-size: 1.1rem;
    }
    p {
      margin: 0 0 1.25rem;
      color: var(--tandem-muted);
      overflow-wrap: anywhere;
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
    }
  `,
]
