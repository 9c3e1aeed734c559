/**
 * Browser gaps the editor depends on, filled before any component is defined.
 */

/**
 * y-prosemirror (1.3.7) calls `view._root.createRange()` to check whether the selection is in
 * view. When the editor lives in a shadow root that root is a ShadowRoot, which has no
 * createRange: the call throws inside a Yjs observer and remote edits stop rendering in a
 * focused editor ("Caught error while handling a Yjs update", DESIGN.md). A Range from the
 * owning document works for nodes of any shadow tree of that document.
 */
export function installShadowRootCreateRange(): void {
  if (typeof ShadowRoot === 'undefined') return
  const proto = ShadowRoot.prototype as ShadowRoot & { createRange?: () => Range }
  if (typeof proto.createRange === 'function') return
  Object.defineProperty(proto, 'createRange', {
    configurable: true,
    writable: true,
    value(this: ShadowRoot): Range {
      return this.ownerDocument.createRange()
    },
  })
}

installShadowRootCreateRange()
