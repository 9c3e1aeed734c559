/** Styles of `<tandem-undelivered>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const undeliveredStyles = [
  controls,
  css`
    :host {
      display: block;
    }
    ul {
      list-style: none;
      margin: 0 0 1rem;
      padding: 0;
    }
    li {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem 1rem;
      margin-bottom: 0.5rem;
      padding: 0.6rem 0.75rem;
      border: 1px solid var(--tandem-danger);
      border-radius: var(--tandem-radius);
      background: color-mix(in srgb, var(--tandem-danger) 8%, var(--tandem-surface));
    }
    p {
      margin: 0;
      flex: 1 1 20rem;
    }
    .actions {
      display: flex;
      gap: 0.5rem;
    }
    .status {
      flex-basis: 100%;
      color: var(--tandem-muted);
    }
  `,
]
