#!/usr/bin/env node
// The wine hang of README's Platforms section in one process, without Jest and without worker
// threads: CLIENTS OryOtc clients share CALLS sign-in calls, all in flight at once, against an
// emulator that answers each request after LATENCY_MS. Then it asks whether the client and the
// emulator still answer. Both packages must be built for the platform of the Node that runs it.
//
//   node scripts/wine/many-clients.js <output file> [CLIENTS=20] [CALLS=1000] [LATENCY_MS=2000]
//
// It writes to a file, not stdout: wine's node.exe cannot write to a pipe (test-platforms.mjs).
// Exit code 0 when every call settled and both still answer, 1 otherwise. Under wine 8.0 with
// 20 clients it ends with 1 (README, Platforms); with 1 client, or on Linux, with 0.
'use strict'
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const root = path.join(__dirname, '..', '..')
const { OryOtc } = require(root)
const { startEmulator } = require(path.join(root, 'packages', 'emulator'))

const [out, clients = '20', calls = '1000', latencyMs = '2000'] = process.argv.slice(2)
if (!out) {
  console.error('usage: many-clients.js <output file> [clients] [calls] [latency ms]')
  process.exit(2)
}
const t0 = Date.now()
const log = (line) => fs.appendFileSync(out, `${((Date.now() - t0) / 1000).toFixed(1)} s ${line}\n`)
/** `promise`, or a rejection after `ms`: a hang must end the script, not keep it waiting. */
const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))])
const get = (url) =>
  new Promise((resolve, reject) => http.get(url, { agent: false }, (r) => r.resume().on('end', () => resolve(r.statusCode))).on('error', reject))

;(async () => {
  const emu = await startEmulator()
  emu.setFault({ kind: 'latency', latencyMs: Number(latencyMs) })
  // The calls' own timeout (30 s) is below the wait below: on a working runtime every call
  // settles, at worst as ERR_ORY_TIMEOUT.
  const pool = Array.from({ length: Number(clients) }, () => new OryOtc({ baseUrl: emu.url, timeoutMs: 30000 }))
  const counts = {}
  let settled = 0
  const all = Array.from({ length: Number(calls) }, (_, i) =>
    pool[i % pool.length]
      .sendLoginCode(`many-${i}@example.com`)
      .then((r) => r.status, (e) => e.code)
      .then((outcome) => {
        counts[outcome] = (counts[outcome] ?? 0) + 1
        settled += 1
      }),
  )
  log(`${calls} calls from ${clients} clients in flight, emulator latency ${latencyMs} ms`)
  let ok = true
  try {
    await within(Promise.all(all), 60000, 'the calls')
  } catch (e) {
    ok = false
    log(`${e.message}`)
  }
  log(`settled ${settled}/${calls}: ${JSON.stringify(counts)}`)
  emu.clearFaults()
  for (const [what, check] of [
    ['the emulator, asked by Node', () => get(`${emu.url}/self-service/login/api`)],
    ['a new call to the emulator', () => pool[0].sendLoginCode('after@example.com').then((r) => r.status, (e) => e.code)],
  ]) {
    try {
      log(`${what}: ${await within(check(), 10000, what)}`)
    } catch (e) {
      ok = false
      log(e.message)
    }
  }
  log(ok ? 'OK' : 'FAILED')
  process.exit(ok ? 0 : 1)
})().catch((e) => {
  log(`error: ${e.message}`)
  process.exit(1)
})
