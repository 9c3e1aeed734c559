/**
 * The environment the server process starts with (`npm start`, `npm run dev`, the tests' child
 * servers and the benchmark all use it). It can only be set before the process starts, so the
 * launchers pass it; whoever runs dist/server/main.js directly should set it too (see README).
 *
 * glibc's malloc raises its mmap threshold every time it frees a large mmapped block. After a
 * few big buffers (relayed updates of 64 KiB and more, journal records, LevelDB batches) large
 * blocks come from the heap instead and fragment it: RSS climbed 95 to 160 MB during a 100 MB
 * flood, against 20 to 70 MB with the threshold fixed at its default 128 KiB.
 *
 * V8 grows the young generation up to 16 MiB per semi-space when many objects outlive a
 * collection, as a relay's do (a document's log until compaction, updates waiting for the
 * store). Each scavenge then copies more: under steady typing (50 documents x 4 clients x 5
 * updates/s) pauses of 2 to 4 ms every 2 s and 100 MB RSS. Capped at 4 MiB: pauses of 0.5 to
 * 1.4 ms every 0.6 s and 82 MB RSS, with the same CPU per relayed update within the noise.
 */

/** Node options the server runs with; an operator's NODE_OPTIONS go after them, so theirs win. */
export const SERVER_NODE_OPTIONS = '--max-semi-space-size=4'

/** Environment variables the server runs with unless the operator sets them. */
export const SERVER_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(128 * 1024),
}

/**
 * `env` with the server's defaults under it, SERVER_NODE_OPTIONS joined before its NODE_OPTIONS:
 * what the operator set wins.
 */
export function serverEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const merged = { ...SERVER_ENV_DEFAULTS, ...env }
  // a flag given twice takes its last value: the operator's options keep ours unless they override them
  const own = env.NODE_OPTIONS?.trim()
  merged.NODE_OPTIONS = own ? `${SERVER_NODE_OPTIONS} ${own}` : SERVER_NODE_OPTIONS
  return merged
}
