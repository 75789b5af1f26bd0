// Login-or-register ("subscribe"), then whoami and logout: the whole life of a session.
const { useEmulator, clientFor, freshEmail, SESSION_TOKEN } = require('./helpers')

describe('subscribe', () => {
  const emulator = useEmulator()
  let ory
  beforeAll(() => {
    ory = clientFor(emulator())
  })

  test('registers a new subscriber, then signs the same address in as a returning one', async () => {
    const email = freshEmail('sub')
    const first = await ory.sendCode(email)
    expect(first).toMatchObject({ ok: true, status: 'code_sent', flowType: 'registration', identifier: email })
    const joined = await ory.verifyCode({ flowId: first.flowId, flowType: first.flowType, code: emulator().codeFor(email) })
    expect(joined).toMatchObject({ ok: true, status: 'signed_in', flowType: 'registration' })

    const again = await ory.sendCode(email)
    expect(again).toMatchObject({ ok: true, status: 'code_sent', flowType: 'login', identifier: email })
    const back = await ory.verifyCode({ flowId: again.flowId, flowType: again.flowType, code: emulator().codeFor(email) })
    expect(back).toMatchObject({ ok: true, status: 'signed_in', flowType: 'login' })
    expect(back.identity.id).toBe(joined.identity.id)
  })

  test('whoami sees the session until logout revokes it', async () => {
    const email = freshEmail('sub')
    const sent = await ory.sendCode(email)
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: emulator().codeFor(email) })
    expect(done.sessionToken).toMatch(SESSION_TOKEN)

    const who = await ory.whoami(done.sessionToken)
    expect(who).toMatchObject({ ok: true, status: 'active' })
    expect(who.session.id).toBe(done.session.id)
    expect(who.session.identity.traits.email).toBe(email)

    expect(await ory.logout(done.sessionToken)).toEqual({ ok: true, status: 'logged_out' })
    expect(await ory.whoami(done.sessionToken)).toEqual({ ok: false, status: 'unauthorized' })
  })

  test('whoami and logout with a token Kratos never issued', async () => {
    const token = 'ory_st_' + 'x'.repeat(32)
    expect(await ory.whoami(token)).toEqual({ ok: false, status: 'unauthorized' })
    expect(await ory.logout(token)).toEqual({ ok: false, status: 'unknown_session' })
  })

  test('verifyCode passes the identifier along for login flows (no extra request)', async () => {
    const email = freshEmail('sub')
    await emulator().createIdentity(email)
    const sent = await ory.sendCode(email)
    const before = emulator().requestCount
    const r = await ory.verifyCode({
      flowId: sent.flowId,
      flowType: 'login',
      code: emulator().codeFor(email),
      identifier: sent.identifier,
    })
    expect(r.status).toBe('signed_in')
    expect(emulator().requestCount - before).toBe(1)
  })
})
