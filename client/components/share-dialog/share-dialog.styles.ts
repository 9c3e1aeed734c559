/** Styles of `<tandem-share-dialog>`. */
import { css } from 'lit'
import { controls, modal } from '../shared.styles.js'

/** The sharing dialog: sections for adding people, who has access, and links; narrow-screen friendly. */
export const shareDialogStyles = [
  controls,
  modal,
  css`
    dialog {
      width: min(34rem, calc(100vw - 1rem));
      max-height: calc(100dvh - 2rem);
      padding: 0;
      overflow: auto;
    }
    .head {
      position: sticky;
      top: 0;
      z-index: 1;
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      padding: 0.9rem 0.75rem 0.6rem 1.25rem;
      background: var(--tandem-raised);
      border-bottom: 1px solid var(--tandem-border);
    }
    h2 {
      margin: 0;
      font-size: 1.1rem;
      min-width: 0;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    h3 {
      margin: 0 0 0.5rem;
      font-size: 0.95rem;
    }
    section {
      padding: 0.9rem 1.25rem;
    }
    section + section {
      border-top: 1px solid var(--tandem-border);
    }
    .explain {
      margin: -0.2rem 0 0.6rem;
      color: var(--tandem-muted);
      font-size: 0.88rem;
    }
    form.add,
    .create {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-end;
      gap: 0.5rem;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
      min-width: 0;
    }
    .field.grow {
      flex: 1 1 12rem;
    }
    .field label {
      font-size: 0.85rem;
      font-weight: 600;
    }
    .field input {
      width: 100%;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    li.person,
    li.link {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.4rem 0.6rem;
      padding: 0.45rem 0;
      border-top: 1px solid var(--tandem-border);
    }
    li:first-child {
      border-top: none;
    }
    .who {
      flex: 1 1 8rem;
      min-width: 0;
      overflow-wrap: anywhere;
      font-weight: 600;
    }
    .you,
    .role-text {
      color: var(--tandem-muted);
      font-weight: 400;
    }
    li.link .what {
      flex: 1 1 100%;
      font-size: 0.9rem;
    }
    li.link input {
      flex: 1 1 12rem;
      min-width: 0;
      font-family: var(--tandem-mono);
      font-size: 0.82rem;
    }
    .empty {
      margin: 0;
      color: var(--tandem-muted);
      font-size: 0.9rem;
    }
    .error {
      margin: 0.5rem 0 0;
      padding: 0.5rem 0.7rem;
      border: 1px solid var(--tandem-danger);
      border-radius: var(--tandem-radius);
      color: var(--tandem-danger);
      background: color-mix(in srgb, var(--tandem-danger) 8%, var(--tandem-raised));
      font-size: 0.9rem;
    }
    .status {
      margin: 0;
      padding: 0 1.25rem 0.9rem;
      color: var(--tandem-muted);
      font-size: 0.88rem;
      min-height: 1.2rem;
    }
    button.remove:hover:not(:disabled),
    button.revoke:hover:not(:disabled) {
      color: var(--tandem-danger);
    }
  `,
]
