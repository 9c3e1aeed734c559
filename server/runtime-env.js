/**
 * The environment the server process starts with (`npm start`, `npm run dev`, the tests' child
 * servers and the benchmark all use it). It can only be set before the process starts, so the
 * launchers pass it; whoever runs dist/server/main.js directly should set it too (see README).
 *
 * glibc's malloc raises its mmap threshold every time it frees a large mmapped block. After a
 * few big buffers (relayed updates of 64 KiB and more, journal records, LevelDB batches) large
 * blocks come from the heap instead and fragment it: RSS climbed 95 to 160 MB during a 100 MB
 * flood, against 20 to 70 MB with the threshold fixed at its default 128 KiB.
 */
export const SERVER_ENV_DEFAULTS = {
    MALLOC_MMAP_THRESHOLD_: String(128 * 1024),
};
/** `env` with the server's defaults under it: what the operator set wins. */
export function serverEnv(env = process.env) {
    return { ...SERVER_ENV_DEFAULTS, ...env };
}
