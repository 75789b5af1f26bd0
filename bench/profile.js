// Runs one cell (pinned: emulator on core 0, client on core 1) under a profiler, for "Where the
// time goes" in README.md. Not part of `npm run bench`.
//
//   node bench/profile.js addon 64 4 -- perf record -F 2999 -g -o /tmp/addon.data
//   node bench/profile.js undici 64 4 -- valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out
//   NAPI_RS_NATIVE_LIBRARY_PATH=/path/to/a/build/with/symbols.node node bench/profile.js addon 64 4 -- perf record -g
//
// Without `-- <command…>` the cell runs bare. Node gets --perf-basic-prof, so perf can name
// JIT frames. The cell's RESULT line is printed as `lib/cell.js` writes it.
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { startEmulator } = require('./lib/emulator')

async function main() {
  const argv = process.argv.slice(2)
  const dash = argv.indexOf('--')
  const [impl = 'addon', c = '64', seconds = '4'] = dash < 0 ? argv : argv.slice(0, dash)
  const wrapper = dash < 0 ? [] : argv.slice(dash + 1)
  const concurrency = Number(c)
  if (!Number.isInteger(concurrency) || concurrency < 1 || !(Number(seconds) > 0)) {
    throw new Error('usage: node bench/profile.js <impl> <concurrency> <seconds> [-- <profiler command…>]')
  }
  const identities = 4096
  const emu = await startEmulator({ identities, cpu: 0 })
  try {
    const config = {
      impl,
      concurrency,
      baseUrl: emu.url,
      identities,
      warmupSignIns: 2000,
      warmupMs: 1000,
      seconds: Number(seconds),
      minSignIns: 0,
      maxSignIns: 1e6,
      minBatch: Math.min(identities, Math.max(4 * concurrency, 64)), // as run.js's runCell
    }
    const node = [process.execPath, '--expose-gc', '--perf-basic-prof', path.join(__dirname, 'lib', 'cell.js'), JSON.stringify(config)]
    const cmd = ['taskset', '-c', '1', ...wrapper, ...node]
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60 * 1000 })
    if (r.error) throw r.error
    process.stdout.write(r.stdout.toString())
    if (r.status !== 0) process.exitCode = r.status ?? 1
  } finally {
    await emu.stop()
  }
}

main().catch((err) => {
  process.stderr.write(`profile: ${err.message}\n`)
  process.exitCode = 1
})
