#!/usr/bin/env node
// Soak: many calls on one OryOtc, and the process's RSS sampled as they go. The emulator runs
// in a child process, so what is measured is the client alone.
//
//   npm run soak                                   100,000 calls, RSS budget 20 MB after warm-up
//   node --expose-gc scripts/soak.mjs --calls 5000 --warmup 2000 --json
//
// The mix, each call checked against the result or error it must give: sends to known and
// unknown addresses, wrong codes, full sign-ins (send, code, verify, whoami, logout), whoami
// and logout with unknown tokens, and failures: a refused port (ERR_ORY_NETWORK), a server that
// never answers (ERR_ORY_TIMEOUT), an aborted signal (ERR_ORY_ABORTED) and bad arguments
// (TypeError). Exits 1 if any call ends otherwise, or if RSS after warm-up grows by more than
// the budget. Every server is on loopback; the run is bounded by --calls and --max-seconds.
import { createRequire } from 'node:module'
import net from 'node:net'
import { parseArgs } from 'node:util'

const require = createRequire(import.meta.url)
const { OryOtc } = require('..')
const { emulatorProcess, refusedUrl } = require('../__test__/reliability/harness.js')

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '100000' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    samples: { type: 'string', default: '40' },
    'limit-mb': { type: 'string', default: '20' },
    'max-seconds': { type: 'string', default: '1800' },
    json: { type: 'boolean', default: false },
    // Runs one kind of call only (see MIX), to find which one a growth comes from.
    only: { type: 'string' },
  },
})
const CALLS = Number(args.calls)
const WARMUP = Number(args.warmup ?? Math.min(10000, Math.floor(CALLS / 5)))
const CONCURRENCY = Number(args.concurrency)
const LIMIT = Number(args['limit-mb']) * 2 ** 20
const DEADLINE = Date.now() + Number(args['max-seconds']) * 1000
const SAMPLE_EVERY = Math.max(1, Math.floor((CALLS - WARMUP) / Number(args.samples)))

const log = (...a) => args.json || console.error(...a)
const mb = (n) => Math.round((n / 2 ** 20) * 10) / 10

// A server that reads requests and never answers, for the timeout path. It reads (and drops)
// what comes in, so it sees the client close a connection: a paused socket would not, and
// would hold every timed-out connection open on this side.
const silent = net.createServer()
await new Promise((r) => silent.listen(0, '127.0.0.1', r))
const sockets = new Set()
silent.on('connection', (s) => {
  sockets.add(s)
  s.resume()
  s.on('close', () => sockets.delete(s))
})

const KNOWN = Array.from({ length: 200 }, (_, i) => `soak-${i}@example.com`)
// Sign-ins read back the newest code of their address, so each has an address no other call
// uses: more of them than can be in flight at once.
const SIGN_IN = Array.from({ length: 4 * CONCURRENCY }, (_, i) => `soak-sign-in-${i}@example.com`)
const emu = await emulatorProcess({ identities: [...KNOWN, ...SIGN_IN] })
const ory = new OryOtc({ baseUrl: emu.url, timeoutMs: 10000 })
const refused = new OryOtc({ baseUrl: await refusedUrl(), timeoutMs: 2000 })
const hanging = new OryOtc({ baseUrl: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 30 })
const aborted = AbortSignal.abort()
const WRONG = '000000000'

const expectStatus = (status) => (r) => {
  if (r?.status !== status) throw new Error(`expected ${status}, got ${JSON.stringify(r)?.slice(0, 300)}`)
}
const expectCode = (code) => [
  (r) => {
    throw new Error(`expected ${code}, resolved ${JSON.stringify(r)?.slice(0, 300)}`)
  },
  (e) => {
    if (e?.code !== code) throw new Error(`expected ${code}, got ${e?.code}: ${e?.message}`)
  },
]

let unknown = 0
let signIns = 0
async function signIn() {
  const email = SIGN_IN[signIns++ % SIGN_IN.length]
  const sent = await ory.sendLoginCode(email)
  expectStatus('code_sent')(sent)
  const code = await emu.call('codeFor', email)
  const done = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: email })
  expectStatus('signed_in')(done)
  expectStatus('active')(await ory.whoami(done.sessionToken))
  expectStatus('logged_out')(await ory.logout(done.sessionToken))
}

// Call i of the mix (20 kinds, weighted by how often they appear in the list).
const ALL = [
  ...Array(6).fill('send_known'),
  ...Array(2).fill('send_unknown'),
  ...Array(3).fill('wrong_code'),
  'sign_in',
  ...Array(2).fill('whoami_unknown'),
  'logout_unknown',
  'refused',
  'timeout',
  'aborted',
  'bad_argument',
  'bad_code',
]
const MIX = args.only ? args.only.split(',') : ALL
if (MIX.some((k) => !ALL.includes(k))) throw new Error(`--only takes: ${[...new Set(ALL)].join(', ')}`)
const counts = Object.fromEntries(MIX.map((k) => [k, 0]))

