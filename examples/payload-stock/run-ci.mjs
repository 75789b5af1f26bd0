#!/usr/bin/env node
// CI for examples/payload-stock: install, type-check, `next build` with webpack and with Turbopack
// (a config that does only what README says must build with both; without README's withOryOtc
// line both must fail with ory-otc's own ERR_ORY_BUNDLED, which names it), then the member-attack suite
// (test/stock.test.mjs) under `next start` on PostgreSQL and SQLite, against the ory-otc tarballs
// that the root wrote to ../../dist (`npm run build && npm run pack -- --dev`).
//
// Run with: node examples/payload-stock/run-ci.mjs     (from anywhere; about 8 minutes here)
//   ORY_OTC_DIST=/dir   take the tarballs from elsewhere
//
// Ends with one line "payload-stock: N passed, N failed". Exits non-zero when a step fails, when a
// test fails or is skipped, or when the suite ran no test. Every server it started is stopped on
// the way out, also after a failure or a signal.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(fileURLToPath(import.meta.url))
const work = mkdtempSync(path.join(tmpdir(), 'payload-stock-ci-'))
const pidfile = path.join(work, 'servers.pid')
const started = Date.now()
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
let child
let counts = { passed: 0, failed: 0 }

const log = (message) => console.log(`== payload-stock: ${message} (${Math.round((Date.now() - started) / 1000)} s)`)

/** Stops what is still running (the step's process group, each `next start`), prints the summary. */
function finish(code) {
  if (child?.exitCode === null) killGroup(child.pid)
  let pids = []
  try {
    pids = readFileSync(pidfile, 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    // no server was started
  }
  for (const pid of pids) killGroup(pid)
  rmSync(work, { recursive: true, force: true })
  console.log(`payload-stock: ${counts.passed} passed, ${counts.failed} failed (${Math.round((Date.now() - started) / 1000)} s)`)
  process.exit(code)
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

process.on('SIGINT', () => finish(130))
process.on('SIGTERM', () => finish(143))

/** Runs one step in its own process group under a time limit; resolves its exit code. */
function step(name, limitSeconds, command, args, env = {}) {
  log(name)
  return new Promise((resolve) => {
    child = spawn(command, args, { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'inherit', 'inherit'], detached: true })
    const timer = setTimeout(() => {
      console.error(`payload-stock: ${name} timed out after ${limitSeconds} s`)
      killGroup(child.pid)
    }, limitSeconds * 1000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
}

async function setup(name, ...args) {
  if ((await step(name, ...args)) !== 0) {
    console.error(`payload-stock: ${name} failed`)
    counts.failed++
    finish(1)
  }
}

// The build reads the config but opens no database and calls no Ory.
const buildEnv = { PAYLOAD_SECRET: 'build-only', DATABASE_URI: `file:${path.join(work, 'build.db')}` }

await setup('npm ci', 900, 'npm', ['ci', '--no-audit', '--no-fund'])
await setup('install the addon from the tarballs', 300, process.execPath, [path.join(root, '../payload-subscribe/scripts/install-addon.mjs'), root])
await setup('type check', 300, bin('tsc'), ['--noEmit'])
// Without the README's withOryOtc line, each bundler's build must fail with ory-otc's message
// (ERR_ORY_BUNDLED, naming the fix), not with the bundler's own about a `.node` file.
for (const [name, args] of [['Turbopack', []], ['webpack', ['--webpack']]]) {
  rmSync(path.join(root, '.next'), { recursive: true, force: true })
  log(`next build ${args.join(' ')} without withOryOtc must fail, naming it`)
  const out = spawnSync(bin('next'), ['build', ...args], {
    cwd: root,
    env: { ...process.env, ...buildEnv, NEXT_TELEMETRY_DISABLED: '1', STOCK_WITHOUT_WITH_ORY_OTC: '1' },
    encoding: 'utf8',
    timeout: 900_000,
  })
  const text = `${out.stdout}${out.stderr}`
  if (out.status !== 0 && /ERR_ORY_BUNDLED/.test(text) && /withOryOtc from 'ory-otc\/next'/.test(text)) {
    console.log(`payload-stock: ${name}: the build failed with ERR_ORY_BUNDLED, naming withOryOtc`)
    counts.passed++
  } else {
    console.error(`payload-stock: ${name}: expected the build to fail with ERR_ORY_BUNDLED (exit ${out.status}):\n${text.slice(-3000)}`)
    counts.failed++
  }
}
// Both bundlers with the README's config, each from a clean .next, as on a fresh clone; the
// Turbopack build (Next's default) is the one the suite runs.
rmSync(path.join(root, '.next'), { recursive: true, force: true })
await setup('next build --webpack', 900, bin('next'), ['build', '--webpack'], buildEnv)
rmSync(path.join(root, '.next'), { recursive: true, force: true })
await setup('next build (Turbopack)', 900, bin('next'), ['build'], buildEnv)

const tap = path.join(work, 'stock.tap')
const code = await step('member-attack suite (next start, PostgreSQL and SQLite, emulator)', 900, process.execPath, [
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  'test/stock.test.mjs',
], { STOCK_SERVER_PIDFILE: pidfile })
let report = ''
try {
  report = readFileSync(tap, 'utf8')
} catch {
  // no report: counted below
}
const field = (name) => Number(report.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? NaN)
const [tests, pass] = [field('tests'), field('pass')]
if (!Number.isFinite(tests) || !Number.isFinite(pass)) {
  console.error('payload-stock: the suite wrote no test report (it crashed before reporting)')
  counts.failed++
  finish(1)
}
// Skipped and cancelled tests count as failed: a skipped attack is not a refused one.
counts = { passed: counts.passed + pass, failed: counts.failed + tests - pass }
if (tests === 0) console.error('payload-stock: the suite ran no test')
finish(code !== 0 || tests === 0 || counts.failed > 0 ? 1 : 0)
