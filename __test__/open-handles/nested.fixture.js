// Nested describes, each with hooks of its own.
const { OryOtc } = require('ory-otc')
const { startEmulator } = require('ory-otc-emulator')

describe('outer', () => {
  let emu
  beforeAll(async () => {
    emu = await startEmulator({ identities: ['c@example.com'] })
  })
  afterAll(() => emu.close())

  describe('login', () => {
    let ory
    beforeEach(() => {
      ory = new OryOtc({ baseUrl: emu.url })
    })

    test('sends a code', async () => {
      expect((await ory.sendLoginCode('c@example.com')).status).toBe('code_sent')
    })

    describe('subscribe', () => {
      test('registers a new address', async () => {
        expect((await ory.sendCode('new@example.com')).flowType).toBe('registration')
      })
    })
  })
})
