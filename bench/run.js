#!/usr/bin/env node
// `npm run bench`: builds in release mode, then measures every implementation in impl/ against
// the emulator (a separate process), at several concurrencies, pinned and unpinned; measures
// the ceiling with a native client, require() time, the .node size and a soak; prints markdown,
// writes results.json and (full runs) the table in README.md. See README.md for the method.
//
//   node run.js            full run (about 10 minutes)
//   node run.js --quick    every cell, shorter (about 4 minutes)
//   node run.js --smoke    a few dozen sign-ins per implementation, no build (the Jest smoke test)
// Options: --no-build, --out <file>, --impl a,b  --concurrency 1,64  --placement pinned,unpinned,
//          --no-ceiling, --no-soak, --readme / --no-readme
//
//   node run.js --kratos http://127.0.0.1:4833 --kratos-admin http://127.0.0.1:4834 [--kratos-pid <pid>] [--kratos-db]
// runs the same cells against a real Kratos (started with --dev, so that its courier API shows the
// codes; identities user-<i>@bench.example are made through its admin API): no emulator, no
// ceiling, no soak; pinned is the client on core 1. With --kratos-pid, the CPU Kratos spends per
// sign-in; with --kratos-db, that of every PostgreSQL process (the database may be shared).
// Writes bench/out/kratos.json, and with --readme the table between the `kratos` markers of README.md.
'use strict'
const { execFileSync, spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { startEmulator, emulatorCommand } = require('./lib/emulator')
const report = require('./lib/report')

const ROOT = path.join(__dirname, '..')
const CEILING_BIN = path.join(__dirname, 'ceiling', 'target', 'release', 'ory-otc-bench-ceiling')
const { hostPlatform } = require('../scripts/platforms.js')
const NODE_FILE = path.join(ROOT, `ory-otc.${hostPlatform()}.node`)

/** The usage: this file's opening comment. */
function usage() {
  const head = fs.readFileSync(__filename, 'utf8').split('\n')
  const lines = head.slice(1, head.findIndex((l) => l.startsWith("'use strict'")))
  return lines.map((l) => l.replace(/^\/\/ ?/, '')).join('\n').trim()
}

let opts
try {
  opts = parseOptions()
} catch (e) {
  // An unknown or malformed option: say which, and how to get the usage; no stack trace.
  process.stderr.write(`bench: ${e.message}\nRun node bench/run.js --help for the options.\n`)
  process.exit(2)
}
if (opts.help) {
  process.stdout.write(`${usage()}\n`)
  process.exit(0)
}

function parseOptions() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      smoke: { type: 'boolean' },
      quick: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      out: { type: 'string' },
      impl: { type: 'string' },
      concurrency: { type: 'string' },
      placement: { type: 'string' },
      'no-ceiling': { type: 'boolean' },
      'no-soak': { type: 'boolean' },
      readme: { type: 'boolean' },
      'no-readme': { type: 'boolean' },
      kratos: { type: 'string' },
      'kratos-admin': { type: 'string' },
      'kratos-pid': { type: 'string' },
      'kratos-db': { type: 'boolean' },
      'kratos-schema': { type: 'string', default: 'default' },
    },
  }).values
}

const mode = opts.smoke ? 'smoke' : opts.quick ? 'quick' : 'full'
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
const canPin = os.availableParallelism() >= 2 && hasTaskset()

/** Per-mode settings. Every loop is bounded in count (maxSignIns) and time (seconds). */
const PLAN = {
  full: { seconds: 4, warmupMs: 1000, warmupMin: 300, kratosWarmupMin: 64, maxSignIns: 200000, identities: 4096, soak: 100000, soakWarmup: 40000, requireRuns: 10, ceilingSeconds: 4 },
  quick: { seconds: 1.5, warmupMs: 400, warmupMin: 200, kratosWarmupMin: 32, maxSignIns: 50000, identities: 4096, soak: 20000, soakWarmup: 4000, requireRuns: 10, ceilingSeconds: 1.5 },
  smoke: { seconds: 0, warmupMs: 0, warmupMin: 8, kratosWarmupMin: 8, maxSignIns: 24, identities: 64, soak: 200, soakWarmup: 40, requireRuns: 3, ceilingSeconds: 0.2 },
}[mode]
/** Identities made in a real Kratos: enough for a batch at c=64. */
const KRATOS_IDENTITIES = 512
const impls = opts.impl ? list(opts.impl) : report.IMPLS
const concurrencies = opts.concurrency ? list(opts.concurrency).map(Number) : mode === 'smoke' ? [1, 4] : [1, 16, 64, 256]
const placements = (opts.placement ? list(opts.placement) : mode === 'smoke' ? ['unpinned'] : ['pinned', 'unpinned']).filter(
  (p) => p !== 'pinned' || canPin || warn('pinned placement skipped: needs 2 cores and taskset'),
)
const withCeiling = !opts['no-ceiling'] && (mode !== 'smoke' || fs.existsSync(CEILING_BIN))
const withSoak = !opts['no-soak']
const kratos = opts.kratos ? { url: opts.kratos.replace(/\/+$/, ''), admin: (opts['kratos-admin'] ?? '').replace(/\/+$/, '') } : null
const outFile =
  opts.out ?? path.join(__dirname, kratos ? path.join('out', 'kratos.json') : mode === 'full' ? 'results.json' : path.join('out', `${mode}.json`))
