// `npm test`: type check, build, then every test (vitest). Browser tests need Chromium: found at
// CHROMIUM_PATH or the usual places; when missing they are skipped and this says so plainly,
// unless TANDEM_REQUIRE_BROWSER=1 (CI), which makes a missing browser an error.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from './build.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const node = process.execPath

function step(what, args, env = {}) {
  process.stdout.write(`\n== ${what}\n`)
  const result = spawnSync(node, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (result.status !== 0) {
    process.stdout.write(`\n${what} failed\n`)
    process.exit(result.status ?? 1)
  }
}

/** Path of a Chromium to drive, or null. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  return candidates.find((p) => p && existsSync(p)) ?? null
}

step('type check', [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'])
process.stdout.write('\n== build\n')
build()

const chromium = findChromium()
if (!chromium) {
  const why = 'no Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome)'
  if (process.env.TANDEM_REQUIRE_BROWSER === '1') {
    process.stdout.write(`\nbrowser tests are required here (TANDEM_REQUIRE_BROWSER=1) but ${why}\n`)
    process.exit(1)
  }
  process.stdout.write(`\n** browser tests will be SKIPPED: ${why}. Install Debian's chromium package to run them. **\n`)
}
step('tests', [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { TANDEM_CHROMIUM: chromium ?? '' })
if (!chromium) process.stdout.write('\n** browser tests were SKIPPED: no Chromium found. **\n')
