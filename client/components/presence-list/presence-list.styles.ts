/** Styles of `<tandem-presence-list>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const presenceListStyles = [
  controls,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    ul {
      display: flex;
      align-items: center;
      gap: 0.4rem;
      margin: 0;
      padding: 0;
      list-style: none;
      min-width: 0;
    }
    li {
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
      min-width: 0;
      padding: 0.15rem 0.55rem 0.15rem 0.15rem;
      border-radius: 999px;
      background: var(--tandem-hover);
      font-size: 0.85rem;
    }
    .avatar {
      display: inline-grid;
      place-items: center;
      flex: none;
      width: 1.75rem;
      height: 1.75rem;
      border-radius: 50%;
      color: #fff;
      font-size: 0.7rem;
      font-weight: 700;
      letter-spacing: 0.02em;
    }
    li.self .avatar {
      box-shadow: 0 0 0 2px var(--tandem-surface), 0 0 0 3.5px currentColor;
    }
    .more-avatar {
      background: var(--tandem-border-strong);
      color: var(--tandem-text);
    }
    li.more {
      padding-right: 0.15rem;
    }
    .name {
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
      max-width: 9rem;
    }
    .you {
      color: var(--tandem-muted);
    }
    @media (max-width: 720px) {
      li {
        position: relative;
        padding: 0;
        background: none;
      }
      /* names stay for screen readers, out of sight and out of the layout */
      .name {
        position: absolute;
        left: 0;
        top: 0;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      ul {
        gap: 0.2rem;
      }
    }
  `,
]