const writeReadme = kratos ? !!opts.readme : opts.readme || (mode === 'full' && !opts['no-readme'] && !opts.impl && !opts.concurrency && !opts.placement)

function warn(msg) {
  process.stderr.write(`bench: ${msg}\n`)
  return false
}
function log(msg) {
  process.stderr.write(`${msg}\n`)
}
function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const pinned = (placement, cpu) => (placement === 'pinned' ? cpu : undefined)
const withTaskset = (cpu, cmd, args) => (cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]])
const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]

function build() {
  const run = (cmd, args, cwd = ROOT) => {
    log(`== ${cmd} ${args.join(' ')}`)
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 2, 2] })
  }
  run('npm', ['run', '--silent', 'build'])
  // The standalone server the benchmark talks to is built at "s", every crate of it, as in
  // every earlier run, whatever the release profile of the addons is (root Cargo.toml), so
  // that the server, and the ceiling it sets, stay the same across runs.
  const emulatorAtS = ['--config', 'profile.release.opt-level="s"', '--config', 'profile.release.package.ory-otc-emulator.opt-level="s"']
  run('cargo', ['build', '--release', '--quiet', '-p', 'ory-otc-emulator', '--bin', 'ory-otc-emulator', ...emulatorAtS])
  run('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(__dirname, 'ceiling', 'Cargo.toml')])
}

/** Spawns `cmd`, resolves its stdout; kills it after `timeoutMs`. */
function capture(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${path.basename(args.find((a) => a.includes('/')) ?? cmd)} failed (${code ?? signal})\n${err}${out}`))
    })
  })
}

/** require() of the package in a fresh process, `runs` times: the median in ms. */
async function requireTime(runs) {
  // The elapsed time is taken before \`process.stdout\` is touched: JS evaluates the callee
  // \`process.stdout.write\` before its argument, and making the stdout stream of a pipe costs
  // about 3.5 ms, which an earlier version of this line measured as part of require().
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(ROOT)}); const ms = Number(process.hrtime.bigint() - t) / 1e6; process.stdout.write(String(ms))`
  const times = []
  for (let i = 0; i < runs; i++) times.push(Number(await capture(process.execPath, ['-e', script], 20000)))
  return { median: Number(median(times).toFixed(3)), runs: times.map((t) => Number(t.toFixed(3))) }
}

/** One cell in a fresh process (pinned to core 1 when asked), against `emu`. */
async function runCell(emu, impl, concurrency, placement, extra = {}) {
  const config = {
    impl,
    concurrency,
    baseUrl: emu.url,
    identities: PLAN.identities,
    warmupSignIns: Math.max(PLAN.warmupMin, mode === 'smoke' ? 0 : 4 * concurrency),
    warmupMs: PLAN.warmupMs,
    seconds: PLAN.seconds,
    minSignIns: mode === 'smoke' ? PLAN.maxSignIns : 0,
    maxSignIns: PLAN.maxSignIns,
    minBatch: Math.min(PLAN.identities, Math.max(4 * concurrency, 64)),
    ...extra,
  }
  const [cmd, args] = withTaskset(pinned(placement, 1), process.execPath, ['--expose-gc', path.join(__dirname, 'lib', 'cell.js'), JSON.stringify(config)])
  const out = await capture(cmd, args, 10 * 60 * 1000).catch((e) => `RESULT ${JSON.stringify({ error: e.message })}`)
  const line = out.split('\n').find((l) => l.startsWith('RESULT '))
  const result = line ? JSON.parse(line.slice(7)) : { error: `no result line:\n${out}` }
  if (result.error) throw new Error(`${impl} c=${concurrency} ${placement}: ${result.error}`)
  const label = require(path.join(__dirname, 'impl', impl)).label
  return { impl, label, concurrency, placement, ...result }
}

