#!/usr/bin/env node
// Starts the ory-otc emulator for trying the app by hand, and shows the codes it "mailed".
//
// Run with: npm run emulator              (listens on 127.0.0.1:4433)
//           npm run emulator -- --port 4444
// Then type an e-mail address and press Enter to see the newest code sent to it. Serves until
// Ctrl-C or SIGTERM, also when stdin is closed.
import { createInterface } from 'node:readline/promises'

import { startEmulator } from 'ory-otc-emulator'

const at = process.argv.indexOf('--port')
const port = at > 0 ? Number(process.argv[at + 1]) : 4433
const emu = await startEmulator({ port })
console.log(`Emulator at ${emu.url}. Start the app with ORY_SDK_URL=${emu.url}`)
console.log('Type an e-mail address to see the newest code sent to it (Ctrl-C to stop).')

// The emulator runs on the addon's native threads, which hold no event-loop handle: without this
// timer the process would end as soon as stdin does.
const keepAlive = setInterval(() => {}, 1 << 30)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await emu.close()
    clearInterval(keepAlive)
    process.exit(0)
  })
}

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false })
for await (const line of rl) {
  const email = line.trim()
  if (!email) continue
  console.log(emu.codeFor(email) ?? `no code was sent to ${email}`)
}
