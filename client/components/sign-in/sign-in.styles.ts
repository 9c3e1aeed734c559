/** Styles of `<tandem-sign-in>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

/** The sign-in card and its form. */
export const signInStyles = [
  controls,
  css`
    :host {
      display: block;
      padding: 2.5rem 1rem 4rem;
    }
    .card {
      width: min(24rem, 100%);
      margin: 0 auto;
      padding: 1.5rem;
      background: var(--tandem-surface);
      border: 1px solid var(--tandem-border);
      border-radius: 12px;
      box-shadow: var(--tandem-shadow);
    }
    h1 {
      margin: 0 0 0.35rem;
      font-size: 1.4rem;
      letter-spacing: -0.015em;
    }
    .lead {
      margin: 0 0 1.25rem;
      color: var(--tandem-muted);
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 0.3rem;
      margin-bottom: 0.9rem;
    }
    label {
      font-size: 0.9rem;
      font-weight: 600;
    }
    input {
      width: 100%;
      min-height: 2.5rem;
    }
    .hint {
      color: var(--tandem-muted);
      font-size: 0.82rem;
    }
    button[type='submit'] {
      width: 100%;
      min-height: 2.6rem;
      margin-top: 0.25rem;
    }
    .error,
    .message {
      margin: 0 0 1rem;
      padding: 0.6rem 0.75rem;
      border: 1px solid var(--tandem-danger);
      border-radius: var(--tandem-radius);
      color: var(--tandem-danger);
      background: color-mix(in srgb, var(--tandem-danger) 8%, var(--tandem-surface));
    }
    .message {
      border-color: var(--tandem-border-strong);
      color: var(--tandem-text);
      background: var(--tandem-hover);
    }
    .switch {
      margin: 1.1rem 0 0;
      text-align: center;
      color: var(--tandem-muted);
      font-size: 0.92rem;
    }
    .link {
      border: none;
      background: none;
      padding: 0 0.2rem;
      min-height: 0;
      color: var(--tandem-accent);
      text-decoration: underline;
      text-underline-offset: 2px;
    }
    .link:hover:not(:disabled) {
      background: none;
    }
    .closed {
      margin: 1.1rem 0 0;
      color: var(--tandem-muted);
      font-size: 0.92rem;
    }
    .cancel {
      display: block;
      margin: 1rem auto 0;
    }
  `,
]
