// End-to-end test: the built app under `next start`, driven over HTTP against the ory-otc
// emulator, once per mode of the ory-otc/payload plugin: API mode (the plugin's own session
// cookie) and browser mode (`ORY_OTC_MODE=browser`: Kratos's session and CSRF cookies). Each
// server gets a fresh SQLite file migrated with `payload migrate` (production `next start` does
// not create tables); both run the same `next build` (made here unless told to reuse one). A
// tough-cookie jar plays the browser: it keeps, expires and sends cookies by the RFC 6265 rules.
//
// Run with: npm run test:e2e
//   E2E_REUSE_BUILD=1       reuse .next when .next/BUILD_ID exists (run-ci.sh builds first)
//   E2E_SERVER_PIDFILE=f    write each server's pid (and process group), one a line, for run-ci.sh's cleanup
// The servers and the build come from test/support/servers.mjs, shared with test/browser.test.mjs.
//
// Needs the addon installed from its tarballs (npm run install:addon); without it the run fails.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'

import { CookieJar } from 'tough-cookie'

import { App, buildUnlessReused, delay, loadAddon } from './support/servers.mjs'

const UNAVAILABLE = 'The sign-in service is not available right now. Please try again shortly.'
const API_COOKIE = 'ory_session_token'
const KRATOS_SESSION = 'ory_kratos_session'

/** Polls `check` (the server's output arrives on its own schedule) for up to 5 s. */
async function waitFor(check, what) {
  for (let i = 0; i < 50 && !check(); i++) await delay(100)
  assert.ok(check(), `timed out waiting for ${what}`)
}

let emu
let tmp
const apps = {} // mode -> App
const secrets = [] // every code, session token and Kratos cookie value seen; none may reach a server's output

before(async () => {
  const { startEmulator } = loadAddon('ory-otc-emulator')
  emu = await startEmulator()
  tmp = mkdtempSync(path.join(tmpdir(), 'payload-subscribe-e2e-'))
  await buildUnlessReused(tmp)
  // One after the other: two migrations and two starts at once are slower on 2 cores.
  apps.api = await new App('api', { emu, tmp }).start()
  apps.browser = await new App('browser', { emu, tmp }).start()
}, { timeout: 900_000 })

after(async () => {
  try {
    await Promise.all(Object.values(apps).map((app) => app.stop()))
  } finally {
    await emu?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  }
})

/** The newest code the emulator mailed to `email` (`codeFor` is synchronous). */
function codeFor(email) {
  const code = emu.codeFor(email)
  assert.match(code ?? '', /^\d{6}$/, `the emulator mailed no code to ${email}`)
  secrets.push(code)
  return code
}

const wrongCode = (code) => (code === '000000' ? '111111' : '000000')
const newEmail = () => `e2e-${randomUUID().slice(0, 8)}@example.com`
const cookieValue = (setCookie) => setCookie.split(';')[0].slice(setCookie.indexOf('=') + 1)

/**
 * The Set-Cookie of a sign-in. API mode: only the plugin's session-token cookie, HttpOnly,
 * SameSite=Lax, not Secure over http. Browser mode: Kratos's session cookie, HttpOnly, next to
 * its CSRF cookie, and no API-mode cookie.
 */
function checkSignInCookies(mode, cookies) {
  if (mode === 'api') {
    assert.equal(cookies.length, 1, `expected one Set-Cookie, got ${JSON.stringify(cookies.map((c) => c.split('=')[0]))}`)
    assert.match(cookies[0], /^ory_session_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/)
  } else {
    const session = cookies.filter((c) => c.startsWith(`${KRATOS_SESSION}=`))
    assert.equal(session.length, 1, `expected Kratos's session cookie, got ${JSON.stringify(cookies.map((c) => c.split('=')[0]))}`)
    assert.match(session[0], /; HttpOnly/)
    assert.ok(!cookies.some((c) => c.startsWith(`${API_COOKIE}=`)), 'no API-mode cookie in browser mode')
  }
  secrets.push(...cookies.map(cookieValue).filter((v) => v.length >= 16).map(decodeURIComponent))
}

/** Subscribes and verifies a new address as `browser`; returns the address. */
async function signUp(app, browser) {
  const email = newEmail()
  const sent = await app.post('subscribe', { email }, { browser })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  const done = await app.post('verify', { ...sent.body, code: codeFor(email) }, { browser })
  assert.equal(done.status, 200, JSON.stringify(done.body))
  checkSignInCookies(app.mode, done.cookies)
  return email
}

