/** Styles of `<tandem-doc-editor>`: the header, the page, and the document text inside ProseMirror. */
import { css } from 'lit'
import { controls } from '../shared.styles.js'

/** ProseMirror's own required rules (prosemirror-view/style/prosemirror.css), for the shadow root. */
const prosemirrorBase = css`
  .ProseMirror {
    position: relative;
    word-wrap: break-word;
    white-space: pre-wrap;
    white-space: break-spaces;
    font-variant-ligatures: none;
    font-feature-settings: 'liga' 0;
  }
  .ProseMirror pre {
    white-space: pre-wrap;
  }
  .ProseMirror li {
    position: relative;
  }
  .ProseMirror-hideselection *::selection {
    background: transparent;
  }
  .ProseMirror-hideselection {
    caret-color: transparent;
  }
  .ProseMirror [draggable][contenteditable='false'] {
    user-select: text;
  }
  .ProseMirror-selectednode {
    outline: 2px solid var(--tandem-focus);
  }
  li.ProseMirror-selectednode {
    outline: none;
  }
  /* images: as wide as the page at most; one whose source is not allowed (or still loading) keeps a
     visible box with its alt text; an upload in progress shows where its image will go */
  .ProseMirror img.image {
    max-width: 100%;
    height: auto;
    vertical-align: bottom;
  }
  .ProseMirror img.image:not([src]) {
    display: inline-block;
    min-width: 2rem;
    min-height: 1.5rem;
    border: 1px dashed var(--tandem-muted);
  }
  .ProseMirror .image-uploading {
    display: inline-block;
    padding: 0.2rem 0.6rem;
    border: 1px dashed var(--tandem-muted);
    border-radius: 4px;
    color: var(--tandem-muted);
    font-size: 0.9em;
    white-space: nowrap;
  }
  li.ProseMirror-selectednode::after {
    content: '';
    position: absolute;
    left: -32px;
    right: -2px;
    top: -2px;
    bottom: -2px;
    border: 2px solid var(--tandem-focus);
    pointer-events: none;
  }
  img.ProseMirror-separator {
    display: inline !important;
    border: none !important;
    margin: 0 !important;
  }
`

