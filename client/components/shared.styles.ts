/**
 * Styles shared by several components: buttons, inputs, visually-hidden text. Colours and sizes
 * come from the custom properties defined in ../styles.css (they inherit into shadow roots).
 */
import { css } from 'lit'

/** Base look of buttons and text inputs, and focus rings. */
export const controls = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :host {
    font: inherit;
    color: var(--tandem-text);
  }
  button,
  input,
  select {
    font: inherit;
    color: inherit;
  }
  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    min-height: 2.25rem;
    padding: 0 0.85rem;
    border: 1px solid var(--tandem-border);
    border-radius: var(--tandem-radius);
    background: var(--tandem-surface);
    cursor: pointer;
    white-space: nowrap;
  }
  button:hover:not(:disabled) {
    background: var(--tandem-hover);
  }
  button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  button.primary {
    background: var(--tandem-accent);
    border-color: var(--tandem-accent);
    color: var(--tandem-on-accent);
  }
  button.primary:hover:not(:disabled) {
    background: var(--tandem-accent-strong);
  }
  button.danger {
    background: var(--tandem-danger);
    border-color: var(--tandem-danger);
    color: #fff;
  }
  button.quiet {
    border-color: transparent;
    background: transparent;
  }
  button.quiet:hover:not(:disabled) {
    background: var(--tandem-hover);
  }
  input[type='text'],
  input[type='search'],
  input[type='url'],
  input[type='password'],
  input:not([type]),
  select {
    min-height: 2.25rem;
    padding: 0 0.7rem;
    border: 1px solid var(--tandem-border-strong);
    border-radius: var(--tandem-radius);
    background: var(--tandem-surface);
    min-width: 0;
  }
  :focus-visible {
    outline: 2px solid var(--tandem-focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .icon {
    flex: none;
  }
`

/** The look of a modal <dialog> and its backdrop; each dialog sets its own size and padding. */
export const modal = css`
  dialog {
    border: 1px solid var(--tandem-border);
    border-radius: 12px;
    background: var(--tandem-raised);
    color: var(--tandem-text);
    box-shadow: var(--tandem-shadow);
  }
  dialog::backdrop {
    background: rgb(10 14 22 / 45%);
  }
`
