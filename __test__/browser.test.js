// Browser mode against the emulator, over real sockets: the browser's cookies in, Kratos's
// Set-Cookie out, CSRF handled by the library. A tiny cookie jar plays the browser: it keeps what
// each result's `setCookie` sets and sends it back, as a browser would to the app.
const util = require('node:util')
const { OryOtc, OryOtcError } = require('..')
const { startEmulator } = require('ory-otc-emulator')
const { freshEmail, ids, rejection, UUID } = require('./helpers')

/** A browser's cookies for one site: `apply(setCookie)` after each response, `header()` for the next request. */
class Browser {
  constructor(header = '') {
    this.cookies = new Map(header ? header.split('; ').map((p) => p.split(/=(.*)/s).slice(0, 2)) : [])
  }

  apply(setCookie) {
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim())
      const [name, value] = pair.split(/=(.*)/s)
      const gone = attrs.some((a) => /^max-age=(0|-\d+)$/i.test(a))
      if (gone) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return this
  }

  header() {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ') || null
  }
}

let emu
let ory
beforeAll(async () => {
  emu = await startEmulator()
  ory = new OryOtc({ flow: 'browser', baseUrl: emu.url })
})
afterAll(() => emu.close())

const csrfCookie = (b) => [...b.cookies.keys()].find((n) => n.startsWith('csrf_token_'))

async function signUp(browser, email = freshEmail()) {
  const sent = await ory.sendCode(email, undefined, { cookie: browser.header() })
  browser.apply(sent.setCookie)
  expect(sent.status).toBe('code_sent')
  const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: emu.codeFor(email) }, { cookie: browser.header() })
  browser.apply(done.setCookie)
  return { sent, done, email }
}

describe('browser mode: sign-up and sign-in by cookie', () => {
  test('a first visit gets the CSRF cookie with code_sent, and verify needs only flow id, code and cookies', async () => {
    const browser = new Browser()
    const { sent, done, email } = await signUp(browser)
    expect(sent).toMatchObject({ ok: true, flowType: 'registration', identifier: email })
    expect(sent.setCookie).toHaveLength(1)
    expect(sent.setCookie[0]).toMatch(/^csrf_token_[0-9a-f]{64}=/)
    expect(sent.setCookie[0]).toMatch(/HttpOnly/)
    expect(done).toMatchObject({ status: 'signed_in', ok: true, flowType: 'registration' })
    expect(done).not.toHaveProperty('sessionToken')
    expect(done.identity.traits.email).toBe(email)
    expect(done.setCookie.some((c) => /^ory_kratos_session=[^;]+;/.test(c))).toBe(true)
    expect(browser.cookies.has('ory_kratos_session')).toBe(true)
  })

  test('whoami and logout go by the session cookie; logout clears it', async () => {
    const browser = new Browser('theme=dark')
    const { email } = await signUp(browser)
    const who = await ory.whoami({ cookie: browser.header() })
    expect(who).toMatchObject({ status: 'active', ok: true })
    expect(who.session.identity.traits.email).toBe(email)
    expect(Array.isArray(who.setCookie)).toBe(true)

    const out = await ory.logout({ cookie: browser.header() })
    expect(out).toMatchObject({ status: 'logged_out', ok: true })
    expect(out.setCookie.find((c) => c.startsWith('ory_kratos_session='))).toMatch(/Max-Age=0/i)
    browser.apply(out.setCookie)
    expect(browser.cookies.has('ory_kratos_session')).toBe(false)
    expect(browser.cookies.get('theme')).toBe('dark')
    expect((await ory.whoami({ cookie: browser.header() })).status).toBe('unauthorized')
  })

  test('an existing account signs in by login flow, the identifier read from the flow', async () => {
    const email = freshEmail()
    emu.createIdentity(email)
    const browser = new Browser()
    const sent = await ory.sendLoginCode(email, { cookie: browser.header() })
    browser.apply(sent.setCookie)
    expect(sent).toMatchObject({ status: 'code_sent', flowType: 'login' })
    const done = await ory.verifyLoginCode({ flowId: sent.flowId, code: emu.codeFor(email) }, { cookie: browser.header() })
    expect(done).toMatchObject({ status: 'signed_in', flowType: 'login' })
    expect(done.setCookie.some((c) => c.startsWith('ory_kratos_session='))).toBe(true)
  })

  test('a signed-in browser gets session_already_available, with its cookies kept', async () => {
    const browser = new Browser()
    await signUp(browser)
    const again = await ory.sendCode(freshEmail(), undefined, { cookie: browser.header() })
    expect(again).toMatchObject({ status: 'session_already_available', ok: false })
    expect(Array.isArray(again.setCookie)).toBe(true)
  })

  test('a wrong code is invalid_code, and the right one still works after it', async () => {
    const browser = new Browser()
    const email = freshEmail()
    const sent = await ory.sendCode(email, undefined, { cookie: null })
    browser.apply(sent.setCookie)
    const wrong = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: '0000000' }, { cookie: browser.header() })
    expect(wrong).toMatchObject({ status: 'invalid_code', ok: false, flowId: sent.flowId })
    expect(Array.isArray(wrong.setCookie)).toBe(true)
    const right = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: emu.codeFor(email) }, { cookie: browser.header() })
    expect(right.status).toBe('signed_in')
  })

  test('a resend mails a new code on the same flow', async () => {
    const browser = new Browser()
    const email = freshEmail()
    const sent = await ory.sendCode(email, undefined, { cookie: null })
    browser.apply(sent.setCookie)
    const first = emu.codeFor(email)
    const resent = await ory.resendCode({ flowId: sent.flowId, flowType: sent.flowType }, { cookie: browser.header() })
    expect(resent).toMatchObject({ status: 'code_sent', flowId: sent.flowId })
    expect(emu.codeFor(email)).not.toBe(first)
  })

  test('an expired flow is flow_expired', async () => {
    const local = await startEmulator()
    try {
      const client = new OryOtc({ flow: 'browser', baseUrl: local.url })
      const browser = new Browser()
      const email = freshEmail()
      const sent = await client.sendCode(email, undefined, { cookie: null })
      browser.apply(sent.setCookie)
      local.advanceTime(61 * 60 * 1000)
      const r = await client.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: local.codeFor(email) }, { cookie: browser.header() })
      expect(r).toMatchObject({ status: 'flow_expired', ok: false, flowId: sent.flowId })
    } finally {
      await local.close()
    }
  })
})

