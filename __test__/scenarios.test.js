// One set of sign-in scenarios, API mode and browser mode, run against the emulator in
// `npm test` and against a real Kratos with `npm run test:kratos -- <public URL> <admin URL>`
// (which sets KRATOS_PUBLIC_URL and KRATOS_ADMIN_URL; Kratos must run with --dev, the code
// method passwordless and a session after registration, as crates/ory-otc-emulator/tests/kratos/
// kratos.yml configures it). Codes are read from the admin courier API in both cases.
const { OryOtc } = require('..')
const { startEmulator } = require('ory-otc-emulator')

const real = process.env.KRATOS_PUBLIC_URL
let emu
let publicUrl
let adminUrl

beforeAll(async () => {
  if (real) {
    publicUrl = real
    adminUrl = process.env.KRATOS_ADMIN_URL ?? real
  } else {
    emu = await startEmulator()
    publicUrl = adminUrl = emu.url
  }
})
afterAll(() => emu?.close())

const email = (tag) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`

/** The newest code mailed to `to`, from Kratos's admin courier API (dev mode). */
async function codeFor(to) {
  const res = await fetch(`${adminUrl}/admin/courier/messages?recipient=${encodeURIComponent(to)}`)
  expect(res.status).toBe(200)
  const [newest] = await res.json()
  return /(\d{6})/.exec(newest.body)[1]
}

/** A browser's cookie jar for one site. */
function jar() {
  const cookies = new Map()
  return {
    header: () => [...cookies].map(([n, v]) => `${n}=${v}`).join('; ') || null,
    apply(setCookie) {
      for (const line of setCookie) {
        const [name, value] = line.split(';')[0].split(/=(.*)/s)
        if (/max-age=0/i.test(line)) cookies.delete(name)
        else cookies.set(name, value)
      }
    },
    has: (name) => cookies.has(name),
  }
}

describe(`API mode against ${real ? 'Kratos' : 'the emulator'}`, () => {
  let ory
  beforeAll(() => {
    ory = new OryOtc({ baseUrl: publicUrl })
  })

  test('subscribe registers, whoami sees the session, logout ends it, login signs in again', async () => {
    const to = email('api')
    const sent = await ory.sendCode(to)
    expect(sent).toMatchObject({ status: 'code_sent', flowType: 'registration', identifier: to })
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: await codeFor(to) })
    expect(done.status).toBe('signed_in')
    expect(done.sessionToken).toMatch(/^ory_st_/)
    expect((await ory.whoami(done.sessionToken)).status).toBe('active')
    expect((await ory.logout(done.sessionToken)).status).toBe('logged_out')
    expect((await ory.whoami(done.sessionToken)).status).toBe('unauthorized')

    const again = await ory.sendCode(to)
    expect(again).toMatchObject({ status: 'code_sent', flowType: 'login' })
    const wrong = await ory.verifyLoginCode({ flowId: again.flowId, code: '0000000', identifier: again.identifier })
    expect(wrong.status).toBe('invalid_code')
    const back = await ory.verifyLoginCode({ flowId: again.flowId, code: await codeFor(to) })
    expect(back.status).toBe('signed_in')
  })

  test('an unknown address cannot log in', async () => {
    expect((await ory.sendLoginCode(email('nobody'))).status).toBe('account_not_found')
  })
})

describe(`browser mode against ${real ? 'Kratos' : 'the emulator'}`, () => {
  let ory
  beforeAll(() => {
    ory = new OryOtc({ flow: 'browser', baseUrl: publicUrl })
  })

  test('subscribe and verify by cookie, whoami and logout by cookie', async () => {
    const browser = jar()
    const to = email('browser')
    const sent = await ory.sendCode(to, undefined, { cookie: browser.header() })
    browser.apply(sent.setCookie)
    expect(sent).toMatchObject({ status: 'code_sent', flowType: 'registration' })
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: await codeFor(to) }, { cookie: browser.header() })
    browser.apply(done.setCookie)
    expect(done).toMatchObject({ status: 'signed_in', flowType: 'registration' })
    expect(done.sessionToken).toBeUndefined()
    expect(browser.has('ory_kratos_session')).toBe(true)

    const who = await ory.whoami({ cookie: browser.header() })
    expect(who.status).toBe('active')
    expect(who.session.identity.traits.email).toBe(to)
    const out = await ory.logout({ cookie: browser.header() })
    browser.apply(out.setCookie)
    expect(out.status).toBe('logged_out')
    expect(browser.has('ory_kratos_session')).toBe(false)
    expect((await ory.whoami({ cookie: browser.header() })).status).toBe('unauthorized')

    const login = await ory.sendCode(to, undefined, { cookie: browser.header() })
    browser.apply(login.setCookie)
    expect(login).toMatchObject({ status: 'code_sent', flowType: 'login' })
    const back = await ory.verifyCode({ flowId: login.flowId, flowType: 'login', code: await codeFor(to) }, { cookie: browser.header() })
    expect(back.status).toBe('signed_in')
  })

  test('a verify without the cookies, or with another browser’s, is a csrf_violation', async () => {
    const browser = jar()
    const to = email('csrf')
    const sent = await ory.sendCode(to, undefined, { cookie: null })
    browser.apply(sent.setCookie)
    const params = { flowId: sent.flowId, flowType: sent.flowType, code: await codeFor(to) }
    expect(await ory.verifyCode(params, { cookie: null })).toMatchObject({ status: 'csrf_violation', cause: 'no_cookie' })
    expect(await ory.verifyCode(params, { cookie: 'theme=dark' })).toMatchObject({ status: 'csrf_violation', cause: 'no_csrf_cookie' })
    const other = jar()
    other.apply((await ory.sendCode(email('other'), undefined, { cookie: null })).setCookie)
    expect(await ory.verifyCode(params, { cookie: other.header() })).toMatchObject({ status: 'csrf_violation', cause: 'mismatch' })
    expect((await ory.verifyCode(params, { cookie: browser.header() })).status).toBe('signed_in')
  })
})
