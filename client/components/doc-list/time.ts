/**
 * "Edited 5 minutes ago": relative times for the document list, pure so tests can pin the clock.
 */

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

/** `time` relative to `now` in words ("just now", "3 minutes ago", "yesterday"). */
export function relativeTime(time: number, now: number, locale?: string): string {
  const diff = time - now
  if (Math.abs(diff) < 45_000) return 'just now'
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'minute') return format.format(Math.round(diff / ms), unit)
  }
  return 'just now'
}

/** The full date and time, for tooltips. */
export function absoluteTime(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(time)
}
