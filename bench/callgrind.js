#!/usr/bin/env node
// Instructions per sign-in in the client process, counted by `valgrind --tool=callgrind`: a
// figure that does not move with the machine's load, for comparing one build with the next.
// Not part of `npm run bench`.
//
//   node bench/callgrind.js [impl=addon] [concurrency=64] [small=256] [large=768] [--keep <dir>]
//
// Runs one cell (lib/cell.js) of `small` and one of `large` sign-ins under callgrind, each in a
// fresh client process against a fresh emulator (native, pinned to core 0; the client on core 1),
// both after the same warm-up, and prints the marginal cost per sign-in: (I(large) - I(small)) /
// (large - small), for the whole client process, for its JS thread (the main thread, where
// Node runs JS) and the other threads (the addon's runtime, V8's helpers, libuv's pool), and
// for each shared object in it (the addon's `.node`, node itself, libc, ...). Startup, module
// loading and the warm-up cancel out.
// NAPI_RS_NATIVE_LIBRARY_PATH picks another build of the addon, as in profile.js.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startEmulator } = require('./lib/emulator')

const WARMUP = 256
const IDENTITIES = 4096

/**
 * Self cost (Ir) per object of a callgrind output file. Cost lines belong to the current `fn`,
 * whose object is the current `ob`; the line after a `calls=` line is the inclusive cost of
 * that call and is skipped. Names are compressed: `ob=(3) /path` defines 3, `ob=(3)` uses it.
 */
function costByObject(file, byObject = new Map()) {
  const names = new Map()
  let ob = '?'
  let skipNext = false
  let total = null
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('ob=')) {
      const m = /^ob=(?:\((\d+)\))?\s*(.*)$/.exec(line)
      if (m[2]) names.set(m[1], m[2])
      ob = m[2] || names.get(m[1]) || '?'
    } else if (line.startsWith('cob=')) {
      const m = /^cob=(?:\((\d+)\))?\s*(.*)$/.exec(line)
      if (m[1] && m[2]) names.set(m[1], m[2])
    } else if (line.startsWith('calls=')) {
      skipNext = true
    } else if (/^[0-9+\-*]/.test(line)) {
      if (skipNext) {
        skipNext = false
        continue
      }
      const fields = line.trim().split(/\s+/)
      const ir = Number(fields[1] ?? 0)
      byObject.set(ob, (byObject.get(ob) ?? 0) + ir)
    } else if (line.startsWith('totals:') || line.startsWith('summary:')) {
      total = Number(line.split(/\s+/)[1])
    }
  }
  return { total, byObject }
}

/** `costByObject` over the per-thread files of one run (`--separate-threads=yes`): thread 1 is
 * the main thread. */
function costByThread(out) {
  const dir = path.dirname(out)
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${path.basename(out)}-`))
    .sort()
  const byObject = new Map()
  let total = 0
  let main = 0
  for (const f of files) {
    const t = costByObject(path.join(dir, f), byObject).total ?? 0
    total += t
    if (/-0*1$/.test(f)) main = t
  }
  return { total, main, byObject, files: files.map((f) => path.join(dir, f)) }
}

async function measure(impl, concurrency, signIns, keepDir) {
  const emu = await startEmulator({ identities: IDENTITIES, cpu: 0 })
  const out = path.join(keepDir ?? os.tmpdir(), `callgrind.${impl}.c${concurrency}.n${signIns}.${process.pid}.out`)
  try {
    const config = {
      impl,
      concurrency,
      baseUrl: emu.url,
      identities: IDENTITIES,
      warmupSignIns: WARMUP,
      warmupMs: 0,
      seconds: 0,
      minSignIns: signIns,
      maxSignIns: signIns,
      minBatch: Math.min(IDENTITIES, Math.max(4 * concurrency, 64)),
    }
    const cmd = [
      'taskset', '-c', '1',
      'valgrind', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`,
      process.execPath, '--expose-gc', path.join(__dirname, 'lib', 'cell.js'), JSON.stringify(config),
    ]
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000 })
    if (r.error) throw r.error
    const line = r.stdout.toString().split('\n').find((l) => l.startsWith('RESULT '))
    const result = line ? JSON.parse(line.slice(7)) : { error: `no result line:\n${r.stderr}` }
    if (result.error) throw new Error(result.error)
    const cost = costByThread(out)
    if (!keepDir) for (const f of cost.files) fs.rmSync(f, { force: true })
    return cost
  } finally {
    await emu.stop()
  }
}

async function main() {
  const args = process.argv.slice(2)
  const keep = args.indexOf('--keep')
  const keepDir = keep < 0 ? undefined : args.splice(keep, 2)[1]
  const [impl = 'addon', c = '64', small = '256', large = '768'] = args
  const concurrency = Number(c)
  const [n1, n2] = [Number(small), Number(large)]
  if (!(n2 > n1 && n1 > 0 && n2 <= IDENTITIES)) throw new Error(`need 0 < small < large <= ${IDENTITIES}`)
  const a = await measure(impl, concurrency, n1, keepDir)
  const b = await measure(impl, concurrency, n2, keepDir)
  const per = (x, y) => Math.round(((y ?? 0) - (x ?? 0)) / (n2 - n1))
  const objects = [...new Set([...a.byObject.keys(), ...b.byObject.keys()])]
    .map((ob) => ({ object: path.basename(ob), perSignIn: per(a.byObject.get(ob), b.byObject.get(ob)) }))
    .sort((x, y) => y.perSignIn - x.perSignIn)
  const result = {
    impl,
    concurrency,
    signIns: [n1, n2],
    library: process.env.NAPI_RS_NATIVE_LIBRARY_PATH ?? null,
    instructionsPerSignIn: per(a.total, b.total),
    jsThread: per(a.main, b.main),
    otherThreads: per(a.total - a.main, b.total - b.main),
    byObject: objects.filter((o) => Math.abs(o.perSignIn) >= 1000),
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

main().catch((err) => {
  process.stderr.write(`callgrind: ${err.stack || err}\n`)
  process.exitCode = 1
})
