// Testing your own code with the emulator: no Docker, no second process.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

let emu
let ory
beforeAll(async () => {
  emu = await startEmulator({ identities: ['ada@example.com'] })
  ory = new OryOtc({ baseUrl: emu.url })
})
afterAll(() => emu.close())

test('a known address signs in with the mailed code', async () => {
  const sent = await ory.sendLoginCode('ada@example.com')
  expect(sent.status).toBe('code_sent')

  const code = emu.codeFor('ada@example.com') // the newest code the emulator "mailed"
  const done = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: sent.identifier })
  expect(done.status).toBe('signed_in')
  expect(done.identity.traits.email).toBe('ada@example.com')
})

test('an expired flow is a result, not an exception', async () => {
  const sent = await ory.sendLoginCode('ada@example.com')
  emu.advanceTime(61 * 60 * 1000) // flows live one hour
  const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: emu.codeFor('ada@example.com') })
  expect(r.status).toBe('flow_expired')
})

test('when Ory is down, calls reject with OryOtcError', async () => {
  emu.setFault({ kind: 'bad_gateway', times: 3 })
  await expect(ory.sendLoginCode('ada@example.com')).rejects.toMatchObject({ code: 'ERR_ORY_SERVER', status: 502 })
})
