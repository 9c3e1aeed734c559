/** Styles of `<tandem-connection-status>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const connectionStatusStyles = [
  controls,
  css`
    :host {
      display: inline-block;
      color: var(--tandem-muted);
      font-size: 0.85rem;
      white-space: nowrap;
    }
    .status {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0 0.35rem;
    }
    .dot {
      flex: none;
      width: 0.55rem;
      height: 0.55rem;
      border-radius: 50%;
      background: var(--tandem-border-strong);
    }
    :host([connection='connected']) .dot {
      background: var(--tandem-ok);
    }
    :host([connection='connecting']) .dot {
      background: var(--tandem-warn);
      animation: pulse 1.2s ease-in-out infinite;
    }
    :host([connection='offline']) .dot,
    :host([connection='closed']) .dot {
      background: var(--tandem-danger);
    }
    :host([connection='offline']) .connection {
      color: var(--tandem-danger);
      font-weight: 600;
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .dot {
        animation: none !important;
      }
    }
  `,
]