describe('browser mode: CSRF violations are results with a cause', () => {
  let sent
  let browser
  beforeAll(async () => {
    browser = new Browser()
    sent = await ory.sendCode(freshEmail(), undefined, { cookie: null })
    browser.apply(sent.setCookie)
  })
  const verify = (cookie) => ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: '123456' }, { cookie })

  test('no cookies at all: no_cookie', async () => {
    const r = await verify(null)
    expect(r).toMatchObject({ status: 'csrf_violation', ok: false, flowId: sent.flowId, flowType: 'registration', cause: 'no_cookie' })
    expect(r.hint).toMatch(/Cookie header/)
  })

  test('cookies, but not the CSRF cookie: no_csrf_cookie', async () => {
    expect(await verify('theme=dark')).toMatchObject({ status: 'csrf_violation', cause: 'no_csrf_cookie' })
  })

  test("another browser's CSRF cookie: mismatch", async () => {
    const other = new Browser()
    other.apply((await ory.sendCode(freshEmail(), undefined, { cookie: null })).setCookie)
    expect(csrfCookie(other)).toBe(csrfCookie(browser))
    const r = await verify(other.header())
    expect(r).toMatchObject({ status: 'csrf_violation', cause: 'mismatch' })
    expect(r.hint).toMatch(/another browser/)
  })

  test('a resend without the cookies is a csrf_violation too', async () => {
    const r = await ory.resendCode({ flowId: sent.flowId, flowType: sent.flowType }, { cookie: 'theme=dark' })
    expect(r).toMatchObject({ status: 'csrf_violation', cause: 'no_csrf_cookie' })
  })
})

