/** Styles of `<tandem-doc-list>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const docListStyles = [
  controls,
  css`
    :host {
      display: block;
    }
    .page {
      width: min(48rem, 100%);
      margin: 0 auto;
      padding: 1.5rem 1rem 4rem;
    }
    .head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 1rem;
      margin-bottom: 1rem;
    }
    .create {
      display: flex;
      gap: 0.5rem;
    }
    h1 {
      margin: 0;
      font-size: 1.6rem;
      letter-spacing: -0.02em;
    }
    .search {
      position: relative;
      display: flex;
      align-items: center;
      margin-bottom: 1rem;
      color: var(--tandem-muted);
    }
    .search .icon {
      position: absolute;
      left: 0.7rem;
      pointer-events: none;
    }
    .search input {
      width: 100%;
      padding-left: 2.3rem;
      min-height: 2.6rem;
      color: var(--tandem-text);
    }
    .list {
      list-style: none;
      margin: 0;
      padding: 0;
      background: var(--tandem-surface);
      border: 1px solid var(--tandem-border);
      border-radius: 12px;
      overflow: hidden;
    }
    li {
      display: flex;
      align-items: center;
      gap: 0.25rem;
      min-height: 3.75rem;
      padding-right: 0.5rem;
      border-top: 1px solid var(--tandem-border);
    }
    li:first-child {
      border-top: none;
    }
    li:hover {
      background: var(--tandem-hover);
    }
    li[aria-busy='true'] {
      opacity: 0.6;
    }
    .open {
      flex: 1;
      display: flex;
      align-items: center;
      gap: 0.75rem;
      min-width: 0;
      padding: 0.6rem 0.5rem 0.6rem 1rem;
      color: inherit;
      text-decoration: none;
      align-self: stretch;
      border-radius: 0;
    }
    .open:focus-visible {
      outline-offset: -2px;
    }
    .doc-icon {
      color: var(--tandem-accent);
      display: inline-flex;
    }
    .text {
      display: flex;
      flex-direction: column;
      min-width: 0;
    }
    .title {
      font-weight: 600;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .title.untitled {
      color: var(--tandem-muted);
      font-style: italic;
      font-weight: 500;
    }
    .meta {
      color: var(--tandem-muted);
      font-size: 0.85rem;
    }
    .snippet {
      color: var(--tandem-text);
      font-size: 0.9rem;
      overflow: hidden;
      display: -webkit-box;
      -webkit-line-clamp: 2;
      -webkit-box-orient: vertical;
    }
    .snippet mark {
      background: var(--tandem-mark);
      color: inherit;
      border-radius: 2px;
    }
    .role {
      display: inline-block;
      margin-left: 0.5rem;
      padding: 0 0.45rem;
      border-radius: 999px;
      border: 1px solid var(--tandem-border-strong);
      font-size: 0.75rem;
      font-weight: 600;
      line-height: 1.4;
    }
    .role-owner {
      border-color: var(--tandem-accent);
      color: var(--tandem-accent);
    }
    .role-viewer {
      border-color: var(--tandem-warn);
      color: var(--tandem-warn);
    }
    .actions {
      display: flex;
      gap: 0.1rem;
    }
    .actions button {
      padding: 0 0.55rem;
      color: var(--tandem-muted);
    }
    .actions button.delete:hover {
      color: var(--tandem-danger);
    }
    li.renaming form {
      flex: 1;
      display: flex;
      gap: 0.5rem;
      padding: 0.6rem 0 0.6rem 1rem;
      min-width: 0;
    }
    li.renaming input {
      flex: 1;
    }
    .empty {
      color: var(--tandem-muted);
      text-align: center;
      padding: 2.5rem 1rem;
      margin: 0;
    }
    .empty.first {
      background: var(--tandem-surface);
      border: 1px dashed var(--tandem-border-strong);
      border-radius: 12px;
    }
    .empty.first p {
      margin: 0.25rem 0;
    }
    .error {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 1rem;
      margin-bottom: 1rem;
      padding: 0.6rem 0.75rem;
      border: 1px solid var(--tandem-danger);
      border-radius: var(--tandem-radius);
      color: var(--tandem-danger);
      background: color-mix(in srgb, var(--tandem-danger) 8%, var(--tandem-surface));
    }
    @media (max-width: 480px) {
      .page {
        padding: 1rem 0.75rem 3rem;
      }
      .new span,
      .import span {
        display: none;
      }
      .import {
        padding: 0 0.55rem;
      }
      .new::after {
        content: 'New';
      }
      li.renaming form {
        flex-wrap: wrap;
        padding-left: 0.75rem;
      }
      li.renaming input {
        flex-basis: 100%;
      }
      .open {
        padding-left: 0.75rem;
      }
    }
  `,
]
