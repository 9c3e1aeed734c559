import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // a file per core (vitest's default leaves one core free, which on two cores runs the files
    // one after another): most of a test's time is spent waiting on sockets, timers and the browser
    maxWorkers: availableParallelism(),
    // --expose-gc lets memory tests measure the heap after a full collection
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})
