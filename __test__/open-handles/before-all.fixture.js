// beforeAll/afterAll around several tests: the README's shape.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

let emu
let ory
beforeAll(async () => {
  emu = await startEmulator({ identities: ['a@example.com'] })
  ory = new OryOtc({ baseUrl: emu.url })
})
afterAll(() => emu.close())

test('sends a code', async () => {
  expect((await ory.sendLoginCode('a@example.com')).status).toBe('code_sent')
})

test('signs in', async () => {
  const sent = await ory.sendLoginCode('a@example.com')
  const done = await ory.verifyLoginCode({ flowId: sent.flowId, code: emu.codeFor('a@example.com'), identifier: sent.identifier })
  expect(done.status).toBe('signed_in')
})