/** How the document text looks. */
const content = css`
  .ProseMirror {
    min-height: 60vh;
    outline: none;
    font-size: 1.05rem;
    line-height: 1.65;
    caret-color: var(--tandem-text);
  }
  .ProseMirror > :first-child {
    margin-top: 0;
  }
  .ProseMirror p {
    margin: 0 0 0.75em;
  }
  .ProseMirror h1,
  .ProseMirror h2,
  .ProseMirror h3 {
    line-height: 1.25;
    letter-spacing: -0.015em;
    margin: 1.4em 0 0.5em;
  }
  .ProseMirror h1 {
    font-size: 1.9rem;
  }
  .ProseMirror h2 {
    font-size: 1.45rem;
  }
  .ProseMirror h3 {
    font-size: 1.2rem;
  }
  .ProseMirror a {
    color: var(--tandem-accent);
    text-decoration: underline;
    text-underline-offset: 2px;
    cursor: text;
  }
  .ProseMirror code {
    font-family: var(--tandem-mono);
    font-size: 0.9em;
    background: var(--tandem-code-bg);
    border-radius: 4px;
    padding: 0.1em 0.3em;
  }
  .ProseMirror pre {
    font-family: var(--tandem-mono);
    font-size: 0.9rem;
    line-height: 1.5;
    background: var(--tandem-code-bg);
    border: 1px solid var(--tandem-border);
    border-radius: var(--tandem-radius);
    padding: 0.75rem 1rem;
    margin: 0 0 1em;
    overflow-x: auto;
  }
  .ProseMirror pre code {
    background: none;
    padding: 0;
    font-size: inherit;
  }
  /* a code block's language picker, above the block's top right corner */
  .ProseMirror .code-language {
    display: flex;
    justify-content: flex-end;
    margin-bottom: 0.2rem;
    user-select: none;
  }
  .ProseMirror .code-language select {
    min-height: 1.75rem;
    padding: 0 0.4rem;
    font-size: 0.8rem;
    color: var(--tandem-muted);
    background: var(--tandem-surface);
  }
  /* highlighted code (highlight.js class names, see editor/highlight.ts) */
  .ProseMirror .hljs-keyword,
  .ProseMirror .hljs-literal,
  .ProseMirror .hljs-selector-tag,
  .ProseMirror .hljs-deletion {
    color: var(--tandem-code-keyword);
  }
  .ProseMirror .hljs-string,
  .ProseMirror .hljs-regexp,
  .ProseMirror .hljs-meta .hljs-string {
    color: var(--tandem-code-string);
  }
  .ProseMirror .hljs-comment,
  .ProseMirror .hljs-quote {
    color: var(--tandem-code-comment);
    font-style: italic;
  }
  .ProseMirror .hljs-number,
  .ProseMirror .hljs-variable,
  .ProseMirror .hljs-template-variable,
  .ProseMirror .hljs-meta,
  .ProseMirror .hljs-symbol {
    color: var(--tandem-code-number);
  }
  .ProseMirror .hljs-title,
  .ProseMirror .hljs-section,
  .ProseMirror .hljs-selector-id,
  .ProseMirror .hljs-selector-class {
    color: var(--tandem-code-title);
  }
  .ProseMirror .hljs-type,
  .ProseMirror .hljs-built_in {
    color: var(--tandem-code-type);
  }
  .ProseMirror .hljs-attr,
  .ProseMirror .hljs-attribute,
  .ProseMirror .hljs-name,
  .ProseMirror .hljs-tag,
  .ProseMirror .hljs-bullet,
  .ProseMirror .hljs-addition {
    color: var(--tandem-code-attr);
  }
  .ProseMirror blockquote {
    margin: 0 0 1em;
    padding: 0.1em 0 0.1em 1em;
    border-left: 3px solid var(--tandem-border-strong);
    color: var(--tandem-muted);
  }
  .ProseMirror hr {
    border: none;
    border-top: 2px solid var(--tandem-border);
    margin: 1.5em 0;
  }
  .ProseMirror ul,
  .ProseMirror ol {
    margin: 0 0 0.75em;
    padding-left: 1.6em;
  }
  .ProseMirror li > p {
    margin: 0.1em 0;
  }
  .ProseMirror ul.task-list {
    list-style: none;
    padding-left: 0.2em;
  }
  .ProseMirror li.task-item {
    display: flex;
    align-items: flex-start;
    gap: 0.5em;
  }
  .ProseMirror .task-checkbox {
    flex: none;
    display: inline-flex;
    align-items: center;
    height: 1.65em;
    user-select: none;
  }
  .ProseMirror .task-checkbox input {
    width: 1.05em;
    height: 1.05em;
    margin: 0;
    cursor: pointer;
    accent-color: var(--tandem-accent);
  }
  .ProseMirror .task-content {
    flex: 1;
    min-width: 0;
  }
  .ProseMirror li.task-item[data-checked='true'] > .task-content > p {
    color: var(--tandem-muted);
    text-decoration: line-through;
  }
  .ProseMirror p.is-empty:first-child::before {
    content: attr(data-placeholder);
    color: var(--tandem-muted);
    opacity: 0.8;
    pointer-events: none;
    float: left;
    height: 0;
  }
  /* remote cursors and selections (y-prosemirror decorations) */
  .remote-cursor {
    position: relative;
    margin-left: -1px;
    margin-right: -1px;
    border-left: 2px solid;
    word-break: normal;
    pointer-events: none;
  }
  .remote-cursor-label {
    position: absolute;
    left: -2px;
    top: -1.35em;
    padding: 0.05em 0.35em;
    border-radius: 4px 4px 4px 0;
    color: #fff;
    font: 600 0.72rem/1.3 var(--tandem-font);
    white-space: nowrap;
    user-select: none;
    font-style: normal;
    text-decoration: none;
  }
  .remote-cursor-label::after {
    content: attr(data-name);
  }
`

