/**
 * Structured logs (pino), one JSON object per line on stderr so stdout stays for the one
 * human-readable "listening on" line. One line per connection open and close and per error;
 * never one per message.
 */
import { pino, type Logger } from 'pino'

/** Log levels accepted by --log-level. */
export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Creates the server's logger writing to stderr (fd 2). */
export function createLogger(level: (typeof LEVELS)[number] = 'info'): Logger {
  return pino({ level, base: { service: 'tandem' } }, pino.destination({ fd: 2, sync: false }))
}

/** A logger that drops everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