for (const mode of ['api', 'browser']) {
  const sessionCookie = mode === 'api' ? API_COOKIE : KRATOS_SESSION

  describe(`${mode} mode under next start: sign-up, me, logout`, { timeout: 120_000 }, () => {
    const email = newEmail()
    const browser = new CookieJar()
    let member

    it('signs a new subscriber up: subscribe, code from the emulator, verify sets the session cookie', async () => {
      const app = apps[mode]
      const sent = await app.post('subscribe', { email }, { browser })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      assert.match(sent.headers.get('content-type') ?? '', /^application\/json/)
      assert.deepEqual(Object.keys(sent.body).sort(), ['flowId', 'flowType'])
      assert.equal(sent.body.flowType, 'registration')
      if (mode === 'api') assert.deepEqual(sent.cookies, [])
      else assert.ok(sent.cookies.some((c) => c.startsWith('csrf_token_')), 'Kratos’s CSRF cookie reaches the browser')

      const res = await app.post('verify', { ...sent.body, code: codeFor(email) }, { browser })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      // The emulator issues a session after registration, as Kratos's `session` hook does: the
      // sign-up must say so and set the cookie.
      assert.deepEqual(res.body, { email, signedIn: true })
      checkSignInCookies(mode, res.cookies)
      assert.ok(app.cookie(browser, sessionCookie), 'the browser keeps the session cookie')
    })

    it('GET /api/members/me returns the member by the Ory session', async () => {
      const res = await apps[mode].me(browser)
      assert.equal(res.status, 200)
      assert.equal(res.body.user?.email, email)
      assert.equal(res.body.user.collection, 'members')
      assert.equal(res.body.user._strategy, 'ory-otc')
      assert.match(res.body.user.oryIdentityId, /^[0-9a-f-]{36}$/)
      member = res.body.user
    })

    it('GET /api/members/me is empty for a browser without the cookie', async () => {
      const res = await apps[mode].me(new CookieJar())
      assert.equal(res.status, 200)
      assert.equal(res.body.user, null)
    })

    it('signs the returning subscriber in with a login flow, as the same member', async () => {
      const app = apps[mode]
      // Browser mode: Kratos sees the session cookie and starts no login flow for a browser that
      // is signed in (409). The person comes back on another browser.
      let returning = browser
      if (mode === 'browser') {
        const again = await app.post('subscribe', { email }, { browser })
        assert.equal(again.status, 409, JSON.stringify(again.body))
        assert.deepEqual(again.body, { error: 'session_already_available', message: 'You are already signed in.' })
        returning = new CookieJar()
      }
      const sent = await app.post('subscribe', { email }, { browser: returning })
      assert.equal(sent.status, 200, JSON.stringify(sent.body))
      assert.equal(sent.body.flowType, 'login')
      const res = await app.post('verify', { ...sent.body, code: codeFor(email) }, { browser: returning })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { email, signedIn: true })
      checkSignInCookies(mode, res.cookies)
      assert.equal((await app.me(returning)).body.user?.id, member.id)
    })

    it('stored the subscriber for admins only: email, Ory identity id, two verifications', async () => {
      const app = apps[mode]
      assert.equal((await app.request('GET', 'subscriptions')).status, 403)
      assert.equal((await app.request('GET', 'subscriptions', { browser })).status, 403, 'a member is not an admin')
      const register = await app.request('POST', 'users/first-register', {
        body: { email: 'admin@example.com', password: 'e2e-' + randomUUID() },
      })
      assert.equal(register.status, 200)
      const list = await app.request('GET', `subscriptions?where[email][equals]=${encodeURIComponent(email)}&depth=0`, {
        headers: { Authorization: `JWT ${register.body.token}` },
      })
      assert.equal(list.status, 200)
      assert.equal(list.body.docs.length, 1)
      const [doc] = list.body.docs
      assert.equal(doc.oryIdentityId, member.oryIdentityId)
      assert.equal(doc.verifications, 2)
      assert.ok(doc.verifiedAt && doc.createdAt && doc.updatedAt)
    })

    it('POST /api/subscriptions/logout clears the session cookie and ends the session: me is empty', async () => {
      const app = apps[mode]
      const kept = app.copyCookie(browser, sessionCookie)
      const res = await app.post('logout', {}, { browser })
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, { signedIn: false })
      assert.ok(res.cookies.some((c) => c.startsWith(`${sessionCookie}=`) && /Max-Age=0/.test(c)), JSON.stringify(res.cookies))
      assert.equal(app.cookie(browser, sessionCookie), undefined)
      assert.equal((await app.me(browser)).body.user, null)
      // A copy of the old cookie is worth nothing either: Ory ended the session.
      assert.equal((await app.me(kept)).body.user, null)
    })

    it("Payload's own POST /api/members/logout ends the Ory session too", async () => {
      const app = apps[mode]
      const other = new CookieJar()
      await signUp(app, other)
      assert.ok((await app.me(other)).body.user)
      const kept = app.copyCookie(other, sessionCookie)
      const res = await app.request('POST', 'members/logout', { browser: other })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(app.cookie(other, sessionCookie), undefined, JSON.stringify(res.cookies))
      assert.equal((await app.me(other)).body.user, null)
      assert.equal((await app.me(kept)).body.user, null)
    })

    it('400 invalid_code for a wrong code, with no session cookie; then the right code works', async () => {
      const app = apps[mode]
      const other = new CookieJar()
      const address = newEmail()
      const sent = await app.post('subscribe', { email: address }, { browser: other })
      const code = codeFor(address)
      const res = await app.post('verify', { ...sent.body, code: wrongCode(code) }, { browser: other })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { error: 'invalid_code', message: 'That code is not right. Check the e-mail and try again.' })
      assert.ok(!res.cookies.some((c) => c.startsWith(`${sessionCookie}=`)))
      const ok = await app.post('verify', { ...sent.body, code }, { browser: other })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      checkSignInCookies(mode, ok.cookies)
    })
  })
}