export const docEditorStyles = [
  controls,
  prosemirrorBase,
  content,
  css`
    :host {
      display: flex;
      flex-direction: column;
      flex: 1;
      min-width: 0;
    }
    .header {
      display: flex;
      align-items: center;
      flex-wrap: wrap;
      gap: 0.5rem 1rem;
      padding: 0.75rem max(1rem, calc((100% - 52rem) / 2)) 0.5rem;
      background: var(--tandem-surface);
    }
    input.title {
      flex: 1 1 16rem;
      min-width: 0;
      min-height: 2.5rem;
      border: 1px solid transparent;
      border-radius: var(--tandem-radius);
      background: transparent;
      padding: 0 0.5rem;
      margin-left: -0.5rem;
      font-size: 1.35rem;
      font-weight: 650;
      letter-spacing: -0.015em;
    }
    input.title:hover {
      border-color: var(--tandem-border);
    }
    input.title:focus {
      border-color: var(--tandem-border-strong);
      outline: none;
    }
    input.title:focus-visible {
      outline: 2px solid var(--tandem-focus);
      outline-offset: 0;
    }
    .people-status {
      display: flex;
      align-items: center;
      gap: 0.75rem;
      margin-left: auto;
      min-width: 0;
    }
    .share,
    .history {
      flex: none;
    }
    .view-only {
      flex: 1 1 100%;
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.25rem 0.6rem;
      margin: 0;
      color: var(--tandem-muted);
      font-size: 0.88rem;
    }
    .refused {
      flex-basis: 100%;
      color: var(--tandem-warn);
      font-weight: 600;
    }
    .badge {
      display: inline-flex;
      align-items: center;
      padding: 0.1rem 0.55rem;
      border-radius: 999px;
      border: 1px solid var(--tandem-warn);
      color: var(--tandem-warn);
      background: color-mix(in srgb, var(--tandem-warn) 10%, var(--tandem-surface));
      font-weight: 650;
      font-size: 0.8rem;
      white-space: nowrap;
    }
    .page[data-read-only] {
      cursor: default;
    }
    .page[data-read-only] .task-checkbox input {
      pointer-events: none;
    }
    .denied {
      max-width: 40rem;
      margin: 3rem auto;
      padding: 0 1rem;
    }
    .denied h1 {
      font-size: 1.4rem;
    }
    .denied a {
      color: var(--tandem-accent);
    }
    .image-notice {
      position: sticky;
      top: calc(var(--tandem-header-height) + 2.75rem);
      z-index: 10;
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 1rem;
      width: min(52rem, 100% - 2rem);
      margin: 0.5rem auto 0;
      padding: 0.4rem 0.75rem;
      border: 1px solid var(--tandem-warn);
      border-radius: 6px;
      background: color-mix(in srgb, var(--tandem-warn) 10%, var(--tandem-surface));
      color: var(--tandem-text);
    }
    .image-notice button {
      flex: none;
      border: none;
      background: none;
      color: inherit;
      cursor: pointer;
    }
    tandem-toolbar {
      position: sticky;
      top: var(--tandem-header-height);
      z-index: 10;
    }
    /* in view however far down the document the change that ended the session was made; over
       the toolbar, which is off by then anyway */
    .banner {
      position: sticky;
      top: var(--tandem-header-height);
      z-index: 11;
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem 1rem;
      padding: 0.6rem max(1rem, calc((100% - 52rem) / 2));
      background: color-mix(in srgb, var(--tandem-danger) 12%, var(--tandem-surface));
      color: var(--tandem-danger);
      border-top: 1px solid var(--tandem-danger);
    }
    .banner a {
      color: inherit;
      font-weight: 600;
    }
    /* the way out after a refused change: its explanation and buttons on lines of their own */
    .banner .recover,
    .banner .recover-status {
      flex-basis: 100%;
      margin: 0;
      color: var(--tandem-text);
    }
    .banner .recover-status:empty {
      display: none;
    }
    .banner .actions {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
    }
    /* a long label wraps rather than run past a narrow screen */
    .banner button {
      max-width: 100%;
      white-space: normal;
    }
    .page {
      flex: 1;
      width: min(52rem, 100% - 2rem);
      margin: 1.5rem auto 4rem;
      padding: 2.5rem 3rem;
      background: var(--tandem-surface);
      border: 1px solid var(--tandem-border);
      border-radius: 12px;
      box-shadow: var(--tandem-shadow);
      cursor: text;
      /* a remote cursor's name label at the end of a long line must not widen the page */
      overflow-x: clip;
    }
    .page[data-loading] .ProseMirror {
      opacity: 0.4;
    }
    @media (max-width: 640px) {
      .header {
        padding: 0.5rem 0.75rem;
      }
      /* the status gives way (its words wrap) before the buttons leave the screen or cover the
         avatars; the row itself wraps when even that is not enough */
      .people-status {
        width: 100%;
        flex-wrap: wrap;
        gap: 0.5rem;
        justify-content: flex-end;
        margin-left: 0;
      }
      tandem-connection-status {
        flex: 1 1 7rem;
        min-width: 0;
        white-space: normal;
      }
      .share span,
      .history span {
        display: none;
      }
      .share,
      .history {
        padding: 0 0.55rem;
      }
      input.title {
        font-size: 1.2rem;
        flex-basis: 100%;
      }
      .page {
        width: 100%;
        margin: 0;
        padding: 1rem 0.9rem 3rem;
        border: none;
        border-radius: 0;
        box-shadow: none;
      }
      .banner {
        padding: 0.6rem 0.75rem;
      }
    }
    /* printed: the title and the text, without the app around them or other people's cursors */
    @media print {
      .people-status,
      .view-only,
      tandem-history-dialog,
      .banner,
      tandem-toolbar,
      tandem-undelivered {
        display: none;
      }
      .header {
        padding: 0;
      }
      input.title {
        margin: 0;
        padding: 0;
        border: none;
        font-size: 1.6rem;
      }
      .page {
        width: 100%;
        margin: 0;
        padding: 0.5rem 0 0;
        border: none;
        border-radius: 0;
        box-shadow: none;
        overflow: visible;
      }
      .remote-cursor {
        border-left: none;
        margin: 0;
      }
      .remote-cursor-label,
      .ProseMirror .code-language {
        display: none;
      }
      .remote-selection {
        background: none !important;
      }
    }
  `,
]