async function runCeiling(emu, concurrency, placement) {
  const args = [emu.url, String(concurrency), String(PLAN.ceilingSeconds), String(PLAN.identities)]
  const [cmd, full] = withTaskset(pinned(placement, 1), CEILING_BIN, args)
  const out = await capture(cmd, full, 5 * 60 * 1000)
  return { concurrency, placement, ...JSON.parse(out.trim().split('\n').pop()) }
}

/** A fresh emulator (pinned to core 0 when asked) for one measurement. */
async function withEmulator(placement, fn) {
  const emu = await startEmulator({ identities: PLAN.identities, cpu: pinned(placement, 0) })
  try {
    return await fn(emu)
  } finally {
    await emu.stop()
  }
}

function machine(loadStart) {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.versions.node,
    loadStart,
    loadEnd: loadavg(),
  }
}

function versions() {
  const v = (name) => {
    try {
      return require(path.join(__dirname, 'node_modules', name, 'package.json')).version
    } catch {
      return null
    }
  }
  return { axios: v('axios'), undici: v('undici'), '@ory/client-fetch': v('@ory/client-fetch'), nodeFetchUndici: process.versions.undici }
}

function gitHead() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim()
  } catch {
    return 'unknown'
  }
}

function releaseProfile() {
  const toml = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  const m = /\[profile\.release\][\s\S]*?(?=\n\[(?!profile\.release)|$)/.exec(toml)
  return m ? m[0].trim() : null
}

/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` in `file`. */
function updateReadme(file, md, name = 'bench') {
  const text = fs.readFileSync(file, 'utf8')
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i < 0 || j < i) return warn(`${path.relative(ROOT, file)} has no ${start} ${end} markers; not updated`)
  fs.writeFileSync(file, `${text.slice(0, i + start.length)}\n${md}\n${text.slice(j)}`)
  log(`wrote ${path.relative(ROOT, file)}`)
}

/** Requests to a real Kratos's APIs, as JSON. */
async function kratosJson(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json = null
  try {
    json = JSON.parse(text)
  } catch {
    // Not JSON: reported by status.
  }
  return { status: res.status, json }
}

/** Makes identities user-<i>@bench.example for i < n through the admin API (201, or 409 when one exists). */
async function seedKratosIdentities(n) {
  const { email } = require('./lib/emulator')
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const r = await kratosJson('POST', `${kratos.admin}/admin/identities`, { schema_id: opts['kratos-schema'], traits: { email: email(i) } })
      if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${email(i)}: HTTP ${r.status} ${JSON.stringify(r.json?.error ?? r.json)}`)
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
}