describe('browser mode: CSRF', { timeout: 120_000 }, () => {
  it('403 csrf_violation for a verify from a browser without the sign-up’s cookies', async () => {
    const app = apps.browser
    const email = newEmail()
    const sent = await app.post('subscribe', { email }, { browser: new CookieJar() })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const res = await app.post('verify', { ...sent.body, code: codeFor(email) }, { browser: new CookieJar() })
    assert.equal(res.status, 403)
    assert.equal(res.body.error, 'csrf_violation')
    assert.ok(!res.cookies.some((c) => c.startsWith(`${KRATOS_SESSION}=`)))
  })

  it('an API-mode session cookie signs nobody in under browser mode', async () => {
    const app = apps.browser
    const stray = new CookieJar()
    stray.setCookieSync(`${API_COOKIE}=ory_st_notasessionofthisserver000000; Path=/`, app.url)
    assert.equal((await app.me(stray)).body.user, null)
  })
})

// API mode: every other refusal and failure gets its documented status through Next.
describe('each refusal and failure under next start gets its documented status', { timeout: 120_000 }, () => {
  const app = () => apps.api

  it('400 invalid_request: bad JSON, a missing field, a malformed flow id', async () => {
    for (const endpoint of ['subscribe', 'verify', 'resend']) {
      const res = await app().post(endpoint, '{"email":')
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { error: 'invalid_request', message: 'The request body must be a JSON object.' })
    }
    const missing = await app().post('verify', { flowId: randomUUID(), flowType: 'login' })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { error: 'invalid_request', message: '"code" must be a non-empty string.' })
    const malformed = await app().post('verify', { flowId: 'not-a-flow', flowType: 'login', code: '123456' })
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.error, 'invalid_request')
    assert.doesNotMatch(malformed.body.message, /not-a-flow/)
  })

  it('400 invalid_identifier for an address Ory refuses', async () => {
    const res = await app().post('subscribe', { email: 'not-an-email' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_identifier', message: 'Please enter a valid e-mail address.' })
  })

  it('409 account_exists when the address got an account between subscribe and verify', async () => {
    const email = newEmail()
    const sent = await app().post('subscribe', { email })
    assert.equal(sent.body.flowType, 'registration')
    emu.createIdentity(email)
    const res = await app().post('verify', { ...sent.body, code: codeFor(email) })
    assert.equal(res.status, 409)
    assert.equal(res.body.error, 'account_exists')
    assert.deepEqual(res.cookies, [])
  })

  it('410 flow_not_found for a flow Ory does not know (verify and resend)', async () => {
    for (const endpoint of ['verify', 'resend']) {
      const res = await app().post(endpoint, { flowId: randomUUID(), flowType: 'registration', code: '123456', email: newEmail() })
      assert.equal(res.status, 410)
      assert.deepEqual(res.body, { error: 'flow_not_found', message: 'This sign-in attempt is unknown. Please ask for a new code.' })
    }
  })

  it('410 too_many_attempts after five wrong codes', async () => {
    const email = newEmail()
    const sent = await app().post('subscribe', { email })
    const code = codeFor(email)
    for (let i = 0; i < 5; i++) assert.equal((await app().post('verify', { ...sent.body, code: wrongCode(code) })).status, 400)
    const res = await app().post('verify', { ...sent.body, code })
    assert.equal(res.status, 410)
    assert.equal(res.body.error, 'too_many_attempts')
  })

  it('200 resend: a new code on the same flow, the old one no longer works', async () => {
    const email = newEmail()
    const sent = await app().post('subscribe', { email })
    const old = codeFor(email)
    const res = await app().post('resend', { ...sent.body, email })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, sent.body)
    const fresh = codeFor(email)
    assert.notEqual(fresh, old)
    assert.equal((await app().post('verify', { ...sent.body, code: old })).status, 400)
    assert.equal((await app().post('verify', { ...sent.body, code: fresh })).status, 200)
  })

  it('429 rate_limited with Retry-After through Next', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service/login', retryAfterSeconds: 23 })
    try {
      const res = await app().post('subscribe', { email: newEmail() })
      assert.equal(res.status, 429)
      assert.equal(res.headers.get('retry-after'), '23')
      assert.deepEqual(res.body, { error: 'rate_limited', message: 'Too many requests. Please wait a moment and try again.' })
    } finally {
      emu.removeFault(fault)
    }
  })

  it('502 when Ory answers 500, 503 when it answers 502; the log has the error code only', async () => {
    for (const [kind, status] of [['server_error', 502], ['bad_gateway', 503]]) {
      const fault = emu.setFault({ kind, route: '/self-service/login' })
      try {
        const res = await app().post('subscribe', { email: newEmail() })
        assert.equal(res.status, status, `${kind}: ${JSON.stringify(res.body)}`)
        assert.deepEqual(res.body, { error: 'auth_unavailable', message: UNAVAILABLE })
      } finally {
        emu.removeFault(fault)
      }
    }
    await waitFor(() => app().log.includes('ory-otc call failed') && app().log.includes('ERR_ORY_SERVER'), 'the failure in the server log')
  })

  it('a session whoami cannot check leaves the request signed out (200, user null), not failed', async () => {
    // A session made outside the app, so that no verify put it in the server's whoami cache.
    const { OryOtc } = loadAddon()
    const ory = new OryOtc({ baseUrl: emu.url })
    const email = newEmail()
    const sent = await ory.sendCode(email)
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: codeFor(email) })
    assert.equal(done.status, 'signed_in')
    secrets.push(done.sessionToken)
    const browser = new CookieJar()
    browser.setCookieSync(`${API_COOKIE}=${encodeURIComponent(done.sessionToken)}; Path=/`, app().url)
    const fault = emu.setFault({ kind: 'server_error', route: '/sessions/whoami' })
    try {
      const res = await app().me(browser)
      assert.equal(res.status, 200)
      assert.equal(res.body.user, null)
    } finally {
      emu.removeFault(fault)
    }
    assert.equal((await app().me(browser)).body.user?.email, email, 'signed in once Ory answers again')
    await waitFor(() => app().log.includes('ory-otc whoami failed'), 'the whoami failure in the server log')
  })

  // Moves the emulator's clock, so it comes last. (An expired code in a live flow is
  // `invalid_code` on current Kratos, so `code_expired` is left to the unit tests.)
  it('410 flow_expired for a code submitted after the flow expired', async () => {
    const email = newEmail()
    const sent = await app().post('subscribe', { email })
    const code = codeFor(email)
    emu.advanceTime(2 * 60 * 60_000)
    const res = await app().post('verify', { ...sent.body, code })
    assert.equal(res.status, 410)
    assert.deepEqual(res.body, { error: 'flow_expired', message: 'This sign-in attempt has expired. Please ask for a new code.' })
  })
})

describe('secrets', () => {
  it('no code, session token or Kratos cookie value reached either server’s output', () => {
    assert.ok(secrets.length >= 20, `expected codes, tokens and cookies to check, got ${secrets.length}`)
    const logs = Object.values(apps).map((app) => app.log).join('\n')
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret reached a server log')
  })
})