// The other outcomes come from the classifier API mode uses (flow state and message IDs); these
// pin that a browser flow reaches each of them too, with the cookies Kratos set handed back.
describe('browser mode: every other outcome, as in API mode', () => {
  const fresh = async (email) => {
    const browser = new Browser()
    const sent = await ory.sendLoginCode(email, { cookie: null })
    browser.apply(sent.setCookie)
    return { browser, sent }
  }

  test('an unknown address cannot log in: account_not_found (4000035)', async () => {
    const r = await ory.sendLoginCode(freshEmail('nobody'), { cookie: null })
    expect(r).toMatchObject({ status: 'account_not_found', ok: false, flowType: 'login' })
    expect(ids(r.messages)).toEqual([4000035])
    expect(r.setCookie.some((c) => c.startsWith('csrf_token_'))).toBe(true)
  })

  test('an address Kratos refuses: invalid_identifier (4000040)', async () => {
    const r = await ory.sendRegistrationCode('not-an-email', undefined, { cookie: null })
    expect(r).toMatchObject({ status: 'invalid_identifier', ok: false, flowType: 'registration' })
    expect(ids(r.messages)).toEqual([4000040])
    expect(Array.isArray(r.setCookie)).toBe(true)
  })

  test('registering a taken address mails a code, then account_exists (4000007)', async () => {
    const email = freshEmail('taken')
    await emu.createIdentity(email)
    const browser = new Browser()
    const sent = await ory.sendRegistrationCode(email, undefined, { cookie: null })
    browser.apply(sent.setCookie)
    expect(sent.status).toBe('code_sent')
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emu.codeFor(email) }, { cookie: browser.header() })
    expect(r).toMatchObject({ status: 'account_exists', ok: false, flowId: sent.flowId })
    expect(ids(r.messages)).toEqual([4000007])
  })

  test('a sixth submission is too_many_attempts, even with the right code (4000001)', async () => {
    const email = freshEmail('tries')
    await emu.createIdentity(email)
    const { browser, sent } = await fresh(email)
    const code = emu.codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) {
      const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: wrong }, { cookie: browser.header() })
      expect(r.status).toBe('invalid_code')
    }
    const r = await ory.verifyLoginCode({ flowId: sent.flowId, code }, { cookie: browser.header() })
    expect(r).toMatchObject({ status: 'too_many_attempts', ok: false, flowId: sent.flowId })
    expect(ids(r.messages)).toEqual([4000001])
  })

  test('a flow Kratos does not know: flow_not_found', async () => {
    const flowId = '0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d'
    const { browser } = await fresh(freshEmail('nobody'))
    const r = await ory.verifyLoginCode({ flowId, code: '123456' }, { cookie: browser.header() })
    expect(r).toMatchObject({ status: 'flow_not_found', ok: false, flowId, flowType: 'login' })
  })

  test('an expired code on Kratos v26.2.0: code_expired with a new flow', async () => {
    const local = await startEmulator({ kratosVersion: 'v26.2.0', codeLifespanMs: 10 * 60 * 1000 })
    try {
      const client = new OryOtc({ flow: 'browser', baseUrl: local.url })
      const email = freshEmail('expired')
      await local.createIdentity(email)
      const browser = new Browser()
      const sent = await client.sendLoginCode(email, { cookie: null })
      browser.apply(sent.setCookie)
      const code = local.codeFor(email)
      local.advanceTime(11 * 60 * 1000)
      const r = await client.verifyLoginCode({ flowId: sent.flowId, code }, { cookie: browser.header() })
      expect(r).toMatchObject({ status: 'code_expired', ok: false, flowId: sent.flowId, flowType: 'login' })
      expect(r.newFlowId).toMatch(UUID)
    } finally {
      await local.close()
    }
  })

  test('a 429 is rate_limited with the delay Ory asked for', async () => {
    const local = await startEmulator()
    try {
      const client = new OryOtc({ flow: 'browser', baseUrl: local.url })
      local.setFault({ kind: 'rate_limited', retryAfterSeconds: 7 })
      const r = await client.sendLoginCode(freshEmail(), { cookie: null })
      expect(r).toMatchObject({ status: 'rate_limited', ok: false, retryAfterSeconds: 7 })
    } finally {
      await local.close()
    }
  })
})

