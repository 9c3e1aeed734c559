/**
 * Waiting on events with timeouts (never bare sleeps) for tests.
 */
/** Polls `check` until it returns a truthy value, or rejects after `timeoutMs` naming `what`. */
export async function waitFor(what, check, timeoutMs = 10_000, everyMs = 10) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            const value = await check();
            if (value)
                return value;
        }
        catch (err) {
            last = err;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
}
/** Resolves with the arguments of the next `event` from `emitter`, or rejects after `timeoutMs`. */
export function nextEvent(emitter, event, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
        const listener = (...args) => {
            clearTimeout(timer);
            resolve(args);
        };
        const timer = setTimeout(() => {
            emitter.off?.(event, listener);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
        }, timeoutMs);
        emitter.once(event, listener);
    });
}
/** A seeded pseudo-random generator (mulberry32) so randomised tests can be replayed. */
export function seededRandom(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
/** The seed for a randomised test: SEED from the environment, or a fresh one. Printed either way. */
export function testSeed(name) {
    const seed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
    console.log(`[seed] ${name}: SEED=${seed}`);
    return seed;
}
