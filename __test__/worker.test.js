// The addon loaded in worker threads at once, each signing a user in; the process stays healthy
// when the workers end.
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { useEmulator, freshEmail } = require('./helpers')

const script = `
const { parentPort, workerData } = require('node:worker_threads')
const { OryOtc } = require(${JSON.stringify(path.join(__dirname, '..'))})
;(async () => {
  const ory = new OryOtc({ baseUrl: workerData.url })
  const sent = await ory.sendLoginCode(workerData.email)
  parentPort.postMessage({ step: 'sent', flowId: sent.flowId, status: sent.status })
  const code = await new Promise((resolve) => parentPort.once('message', resolve))
  const done = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: workerData.email })
  parentPort.postMessage({ step: 'done', status: done.status })
})().catch((e) => parentPort.postMessage({ step: 'error', message: String(e) }))
`

describe('worker threads', () => {
  const emulator = useEmulator()

  test('four workers sign in at once', async () => {
    const emu = emulator()
    const runs = Array.from({ length: 4 }, async () => {
      const email = freshEmail('worker')
      await emu.createIdentity(email)
      const worker = new Worker(script, { eval: true, workerData: { url: emu.url, email } })
      const statuses = []
      await new Promise((resolve, reject) => {
        worker.on('error', reject)
        worker.on('message', (m) => {
          statuses.push(m.status ?? m.message)
          if (m.step === 'sent') worker.postMessage(emu.codeFor(email))
          if (m.step === 'done' || m.step === 'error') resolve()
        })
      })
      await worker.terminate()
      return statuses
    })
    expect(await Promise.all(runs)).toEqual(Array(4).fill(['code_sent', 'signed_in']))
  })

  test('a worker terminated with a call in flight does not take the process down', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'latency', latencyMs: 2000 })
    try {
      const worker = new Worker(script, { eval: true, workerData: { url: emu.url, email: freshEmail('gone') } })
      await new Promise((r) => setTimeout(r, 200))
      await worker.terminate()
    } finally {
      emu.clearFaults()
    }
    // Still alive, and the addon still works on this thread.
    const { OryOtc } = require('..')
    const r = await new OryOtc({ baseUrl: emu.url }).sendLoginCode(freshEmail('after'))
    expect(r.status).toBe('account_not_found')
  })
})
