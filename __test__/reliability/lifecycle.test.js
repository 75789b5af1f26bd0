// Lifecycle (issue 7, item 6): workers that come and go with calls in flight, and a process asked
// to exit while calls hang. (Test runners and open handles: __test__/open-handles.test.js.)
// (Four workers signing in at once is __test__/worker.test.js.)
const path = require('node:path')
const { spawn } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { OryOtc } = require('../..')
const { startEmulator } = require('ory-otc-emulator')
const { useEmulator, freshEmail } = require('../helpers')

const root = path.join(__dirname, '..', '..')

/** Runs `node -e script` with `env`; resolves exit code, signal, output and how long it ran. */
function child(script, { env = {}, onStdout, killAfterMs = 30000 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now()
    const c = spawn(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH, ...env } })
    let stdout = ''
    let stderr = ''
    c.stdout.on('data', (d) => {
      stdout += d
      onStdout?.(stdout, c)
    })
    c.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => c.kill('SIGKILL'), killAfterMs)
    c.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, child: c })
    })
  })
}

// What a crash leaves on stderr: a Rust panic, a fatal V8/Node error, a segfault report.
const CRASH = /panicked|fatal|Segmentation|Aborted|core dumped|FATAL|napi_/

describe('worker threads', () => {
  const emulator = useEmulator()

  const script = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { OryOtc } = require(${JSON.stringify(root)})
    const ory = new OryOtc({ baseUrl: workerData.url, timeoutMs: 30000 })
    for (let i = 0; i < 50; i++) ory.sendLoginCode('w' + i + '@example.com').catch(() => {})
    parentPort.postMessage('started')
    if (workerData.exitItself) setTimeout(() => process.exit(0), 20)
  `

  test('20 workers started and ended with 50 calls each in flight; the addon still works here', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'latency', latencyMs: 2000 })
    try {
      for (let i = 0; i < 20; i++) {
        const worker = new Worker(script, { eval: true, workerData: { url: emu.url, exitItself: i % 2 === 1 } })
        const exited = new Promise((resolve, reject) => {
          worker.on('error', reject)
          worker.on('exit', resolve)
        })
        await new Promise((resolve) => worker.once('message', resolve))
        if (i % 2 === 0) await worker.terminate()
        // terminate() ends a worker with exit code 1; one that calls process.exit(0) ends with 0.
        expect({ worker: i, code: await exited }).toEqual({ worker: i, code: i % 2 === 0 ? 1 : 0 })
      }
    } finally {
      emu.clearFaults()
    }
    const r = await new OryOtc({ baseUrl: emu.url }).sendLoginCode(freshEmail('after-workers'))
    expect(r.status).toBe('account_not_found')
  }, 60000)
})

// "At once", with room for a loaded machine: the calls hang until their 60 s timeout, so a
// process that waited for them would still be running when `child` kills it at 30 s.
const AT_ONCE_MS = 10000

describe('a process with calls in flight', () => {
  let emu
  beforeAll(async () => {
    emu = await startEmulator()
    // Every call hangs: only the timeout (60 s here) or the process ending stops it.
    emu.setFault({ kind: 'hang' })
  })
  afterAll(() => emu?.close())

  const script = (then) => `
    const { OryOtc } = require(${JSON.stringify(root)})
    const ory = new OryOtc({ baseUrl: process.env.URL, timeoutMs: Number(process.env.TIMEOUT_MS || 60000) })
    const controller = new AbortController()
    const calls = Array.from({ length: 100 }, (_, i) =>
      ory.sendLoginCode('p' + i + '@example.com', { signal: controller.signal }).catch((e) => e.code))
    ${then}
    setTimeout(() => console.log('ready'), 300)
  `

  async function exitAfterReady(then, act, env = {}) {
    let readyAt
    const out = await child(script(then), {
      env: { URL: emu.url, ...env },
      onStdout: (stdout, c) => {
        if (!readyAt && stdout.includes('ready')) {
          readyAt = Date.now()
          act(c)
        }
      },
    })
    return { ...out, afterReadyMs: Date.now() - readyAt }
  }

  test('process.exit() ends it at once, exit code 0, no crash', async () => {
    const out = await exitAfterReady('setTimeout(() => process.exit(0), 400)', () => {})
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
    expect(out.afterReadyMs).toBeLessThan(AT_ONCE_MS)
    expect(out.stderr).not.toMatch(CRASH)
  })

  test('SIGTERM without a handler ends it at once', async () => {
    const out = await exitAfterReady('', (c) => c.kill('SIGTERM'))
    expect(out.signal).toBe('SIGTERM')
    expect(out.afterReadyMs).toBeLessThan(AT_ONCE_MS)
    expect(out.stderr).not.toMatch(CRASH)
  })

  // On Windows, Node's kill() ends the child forcefully whatever the signal (Node's docs,
  // subprocess.kill): no handler runs there, so there is nothing of the addon's to check.
  const handledSigint = process.platform === 'win32' ? test.skip : test
  if (process.platform === 'win32') {
    console.log(`"SIGINT handled by process.exit()" skipped: Windows has no signals to handle (kill() ends the process); this is ${process.platform}`)
  }
  handledSigint('SIGINT handled by process.exit() ends it at once', async () => {
    const out = await exitAfterReady("process.on('SIGINT', () => process.exit(130))", (c) => c.kill('SIGINT'))
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 130, signal: null })
    expect(out.afterReadyMs).toBeLessThan(AT_ONCE_MS)
    expect(out.stderr).not.toMatch(CRASH)
  })

  test('aborting the calls lets the process end by itself at once', async () => {
    const out = await exitAfterReady("setTimeout(() => controller.abort(), 400)", () => {})
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
    expect(out.afterReadyMs).toBeLessThan(AT_ONCE_MS)
  })

  test('left alone, it ends by itself once the calls time out (timeoutMs)', async () => {
    const out = await child(script('Promise.all(calls).then((codes) => console.log(JSON.stringify([...new Set(codes)])))'), {
      env: { URL: emu.url, TIMEOUT_MS: '1500' },
    })
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
    expect(out.stdout).toContain('["ERR_ORY_TIMEOUT"]')
    // Node starts, loads the addon, then 1.5 s of timeout. The upper bound leaves a loaded
    // machine 5 s and stays below the default 10 s timeout, so a timeoutMs not honoured fails.
    expect(out.ms).toBeGreaterThanOrEqual(1500)
    expect(out.ms).toBeLessThan(1500 + 5000)
  })
})
