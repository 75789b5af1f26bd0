// A client created at module top level, before any hook; the emulator started lazily.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

const ory = new OryOtc({ baseUrl: 'http://127.0.0.1:9' }) // nothing listens: port 9 (discard) is closed
let emu

afterAll(() => emu?.close())

test('a refused connection rejects, and the client stays usable', async () => {
  await expect(ory.whoami('ory_st_00000000000000000000000000000000')).rejects.toMatchObject({ code: 'ERR_ORY_NETWORK' })
})

test('a second client against an emulator signs in', async () => {
  emu = await startEmulator({ identities: ['d@example.com'] })
  const other = new OryOtc({ baseUrl: emu.url })
  expect((await other.sendLoginCode('d@example.com')).status).toBe('code_sent')
})