/** The same cells against a real Kratos given by URL (see the header). */
async function kratosMain(loadStart) {
  if (!kratos.admin) throw new Error('--kratos needs --kratos-admin <admin URL> (the courier API reads the codes)')
  if (!opts['no-build']) {
    log('== npm run build')
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
  }
  const ready = await kratosJson('GET', `${kratos.admin}/health/ready`)
  if (ready.status !== 200) throw new Error(`${kratos.admin}/health/ready: HTTP ${ready.status}`)
  const version = (await kratosJson('GET', `${kratos.admin}/version`)).json?.version ?? 'unknown'
  const identities = KRATOS_IDENTITIES
  log(`bench: Kratos ${version} at ${kratos.url}; making ${identities} identities`)
  await seedKratosIdentities(identities)
  const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  const kratosPlacements = opts.placement ? placements : [canPin ? 'pinned' : 'unpinned']
  const kratosConcurrencies = opts.concurrency ? concurrencies : mode === 'smoke' ? [1, 4] : [1, 16, 64]
  const results = {
    generatedAt: new Date().toISOString(),
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    mode,
    git: gitHead(),
    kratos: { url: kratos.url, version, pid: opts['kratos-pid'] ? Number(opts['kratos-pid']) : null, db: !!opts['kratos-db'] },
    versions: versions(),
    releaseProfile: releaseProfile(),
    records: [],
  }
  for (const placement of kratosPlacements) {
    for (const c of kratosConcurrencies) {
      for (const impl of impls) {
        const r = await runCell({ url: kratos.url }, impl, c, placement, {
          adminUrl: kratos.admin,
          identities,
          minBatch: Math.min(identities, Math.max(4 * c, 16)),
          warmupSignIns: Math.max(PLAN.kratosWarmupMin, mode === 'smoke' ? 0 : 2 * c),
          serverPids: opts['kratos-pid'] ? [Number(opts['kratos-pid'])] : undefined,
          dbComms: opts['kratos-db'] ? ['postgres'] : undefined,
          clockTicks,
        })
        results.records.push(r)
        log(`${placement.padEnd(8)} c=${String(c).padEnd(3)} ${impl.padEnd(16)} ${String(r.signInsPerSec).padStart(8)}/s  p50 ${r.p50Ms} ms  cpu ${r.cpuMsPerSignIn} ms  kratos ${r.serverCpuMsPerSignIn ?? '–'} ms  db ${r.dbCpuMsPerSignIn ?? '–'} ms  load ${r.loadavg1.join('→')}`)
      }
    }
  }
  results.machine = machine(loadStart)
  const md = report.kratosMarkdown(results)
  process.stdout.write(`${md}\n`)
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`)
  log(`wrote ${path.relative(process.cwd(), outFile)}`)
  if (writeReadme) updateReadme(path.join(__dirname, 'README.md'), md, 'kratos')
}

async function main() {
  const loadStart = loadavg()
  if (kratos) {
    log(`bench: ${mode} mode against Kratos at ${kratos.url}; load average ${loadStart.join(' ')}`)
    return kratosMain(loadStart)
  }
  log(`bench: ${mode} mode; load average ${loadStart.join(' ')}${loadStart[0] > 0.5 ? ' (above 0.5: figures will be noisy)' : ''}`)
  if (!opts['no-build'] && mode !== 'smoke') build()
  if (!fs.existsSync(NODE_FILE)) throw new Error(`${NODE_FILE} is missing: run npm run build`)
  const results = {
    generatedAt: new Date().toISOString(),
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    mode,
    git: gitHead(),
    emulator: emulatorCommand().kind,
    versions: versions(),
    releaseProfile: releaseProfile(),
    nodeFile: { path: path.basename(NODE_FILE), bytes: fs.statSync(NODE_FILE).size },
    requireMs: await requireTime(PLAN.requireRuns),
    records: [],
    ceiling: [],
    soak: null,
  }
  log(`require(): median ${results.requireMs.median} ms; .node ${results.nodeFile.bytes} bytes`)
  for (const placement of placements) {
    for (const c of concurrencies) {
      for (const impl of impls) {
        const r = await withEmulator(placement, (emu) => runCell(emu, impl, c, placement))
        results.records.push(r)
        log(`${placement.padEnd(8)} c=${String(c).padEnd(3)} ${impl.padEnd(16)} ${String(r.signInsPerSec).padStart(8)}/s  p50 ${r.p50Ms} ms  main ${r.mainThreadMsPerSignIn} ms  cpu ${r.cpuMsPerSignIn} ms  load ${r.loadavg1.join('→')}`)
      }
      if (withCeiling) {
        const r = await withEmulator(placement, (emu) => runCeiling(emu, c, placement))
        results.ceiling.push(r)
        log(`${placement.padEnd(8)} c=${String(c).padEnd(3)} ${'ceiling'.padEnd(16)} ${String(r.signInsPerSec).padStart(8)}/s  p50 ${r.p50Ms} ms`)
      }
    }
  }
  if (withSoak) {
    const placement = placements.includes('pinned') ? 'pinned' : placements[0]
    const c = mode === 'smoke' ? 4 : 64
    const soak = await withEmulator(placement, (emu) =>
      runCell(emu, 'addon', c, placement, { soak: true, warmupSignIns: PLAN.soakWarmup, warmupMs: 0, minSignIns: PLAN.soak, maxSignIns: PLAN.soak, seconds: 0 }),
    )
    results.soak = soak
    log(`soak: ${soak.signIns} sign-ins, RSS ${soak.rssAfterWarmupMb} → ${soak.rssEndMb} MB`)
  }
  results.machine = machine(loadStart)
  results.targets = report.targets(results)
  const md = report.markdown(results)
  process.stdout.write(`${md}\n`)
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`)
  log(`wrote ${path.relative(process.cwd(), outFile)}`)
  if (writeReadme) {
    updateReadme(path.join(__dirname, 'README.md'), md)
    updateReadme(path.join(ROOT, 'README.md'), report.summary(results))
    updateReadme(path.join(ROOT, 'README.md'), report.sizeLine(results), 'size')
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack || err}\n`)
  process.exitCode = 1
})