function one(i) {
  const kind = MIX[i % MIX.length]
  counts[kind] += 1
  const email = KNOWN[i % KNOWN.length]
  switch (kind) {
    case 'send_known':
      return ory.sendLoginCode(email).then(expectStatus('code_sent'))
    case 'send_unknown':
      return ory.sendLoginCode(`nobody-${unknown++}@example.com`).then(expectStatus('account_not_found'))
    case 'wrong_code':
      return ory
        .sendLoginCode(email)
        .then((sent) => ory.verifyLoginCode({ flowId: sent.flowId, code: WRONG, identifier: email }))
        .then(expectStatus('invalid_code'))
    case 'sign_in':
      return signIn()
    case 'whoami_unknown':
      return ory.whoami(`ory_st_unknown${i}`).then(expectStatus('unauthorized'))
    case 'logout_unknown':
      return ory.logout(`ory_st_unknown${i}`).then(expectStatus('unknown_session'))
    case 'refused':
      return refused.whoami('ory_st_x').then(...expectCode('ERR_ORY_NETWORK'))
    case 'timeout':
      return hanging.sendLoginCode(email).then(...expectCode('ERR_ORY_TIMEOUT'))
    case 'aborted':
      return ory.sendLoginCode(email, { signal: aborted }).then(...expectCode('ERR_ORY_ABORTED'))
    case 'bad_argument':
      return ory.sendLoginCode(`a\u0000${email}`).then(...expectCode('ERR_INVALID_ARG_VALUE'))
    case 'bad_code':
      return ory.verifyLoginCode({ flowId: '6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b', code: 123456 }).then(...expectCode('ERR_INVALID_ARG_TYPE'))
  }
}

function rss() {
  globalThis.gc?.()
  return process.memoryUsage().rss
}

/** RSS less V8's heap reservation: the addon's own memory, libuv's and malloc's. */
function native() {
  const { rss, heapTotal } = process.memoryUsage()
  return rss - heapTotal
}

const samples = []
let baseline
let nativeBaseline
let heapBaseline
// `next` is the index of the next call to start; `completed` counts calls that have ended (checked
// or failed). Only `completed` is reported: when --max-seconds cuts the run short, calls never
// started are not counted as done.
let next = 0
let completed = 0
let cutByDeadline = false
let failures = 0
let firstFailure
const started = Date.now()

async function worker() {
  for (;;) {
    if (next >= CALLS) return
    if (Date.now() > DEADLINE) {
      cutByDeadline = true
      return
    }
    const i = next++
    try {
      await one(i)
    } catch (e) {
      failures += 1
      firstFailure ??= `call ${i} (${MIX[i % MIX.length]}): ${e?.message ?? e}`
    }
    completed += 1
    if (completed === WARMUP) {
      baseline = rss()
      nativeBaseline = native()
      heapBaseline = process.memoryUsage().heapUsed
      log(`warm-up done after ${WARMUP} calls: RSS ${mb(baseline)} MB`)
    } else if (completed > WARMUP && (completed - WARMUP) % SAMPLE_EVERY === 0) {
      const now = rss()
      const { heapUsed, heapTotal, external } = process.memoryUsage()
      samples.push({ calls: completed, rssMb: mb(now), nativeMb: mb(now - heapTotal), heapUsedMb: mb(heapUsed), heapTotalMb: mb(heapTotal), externalMb: mb(external) })
      log(`${completed} calls: RSS ${mb(now)} MB (${now >= baseline ? '+' : ''}${mb(now - baseline)}), JS heap ${mb(heapUsed)}/${mb(heapTotal)} MB, external ${mb(external)} MB`)
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, worker))
const seconds = (Date.now() - started) / 1000
const final = rss()
const peak = Math.max(final, ...samples.map((s) => s.rssMb * 2 ** 20))
const report = {
  calls: completed,
  callsAsked: CALLS,
  cutByDeadline,
  seconds: Math.round(seconds * 10) / 10,
  callsPerSecond: Math.round(completed / seconds),
  concurrency: CONCURRENCY,
  warmupCalls: WARMUP,
  // null when warm-up was never reached: there is then nothing to measure growth from.
  rssAfterWarmupMb: baseline === undefined ? null : mb(baseline),
  rssPeakAfterWarmupMb: mb(peak),
  rssFinalMb: mb(final),
  growthMb: baseline === undefined ? null : mb(peak - baseline),
  // Of that growth, what is not V8's heap (whose reservation V8 sizes to the allocation rate).
  nativeGrowthMb: mb(Math.max(...samples.map((s) => s.nativeMb * 2 ** 20), native()) - (nativeBaseline ?? native())),
  heapUsedGrowthMb: mb(Math.max(...samples.map((s) => s.heapUsedMb * 2 ** 20)) - (heapBaseline ?? 0)),
  limitMb: mb(LIMIT),
  failures,
  firstFailure,
  mix: counts,
  samples,
}
// Not ok unless every call asked for ran to its end, and warm-up was reached (else there is no
// baseline and the growth would be measured from the end of the run).
report.ok = failures === 0 && completed === CALLS && !cutByDeadline && baseline !== undefined && peak - baseline <= LIMIT
if (completed !== CALLS) console.error(`only ${completed} of ${CALLS} calls completed${cutByDeadline ? ` before --max-seconds ${args['max-seconds']}` : ''}`)
if (baseline === undefined) console.error(`warm-up (${WARMUP} calls) was not reached: no RSS growth was measured`)

await emu.close()
for (const s of sockets) s.destroy()
silent.close()
console.log(args.json ? JSON.stringify(report) : JSON.stringify(report, null, 2))
process.exitCode = report.ok ? 0 : 1
