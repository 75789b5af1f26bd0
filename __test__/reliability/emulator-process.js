// The emulator in a process of its own, driven over IPC by harness.emulatorProcess(): the load
// test and scripts/soak.mjs measure a client process without the emulator's sockets and state.
// Messages: { id, op, args } -> { id, value } | { id, error }; { op: 'close' } closes and exits.
'use strict'
const path = require('node:path')
const { startEmulator } = require('ory-otc-emulator')

async function main() {
  const emu = await startEmulator(JSON.parse(process.argv[2] || '{}'))
  const ops = {
    requestCount: () => emu.requestCount,
    createIdentities: (emails) => {
      for (const email of emails) emu.createIdentity(email)
      return emails.length
    },
    codeFor: (email) => emu.codeFor(email),
    setFault: (fault) => emu.setFault(fault),
    clearFaults: () => emu.clearFaults(),
    rss: () => process.memoryUsage().rss,
  }
  process.on('message', async (m) => {
    if (m.op === 'close') {
      await emu.close()
      process.disconnect()
      return
    }
    try {
      process.send({ id: m.id, value: await ops[m.op](...m.args) })
    } catch (e) {
      process.send({ id: m.id, error: String(e?.message ?? e) })
    }
  })
  // The parent going away ends this process too.
  process.on('disconnect', () => emu.close().finally(() => process.exit(0)))
  process.send({ ready: true, url: emu.url })
}

main().catch((e) => {
  process.stderr.write(`emulator process: ${e?.stack ?? e}\n`)
  process.exit(1)
})
