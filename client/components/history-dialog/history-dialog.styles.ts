/** Styles of `<tandem-history-dialog>`: a list of versions beside a read-only preview. */
import { css } from 'lit'
import { controls, modal } from '../shared.styles.js'

export const historyDialogStyles = [
  controls,
  modal,
  css`
    dialog {
      width: min(56rem, calc(100vw - 2rem));
      max-height: calc(100vh - 2rem);
      padding: 1rem 1.25rem;
    }
    dialog[open] {
      display: flex;
      flex-direction: column;
      gap: 0.75rem;
    }
    .head {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    h2 {
      margin: 0;
      font-size: 1.1rem;
    }
    form {
      margin: 0;
    }
    .panes {
      display: flex;
      gap: 1rem;
      min-height: 0;
      flex: 1;
    }
    .list {
      flex: 0 0 15rem;
      margin: 0;
      padding: 0;
      list-style: none;
      overflow-y: auto;
      max-height: 60vh;
    }
    .list button {
      width: 100%;
      justify-content: space-between;
      border-color: transparent;
      font-variant-numeric: tabular-nums;
    }
    .list button[aria-pressed='true'] {
      background: var(--tandem-active);
      border-color: var(--tandem-border-strong);
    }
    .tag {
      font-size: 0.78rem;
      color: var(--tandem-muted);
    }
    .preview {
      flex: 1;
      min-width: 0;
      max-height: 60vh;
      overflow-y: auto;
      padding: 0.75rem 1rem;
      border: 1px solid var(--tandem-border);
      border-radius: var(--tandem-radius);
      background: var(--tandem-surface);
      line-height: 1.6;
      overflow-wrap: anywhere;
    }
    .doc-title {
      margin: 0 0 0.5rem;
      font-size: 1.3rem;
    }
    .doc-body pre {
      background: var(--tandem-code-bg);
      padding: 0.6rem 0.8rem;
      border-radius: 6px;
      overflow-x: auto;
    }
    .doc-body blockquote {
      margin-left: 0;
      padding-left: 1rem;
      border-left: 3px solid var(--tandem-border-strong);
      color: var(--tandem-muted);
    }
    .doc-body ul.task-list {
      list-style: none;
      padding-left: 0.25rem;
    }
    .doc-body li.task-item {
      display: flex;
      gap: 0.5rem;
    }
    .doc-body a {
      color: var(--tandem-accent);
    }
    .muted {
      color: var(--tandem-muted);
    }
    .error {
      color: var(--tandem-danger);
    }
    .actions {
      display: flex;
      justify-content: flex-end;
    }
    @media (max-width: 640px) {
      .panes {
        flex-direction: column;
      }
      .list {
        flex-basis: auto;
        max-height: 30vh;
      }
    }
  `,
]
