/** Styles of `<tandem-identity>`. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

export const identityStyles = [
  controls,
  css`
    :host {
      position: relative;
      display: inline-block;
    }
    .me {
      border-color: transparent;
      background: transparent;
      padding: 0 0.5rem 0 0.25rem;
      border-radius: 999px;
      max-width: 14rem;
    }
    .me:hover {
      background: var(--tandem-hover);
    }
    .avatar {
      display: inline-grid;
      place-items: center;
      flex: none;
      width: 1.9rem;
      height: 1.9rem;
      border-radius: 50%;
      color: #fff;
      font-size: 0.72rem;
      font-weight: 700;
    }
    .name {
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .panel {
      position: absolute;
      right: 0;
      top: calc(100% + 0.4rem);
      z-index: 40;
      width: min(20rem, calc(100vw - 1.5rem));
      padding: 1rem;
      background: var(--tandem-raised);
      border: 1px solid var(--tandem-border);
      border-radius: 12px;
      box-shadow: var(--tandem-shadow);
      max-height: calc(100vh - var(--tandem-header-height) - 1rem);
      overflow-y: auto;
    }
    .account {
      margin: 0 0 1rem;
      padding-bottom: 1rem;
      border-bottom: 1px solid var(--tandem-border);
    }
    .signed-in {
      margin: 0 0 0.6rem;
      overflow-wrap: anywhere;
    }
    .tag {
      display: inline-block;
      padding: 0 0.4rem;
      border-radius: 999px;
      background: var(--tandem-active);
      font-size: 0.75rem;
      font-weight: 600;
      vertical-align: middle;
    }
    .account-actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
    .account-form {
      display: flex;
      flex-direction: column;
      gap: 0.3rem;
      margin-top: 0.75rem;
    }
    .account-form label {
      font-size: 0.85rem;
      font-weight: 600;
      margin-top: 0.3rem;
    }
    .account-form input {
      width: 100%;
      min-height: 2.25rem;
      padding: 0 0.7rem;
      border: 1px solid var(--tandem-border-strong);
      border-radius: var(--tandem-radius);
      background: var(--tandem-surface);
    }
    .account-form .hint {
      margin: 0;
    }
    .account-form button {
      margin-top: 0.5rem;
      align-self: flex-start;
    }
    .error {
      margin: 0.5rem 0 0;
      color: var(--tandem-danger);
      font-size: 0.88rem;
    }
    .notice {
      margin: 0.5rem 0 0;
      font-size: 0.88rem;
      color: var(--tandem-ok);
    }
    .notice:empty {
      display: none;
    }
    .panel[hidden] {
      display: none;
    }
    .hint {
      margin: 0 0 0.75rem;
      color: var(--tandem-muted);
      font-size: 0.85rem;
    }
    label[for='name'],
    legend {
      display: block;
      font-size: 0.85rem;
      font-weight: 600;
      margin-bottom: 0.3rem;
    }
    #name {
      width: 100%;
    }
    fieldset {
      border: none;
      margin: 0.9rem 0 0;
      padding: 0;
    }
    .swatches {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
    .swatch {
      position: relative;
      width: 1.9rem;
      height: 1.9rem;
      border-radius: 50%;
      cursor: pointer;
    }
    .swatch input {
      position: absolute;
      inset: 0;
      margin: 0;
      opacity: 0;
      cursor: pointer;
    }
    .swatch:has(input:checked) {
      box-shadow: 0 0 0 2px var(--tandem-raised), 0 0 0 4px var(--tandem-text);
    }
    .swatch:has(input:focus-visible) {
      outline: 2px solid var(--tandem-focus);
      outline-offset: 3px;
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      margin-top: 1rem;
    }
    @media (max-width: 480px) {
      .name {
        display: none;
      }
      .me {
        padding: 0 0.25rem;
      }
    }
  `,
]
