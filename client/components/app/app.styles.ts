/** Styles of `<tandem-app>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const appStyles = [
  controls,
  css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 100vh;
    }
    header {
      position: sticky;
      top: 0;
      z-index: 20;
      display: flex;
      align-items: center;
      gap: 0.5rem;
      height: var(--tandem-header-height);
      padding: 0 max(0.75rem, env(safe-area-inset-left));
      background: var(--tandem-surface);
      border-bottom: 1px solid var(--tandem-border);
    }
    .brand {
      display: inline-flex;
      align-items: center;
      gap: 0.45rem;
      color: inherit;
      text-decoration: none;
      font-weight: 650;
      font-size: 1.05rem;
      letter-spacing: -0.01em;
      padding: 0.25rem;
      border-radius: var(--tandem-radius);
    }
    .logo {
      display: inline-grid;
      place-items: center;
      width: 1.9rem;
      height: 1.9rem;
      border-radius: 7px;
      background: var(--tandem-accent);
      color: var(--tandem-on-accent);
    }
    .all {
      display: inline-flex;
      align-items: center;
      gap: 0.2rem;
      color: var(--tandem-muted);
      text-decoration: none;
      padding: 0.3rem 0.5rem;
      border-radius: var(--tandem-radius);
      font-size: 0.92rem;
    }
    .all:hover {
      background: var(--tandem-hover);
      color: var(--tandem-text);
    }
    .spacer {
      flex: 1;
    }
    main {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 0;
      outline: none;
    }
    .skip {
      position: absolute;
      left: 0.5rem;
      top: -3rem;
      z-index: 30;
      padding: 0.5rem 0.75rem;
      background: var(--tandem-accent);
      color: var(--tandem-on-accent);
      border-radius: var(--tandem-radius);
    }
    .skip:focus {
      top: 0.5rem;
    }
    .not-found,
    .notice {
      max-width: 40rem;
      margin: 3rem auto;
      padding: 0 1rem;
    }
    .notice h1 {
      font-size: 1.4rem;
    }
    .loading {
      margin: 3rem auto;
      color: var(--tandem-muted);
    }
    .sign-in {
      flex: none;
    }
    .undelivered {
      width: min(40rem, 100%);
      margin: 1.5rem auto 0;
      padding: 0 1rem;
      box-sizing: border-box;
    }
    .not-found a {
      color: var(--tandem-accent);
    }
    @media (max-width: 480px) {
      .all span,
      .brand .name {
        display: none;
      }
    }
      /* printed: the document alone */
    @media print {
      header {
        display: none;
      }
    }
`,
]
