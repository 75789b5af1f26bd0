// One measurement cell, in its own process: one implementation at one concurrency. The runner
// starts it (pinned or not) and reads one JSON line from stdout.
//
// A batch of sign-ins runs in two timed phases at the given concurrency, with the untimed
// mailbox read between them, as in real use, where "send the code" and "verify the code" are
// two separate requests to the app, minutes apart:
//   send phase:   create a login flow + submit the address (Kratos answers 400 "code sent")
//   (untimed)     read the batch's codes from the emulator's courier API
//   verify phase: submit the code (200 with the session token)
// Every sign-in of a batch uses its own account, so each code is found by its address.
// Throughput, main-thread time and CPU are summed over the timed phases only; a sign-in's
// latency is its send latency plus its verify latency.
'use strict'
const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const fs = require('node:fs')
const { codeReader, kratosCodeReader } = require('./codes')
const { email } = require('./emulator')

const config = JSON.parse(process.argv[2])

/** Runs `fn(i)` for i in [0, n) with `c` workers. */
async function pool(n, c, fn) {
  let next = 0
  const worker = async () => {
    while (next < n) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker))
}

/** CPU ms (user + system) so far of the processes `pids`, and of every process named one of
 * `comms` (PostgreSQL's backends come and go). */
function cpuMsOf(pids = [], comms = []) {
  const all = new Set(pids)
  if (comms.length) {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      try {
        if (comms.includes(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) all.add(Number(pid))
      } catch {
        // Gone meanwhile.
      }
    }
  }
  let ticks = 0
  for (const pid of all) {
    try {
      // After the command name: state is field 3, utime and stime are fields 14 and 15.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // Gone meanwhile: its time is lost to this measure.
    }
  }
  return (ticks * 1000) / (config.clockTicks ?? 100)
}

function snapshot() {
  const ru = process.resourceUsage()
  const switches = ru.voluntaryContextSwitches + ru.involuntaryContextSwitches
  // The server's processes (a real Kratos and its database), when the runner names them.
  const server = config.serverPids ? cpuMsOf(config.serverPids) : 0
  const db = config.dbComms ? cpuMsOf([], config.dbComms) : 0
  return { t: performance.now(), elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), switches, server, db }
}

function between(a, b) {
  return {
    wallMs: b.t - a.t,
    mainMs: b.elu.active - a.elu.active,
    cpuMs: (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000,
    sysMs: (b.cpu.system - a.cpu.system) / 1000,
    switches: b.switches - a.switches,
    serverMs: b.server - a.server,
    dbMs: b.db - a.db,
  }
}

async function batch(client, reader, n, c) {
  const emails = Array.from({ length: n }, (_, i) => email(i))
  const flowIds = new Array(n)
  const latency = new Float64Array(n)
  const s0 = snapshot()
  await pool(n, c, async (i) => {
    const t = performance.now()
    flowIds[i] = await client.sendCode(emails[i])
    latency[i] = performance.now() - t
  })
  const s1 = snapshot()
  const codes = await reader.read(emails)
  const s2 = snapshot()
  await pool(n, c, async (i) => {
    const t = performance.now()
    const token = await client.verifyCode(flowIds[i], codes.get(emails[i]), emails[i])
    latency[i] += performance.now() - t
    if (!token) throw new Error('no session token')
  })
  const s3 = snapshot()
  const send = between(s0, s1)
  const verify = between(s2, s3)
  return {
    n,
    wallMs: send.wallMs + verify.wallMs,
    mainMs: send.mainMs + verify.mainMs,
    cpuMs: send.cpuMs + verify.cpuMs,
    sysMs: send.sysMs + verify.sysMs,
    switches: send.switches + verify.switches,
    serverMs: send.serverMs + verify.serverMs,
    dbMs: send.dbMs + verify.dbMs,
    latency,
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const round = (x, digits = 3) => (x === null ? null : Number(x.toFixed(digits)))

function rssMb() {
  if (global.gc) global.gc()
  return process.memoryUsage().rss / 2 ** 20
}

async function main() {
  const impl = require(path.join(__dirname, '..', 'impl', config.impl))
  const client = impl.create(config.baseUrl)
  const reader = config.adminUrl ? kratosCodeReader(config.adminUrl) : codeReader(config.baseUrl)
  const c = config.concurrency
  const loadStart = os.loadavg()[0]

  // Warm-up: JIT, connection pools, the emulator's allocator. Not measured.
  let warm = 0
  const warmStart = performance.now()
  while (warm < config.warmupSignIns || performance.now() - warmStart < config.warmupMs) {
    const n = Math.min(config.identities, Math.max(config.warmupSignIns - warm, 4 * c, 64))
    warm += (await batch(client, reader, n, c)).n
  }
  const rssAfterWarmupMb = rssMb()

  // Measured batches: sized from the warm-up rate so that they take about `seconds`.
  const measured = []
  let signIns = 0
  let wallMs = 0
  const rss = []
  const heap = []
  while (signIns < config.minSignIns || (wallMs < config.seconds * 1000 && signIns < config.maxSignIns)) {
    const rate = measured.length ? signIns / wallMs : warm / (performance.now() - warmStart)
    const wanted = Math.max(config.minSignIns - signIns, Math.round(rate * (config.seconds * 1000 - wallMs)))
    const n = Math.min(config.identities, config.maxSignIns - signIns, Math.max(wanted, config.minBatch))
    const b = await batch(client, reader, n, c)
    measured.push(b)
    signIns += b.n
    wallMs += b.wallMs
    if (config.soak) {
      rss.push(round(rssMb(), 1))
      const m = process.memoryUsage()
      heap.push([m.heapTotal, m.heapUsed, m.external].map((x) => round(x / 2 ** 20, 1)))
    }
  }
  const rssEndMb = rssMb()
  await client.close()
  reader.close()

  const all = new Float64Array(signIns)
  let k = 0
  for (const b of measured) {
    all.set(b.latency, k)
    k += b.n
  }
  all.sort()
  const sum = (f) => measured.reduce((a, b) => a + f(b), 0)
  const result = {
    signIns,
    warmupSignIns: warm,
    seconds: round(wallMs / 1000, 3),
    signInsPerSec: round(signIns / (wallMs / 1000), 1),
    p50Ms: round(percentile(all, 50)),
    p99Ms: round(percentile(all, 99)),
    mainThreadMsPerSignIn: round(sum((b) => b.mainMs) / signIns, 4),
    cpuMsPerSignIn: round(sum((b) => b.cpuMs) / signIns, 4),
    systemCpuMsPerSignIn: round(sum((b) => b.sysMs) / signIns, 4),
    contextSwitchesPerSignIn: round(sum((b) => b.switches) / signIns, 2),
    serverCpuMsPerSignIn: config.serverPids ? round(sum((b) => b.serverMs) / signIns, 3) : undefined,
    dbCpuMsPerSignIn: config.dbComms ? round(sum((b) => b.dbMs) / signIns, 3) : undefined,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    loadavg1: [round(loadStart, 2), round(os.loadavg()[0], 2)],
  }
  if (config.soak) Object.assign(result, { rssAfterWarmupMb: round(rssAfterWarmupMb, 1), rssEndMb: round(rssEndMb, 1), rssByBatchMb: rss, heapTotalUsedExternalByBatchMb: heap })
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

main().catch((err) => {
  process.stdout.write(`RESULT ${JSON.stringify({ error: String(err?.stack || err) })}\n`)
  process.exitCode = 1
})
