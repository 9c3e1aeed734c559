/**
 * Web Storage where the browser allows it. A browser set to refuse this site any data (Chromium's
 * "Don't allow sites to save data", or cookies blocked for the site) throws a SecurityError as soon
 * as `localStorage` or `sessionStorage` is read, even by `typeof`; the app then goes on without
 * remembering anything instead of failing to start.
 */

/** `localStorage` or `sessionStorage`, or null where there is none or reading it throws. */
export function webStorage(name: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return (globalThis as Partial<Record<typeof name, Storage>>)[name] ?? null
  } catch {
    return null
  }
}