describe('browser mode: sessions without a session', () => {
  test('whoami with cookies that carry no session is unauthorized; logout is unknown_session', async () => {
    expect(await ory.whoami({ cookie: 'theme=dark' })).toMatchObject({ status: 'unauthorized', ok: false, setCookie: [] })
    expect(await ory.logout({ cookie: 'theme=dark' })).toMatchObject({ status: 'unknown_session', ok: false })
    expect((await ory.logout({})).status).toBe('unknown_session')
  })
})

describe('browser mode: arguments, options and secrets', () => {
  test('an API-mode client refuses a cookie, and a browser-mode client a session token', async () => {
    const api = new OryOtc({ baseUrl: emu.url })
    const e1 = await rejection(api.sendLoginCode('a@example.com', { cookie: 'x=1' }))
    expect(e1).toBeInstanceOf(TypeError)
    expect(e1).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(e1.message).toMatch(/options\.cookie/)
    const e2 = await rejection(ory.whoami('ory_st_abcdefghijklmnopqrstuvwxyz123456'))
    expect(e2).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(e2.message).not.toMatch(/ory_st_/)
    const e3 = await rejection(ory.sendLoginCode('a@example.com', { cookie: 42 }))
    expect(e3).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })

  test('flow and cookieDomain are checked at construction', () => {
    expect(() => new OryOtc({ baseUrl: emu.url, flow: 'spa' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => new OryOtc({ baseUrl: emu.url, cookieDomain: 'example.com' })).toThrow(/browser/)
    expect(() => new OryOtc({ baseUrl: emu.url, flow: 'browser', cookieDomain: 'a;b' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(new OryOtc({ baseUrl: emu.url }).flow).toBe('api')
    expect(ory.flow).toBe('browser')
  })

  test('cookieDomain rewrites the Domain of every cookie handed back, or removes it', async () => {
    // A Kratos whose cookies carry a Domain (cookies.domain), so that removing it is seen, and a
    // whole sign-in, so that there is more than one cookie: the CSRF cookie with the code, then
    // the CSRF cookie again and the session cookie with the session.
    const local = await startEmulator({ config: { cookies: { domain: '127.0.0.1' } } })
    try {
      async function cookiesOf(options) {
        const ory = new OryOtc({ flow: 'browser', baseUrl: local.url, ...options })
        const email = freshEmail('domain')
        await local.createIdentity(email)
        const sent = await ory.sendCode(email, undefined, { cookie: null })
        const cookie = sent.setCookie.map((c) => c.split(';')[0]).join('; ')
        const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: local.codeFor(email) }, { cookie })
        expect(done.status).toBe('signed_in')
        const all = [...sent.setCookie, ...done.setCookie]
        expect(all.length).toBeGreaterThanOrEqual(3)
        expect(all.map(name)).toContain('ory_kratos_session')
        return all.map((c) => ({ cookie: name(c), domains: domains(c) }))
      }
      const name = (c) => c.slice(0, c.indexOf('='))
      const domains = (c) => c.split(';').slice(1).map((a) => a.trim()).filter((a) => /^domain=/i.test(a))

      const asSent = await cookiesOf({})
      expect(asSent).toEqual(asSent.map(({ cookie }) => ({ cookie, domains: ['Domain=127.0.0.1'] })))
      const rewritten = await cookiesOf({ cookieDomain: 'example.com' })
      expect(rewritten).toEqual(rewritten.map(({ cookie }) => ({ cookie, domains: ['Domain=example.com'] })))
      const hostOnly = await cookiesOf({ cookieDomain: '' })
      expect(hostOnly).toEqual(hostOnly.map(({ cookie }) => ({ cookie, domains: [] })))
    } finally {
      await local.close()
    }
  })

  test('no cookie value reaches an error', async () => {
    const secret = 'ory_kratos_session=MTY0NzQ1NjQ1NnxTZWNyZXRWYWx1ZQ'
    const down = new OryOtc({ flow: 'browser', baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 })
    const err = await rejection(down.verifyCode({ flowId: '6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b', flowType: 'login', code: '123456' }, { cookie: secret }))
    expect(err).toBeInstanceOf(OryOtcError)
    expect(err.code).toBe('ERR_ORY_NETWORK')
    const shown = `${err.message} ${err.stack} ${util.inspect(err, { depth: 5 })} ${JSON.stringify(err)}`
    expect(shown).not.toContain('MTY0NzQ1NjQ1Nn')
  })
})
