/**
 * `OutsidePointerController`: closes a host's popup (a panel, a menu) when a pointer goes down
 * anywhere outside the host while it is open. Shared by the account panel and the Download menu.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** Calls `dismiss` on a pointerdown outside `host` while `isOpen()` holds. */
export class OutsidePointerController implements ReactiveController {
  private readonly onPointer = (event: Event) => {
    if (this.isOpen() && !event.composedPath().includes(this.host)) this.dismiss()
  }

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly isOpen: () => boolean,
    private readonly dismiss: () => void,
  ) {
    host.addController(this)
  }

  hostConnected(): void {
    document.addEventListener('pointerdown', this.onPointer)
  }

  hostDisconnected(): void {
    document.removeEventListener('pointerdown', this.onPointer)
  }
}
