// A fresh emulator and client for every test.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

let emu
let ory
beforeEach(async () => {
  emu = await startEmulator({ identities: ['b@example.com'] })
  ory = new OryOtc({ baseUrl: emu.url })
})
afterEach(async () => {
  await emu.close()
})

test('sends a code', async () => {
  expect((await ory.sendLoginCode('b@example.com')).status).toBe('code_sent')
})

test('an unknown account is a result', async () => {
  expect((await ory.sendLoginCode('nobody@example.com')).status).toBe('account_not_found')
})
