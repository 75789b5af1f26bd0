// Registration with a one-time code against the emulator (docs/kratos-protocol.md §3, §6 registration).
const { useEmulator, clientFor, ids, freshEmail, UUID, SESSION_TOKEN } = require('./helpers')

describe('registration', () => {
  const emulator = useEmulator()
  let ory
  beforeAll(() => {
    ory = clientFor(emulator())
  })

  test('resolves code_sent with flowType registration for a new address', async () => {
    const email = freshEmail('reg')
    const r = await ory.sendRegistrationCode(email)
    expect(r).toMatchObject({ ok: true, status: 'code_sent', flowType: 'registration', identifier: email })
    expect(r.flowId).toMatch(UUID)
    expect(ids(r.messages)).toEqual([1040005])
    expect(emulator().codeFor(email)).toMatch(/^\d{6}$/)
  })

  test('signs in after the registration code, with a session token', async () => {
    const email = freshEmail('reg')
    const sent = await ory.sendRegistrationCode(email)
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emulator().codeFor(email) })
    expect(r).toMatchObject({ ok: true, status: 'signed_in', flowType: 'registration' })
    expect(r.sessionToken).toMatch(SESSION_TOKEN)
    expect(r.identity.traits).toEqual({ email })
    expect(r.identity.verifiableAddresses).toEqual([
      expect.objectContaining({ value: email, verified: true, status: 'completed', via: 'email' }),
    ])
  })

  test('resolves invalid_identifier when Kratos refuses the address (4000040)', async () => {
    const r = await ory.sendRegistrationCode('not-an-email')
    expect(r).toMatchObject({ ok: false, status: 'invalid_identifier', flowType: 'registration' })
    expect(ids(r.messages)).toEqual([4000040])
    expect(r.messages[0].context).toEqual({ value: 'not-an-email' })
  })

  test('resolves invalid_code for a wrong registration code (4040003)', async () => {
    const email = freshEmail('reg')
    const sent = await ory.sendRegistrationCode(email)
    const code = emulator().codeFor(email)
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: code === '000000' ? '111111' : '000000' })
    expect(r).toMatchObject({ ok: false, status: 'invalid_code', flowType: 'registration' })
    expect(ids(r.messages)).toEqual([4040003])
  })

  test('mails a code for a taken address and resolves account_exists after it (4000007)', async () => {
    const email = freshEmail('taken')
    await emulator().createIdentity(email)
    const sent = await ory.sendRegistrationCode(email)
    expect(sent.status).toBe('code_sent')
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emulator().codeFor(email) })
    expect(r).toMatchObject({ ok: false, status: 'account_exists', flowId: sent.flowId })
    expect(ids(r.messages)).toEqual([4000007])
  })

  test('resendCode on a registration flow mails a new code', async () => {
    const email = freshEmail('reg')
    const sent = await ory.sendRegistrationCode(email)
    const r = await ory.resendCode({ flowId: sent.flowId, flowType: 'registration' })
    expect(r).toMatchObject({ ok: true, status: 'code_sent', flowType: 'registration', identifier: email })
    expect(emulator().messages().filter((m) => m.recipient === email)).toHaveLength(2)
    const ok = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emulator().codeFor(email) })
    expect(ok.status).toBe('signed_in')
  })
})

describe('registration without the session hook', () => {
  const emulator = useEmulator({ sessionAfterRegistration: false })

  test('resolves registered, with the identity and no session', async () => {
    const emu = emulator()
    const ory = clientFor(emu)
    const email = freshEmail('nohook')
    const sent = await ory.sendRegistrationCode(email)
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emu.codeFor(email) })
    expect(r).toMatchObject({ ok: true, status: 'registered', flowType: 'registration' })
    expect(r.identity.traits.email).toBe(email)
    expect(r).not.toHaveProperty('sessionToken')
  })
})
