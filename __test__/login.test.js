// Login with a one-time code, over real sockets against the emulator (docs/kratos-protocol.md §3, §6 login).
const { useEmulator, clientFor, ids, freshEmail, UUID, SESSION_TOKEN } = require('./helpers')

const HOUR = 60 * 60 * 1000

describe('login', () => {
  const emulator = useEmulator()
  let ory
  beforeAll(() => {
    ory = clientFor(emulator())
  })

  async function account() {
    const email = freshEmail('login')
    await emulator().createIdentity(email)
    return email
  }

  test('resolves code_sent when Kratos answers 400 sent_email', async () => {
    const email = await account()
    const r = await ory.sendLoginCode(email.toUpperCase())
    expect(r).toMatchObject({ ok: true, status: 'code_sent', flowType: 'login', identifier: email })
    expect(r.flowId).toMatch(UUID)
    expect(ids(r.messages)).toEqual([1010014])
    expect(r.messages[0]).toMatchObject({ type: 'info' })
    // The flow lives an hour from when it was made, on the emulator's clock (which other tests
    // move forward): measured from the mail that carried the code, sent on that clock a moment after.
    const mailed = emulator().messages().find((m) => m.recipient === email)
    const lifespan = Date.parse(r.expiresAt) - Date.parse(mailed.createdAt)
    expect(lifespan).toBeGreaterThan(HOUR - 5_000)
    expect(lifespan).toBeLessThanOrEqual(HOUR)
    expect(emulator().codeFor(email)).toMatch(/^\d{6}$/)
  })

  test('resolves signed_in with a session token for the mailed code', async () => {
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const r = await ory.verifyLoginCode({
      flowId: sent.flowId,
      code: emulator().codeFor(email),
      identifier: sent.identifier,
    })
    expect(r).toMatchObject({ ok: true, status: 'signed_in', flowType: 'login' })
    expect(r.sessionToken).toMatch(SESSION_TOKEN)
    expect(r.session.active).toBe(true)
    expect(r.session.authenticationMethods.map((m) => m.method)).toEqual(['code'])
    expect(r.identity.traits.email).toBe(email)
    expect(r.session.identity.id).toBe(r.identity.id)
  })

  test('reads the identifier from the flow when it is not given (one more request)', async () => {
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const before = emulator().requestCount
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: emulator().codeFor(email) })
    expect(r.status).toBe('signed_in')
    expect(emulator().requestCount - before).toBe(2)
  })

  test('resolves account_not_found for an address without an account (4000035)', async () => {
    const r = await ory.sendLoginCode(freshEmail('nobody'))
    expect(r).toMatchObject({ ok: false, status: 'account_not_found', flowType: 'login' })
    expect(r.flowId).toMatch(UUID)
    expect(ids(r.messages)).toEqual([4000035])
  })

  test('resolves invalid_code for a wrong code, and the right code works after it', async () => {
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const code = emulator().codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: wrong, identifier: email })
    expect(r).toMatchObject({ ok: false, status: 'invalid_code', flowId: sent.flowId, flowType: 'login' })
    expect(ids(r.messages)).toEqual([4010008])
    const ok = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: email })
    expect(ok.status).toBe('signed_in')
  })

  test('resolves too_many_attempts on the sixth submission, even with the right code', async () => {
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const code = emulator().codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) {
      const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: wrong, identifier: email })
      expect(r.status).toBe('invalid_code')
    }
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: email })
    expect(r).toMatchObject({ ok: false, status: 'too_many_attempts', flowId: sent.flowId })
    expect(ids(r.messages)).toEqual([4000001])
  })

  test('resolves flow_not_found for a flow Kratos does not know', async () => {
    const flowId = '0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d'
    for (const identifier of [undefined, 'a@example.com']) {
      const r = await ory.verifyLoginCode({ flowId, code: '123456', identifier })
      expect(r).toMatchObject({ ok: false, status: 'flow_not_found', flowId, flowType: 'login' })
    }
  })

  test('resolves flow_expired with a new flow id once the flow expired', async () => {
    const emu = emulator()
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const code = emu.codeFor(email)
    emu.advanceTime(HOUR + 60_000)
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: email })
    expect(r).toMatchObject({ ok: false, status: 'flow_expired', flowId: sent.flowId, flowType: 'login' })
    expect(r.newFlowId).toMatch(UUID)
    expect(r.newFlowId).not.toBe(sent.flowId)
  })

  test('resendCode mails a new code and the old one stops working', async () => {
    const email = await account()
    const sent = await ory.sendLoginCode(email)
    const first = emulator().codeFor(email)
    const again = await ory.resendCode({ flowId: sent.flowId, flowType: 'login' })
    expect(again).toMatchObject({ ok: true, status: 'code_sent', flowId: sent.flowId, identifier: email })
    const second = emulator().codeFor(email)
    expect(emulator().messages().filter((m) => m.recipient === email)).toHaveLength(2)
    // A resend mails a different code (the emulator draws again on a collision), and the first dies.
    expect(second).not.toBe(first)
    const old = await ory.verifyLoginCode({ flowId: sent.flowId, code: first, identifier: email })
    expect(old.status).toBe('invalid_code')
    const ok = await ory.verifyLoginCode({ flowId: sent.flowId, code: second, identifier: email })
    expect(ok.status).toBe('signed_in')
  })
})

// docs/kratos-protocol.md §12: Kratos v26.2.0 answers an expired code (flow still valid) with 410; later
// Kratos answers 400 with 4010008. Codes outlive flows by default, so the code lifespan is shortened.
describe.each([
  ['v26.2.0', 'code_expired'],
  ['latest', 'invalid_code'],
])('an expired code on Kratos %s', (kratosVersion, expected) => {
  const emulator = useEmulator({ kratosVersion, codeLifespanMs: 10 * 60 * 1000 })

  test(`resolves ${expected}`, async () => {
    const emu = emulator()
    const ory = clientFor(emu)
    const email = freshEmail('expired')
    await emu.createIdentity(email)
    const sent = await ory.sendLoginCode(email)
    const code = emu.codeFor(email)
    emu.advanceTime(11 * 60 * 1000)
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code, identifier: email })
    expect(r).toMatchObject({ ok: false, status: expected, flowId: sent.flowId, flowType: 'login' })
    if (expected === 'code_expired') expect(r.newFlowId).toMatch(UUID)
    else expect(ids(r.messages)).toEqual([4010008])
  })
})
