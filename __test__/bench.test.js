// A smoke run of the benchmark harness (bench/run.js --smoke): a few dozen sign-ins per
// implementation against an emulator process, so that the harness does not rot. Benchmarks are
// not tests: nothing here checks a timing.
const { execFile, execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const BENCH = path.join(__dirname, '..', 'bench')
const IMPLS = ['addon', 'undici', 'node-http', 'axios', 'fetch', 'ory-client-fetch']
const RECORD_FIELDS = ['signInsPerSec', 'p50Ms', 'p99Ms', 'mainThreadMsPerSignIn', 'cpuMsPerSignIn', 'peakRssMb']

function runSmoke(out) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(BENCH, 'run.js'), '--smoke', '--no-build', '--out', out],
      { cwd: BENCH, timeout: 170000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    )
  })
}

describe('bench/run.js options', () => {
  const run = (args) => spawnSync(process.execPath, [path.join(BENCH, 'run.js'), ...args], { cwd: BENCH, encoding: 'utf8', timeout: 30000 })

  test('--help prints the usage and exits 0, without running anything', () => {
    const r = run(['--help'])
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(r.stdout).toMatch(/^`npm run bench`/)
    expect(r.stdout).toContain('node run.js --smoke')
  })

  test('an unknown option is named on one line, with no stack trace, and exits 2', () => {
    const r = run(['--bogus'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^bench: Unknown option '--bogus'/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout).toBe('')
  })
})

// The harness reads CPU times from /proc and pins with taskset: Linux only.
const onLinux = process.platform === 'linux'
if (!onLinux) console.log(`bench/run.js --smoke skipped: the benchmark harness reads /proc and uses taskset (Linux only); this is ${process.platform}`)
;(onLinux ? describe : describe.skip)('bench/run.js --smoke', () => {
  let results
  let stdout

  beforeAll(async () => {
    if (!fs.existsSync(path.join(BENCH, 'node_modules', 'axios'))) {
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: BENCH, stdio: 'ignore', timeout: 120000 })
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ory-otc-bench-')), 'smoke.json')
    stdout = await runSmoke(out)
    results = JSON.parse(fs.readFileSync(out, 'utf8'))
  }, 300000)

  test('every implementation completes its sign-ins at every concurrency', () => {
    for (const impl of IMPLS) {
      for (const concurrency of [1, 4]) {
        const r = results.records.find((x) => x.impl === impl && x.concurrency === concurrency)
        expect(r).toEqual(expect.objectContaining({ impl, concurrency, placement: 'unpinned', signIns: 24 }))
      }
    }
    expect(results.records).toHaveLength(IMPLS.length * 2)
  })

  test('each record carries the measured fields as numbers', () => {
    for (const r of results.records) {
      for (const field of RECORD_FIELDS) expect(Number.isFinite(r[field])).toBe(true)
      expect(typeof r.label).toBe('string')
    }
  })

  test('the run records the soak, require() time, the .node size and the machine', () => {
    expect(results.soak).toEqual(expect.objectContaining({ impl: 'addon', signIns: 200 }))
    expect(Number.isFinite(results.soak.rssAfterWarmupMb) && Number.isFinite(results.soak.rssEndMb)).toBe(true)
    expect(results.requireMs.runs).toHaveLength(3)
    expect(results.nodeFile.bytes).toBeGreaterThan(0)
    expect(results.machine.cpus).toBeGreaterThan(0)
    expect(results.targets.map((t) => t.target)).toEqual(expect.arrayContaining(['require() < 5 ms', '.node ≤ 4 MiB']))
  })

  test('prints the markdown table', () => {
    expect(stdout).toContain('| placement | c | implementation | sign-ins/s |')
    expect(stdout).toContain('| unpinned | 4 | axios |')
  })
})
