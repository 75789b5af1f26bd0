// A call still in flight when its test ends (nobody awaits it); the emulator closes after the file.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

let emu
let ory
const settled = []
beforeAll(async () => {
  emu = await startEmulator({ identities: ['e@example.com'] })
  ory = new OryOtc({ baseUrl: emu.url })
})
afterAll(() => emu.close())

test('starts a call and returns without awaiting it', () => {
  ory.sendLoginCode('e@example.com').then(
    (r) => settled.push(r.status),
    (e) => settled.push(e.code),
  )
  expect(settled).toEqual([])
})

test('the next test runs while it may still be in flight', async () => {
  expect((await ory.sendLoginCode('e@example.com')).status).toBe('code_sent')
})
