/**
 * `ActionController`: runs one request at a time for a form or button of its host, keeping
 * `busy` and the last `error` (the server's message, as a sentence) and re-rendering the host
 * when they change. Shared by the sign-in screen, the account panel and the sharing dialog.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** Busy state and error of a host's requests. */
export class ActionController implements ReactiveController {
  /** A request is in flight (which one: its `key`). */
  busy: string | null = null
  /** The message of the last failure, until the next run or `clear()`. */
  error = ''
  /** The `key` of the run that failed (where to show `error`). */
  failed: string | null = null

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {}

  /** Runs `action` unless another is in flight; resolves with its result, or undefined when it failed. */
  async run<T>(key: string, action: () => Promise<T>): Promise<T | undefined> {
    if (this.busy) return undefined
    this.busy = key
    this.error = ''
    this.failed = null
    this.host.requestUpdate()
    try {
      return await action()
    } catch (err) {
      this.error = (err as Error).message || 'Something went wrong. Try again.'
      this.failed = key
      return undefined
    } finally {
      this.busy = null
      this.host.requestUpdate()
    }
  }

  /** Forgets the last error. */
  clear(): void {
    if (!this.error) return
    this.error = ''
    this.failed = null
    this.host.requestUpdate()
  }
}
