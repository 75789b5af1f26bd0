// In-process tests of the app's config with the ory-otc/payload plugin: Web `Request`s through
// Payload's own router (`handleEndpoints`), on an in-memory SQLite database, against the ory-otc
// emulator. Covers the plugin's endpoints and their answers, the subscriber documents, the auth
// strategy (`GET /api/members/me` by Ory session), both logouts, access rules with a member
// signed in, and the startup errors.
//
// Run with: npm run test:inprocess   (needs the addon: npm run install:addon)
import { randomUUID } from 'node:crypto'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { OryOtc } from 'ory-otc'
import { startEmulator } from 'ory-otc-emulator'
import { oryOtcPlugin } from 'ory-otc/payload'
import { buildConfig, getPayload, handleEndpoints, type Payload, type SanitizedConfig } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { Members } from '../src/collections/Members'
import { Subscriptions } from '../src/collections/Subscriptions'
import { Users } from '../src/collections/Users'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

let emu: Emulator
let config: SanitizedConfig
let payload: Payload

beforeAll(async () => {
  emu = await startEmulator()
  process.env.ORY_SDK_URL = emu.url
  process.env.DATABASE_URI = ':memory:'
  process.env.PAYLOAD_SECRET = randomUUID()
  // The config reads the environment when it is imported, so it is imported only now. Outside
  // production Payload creates the tables itself (push), which is what an in-memory DB needs.
  config = await (await import('../src/payload.config')).default
  payload = await getPayload({ config })
  // Payload skips creating tables for a schema it pushed before in this process; the second
  // instance below, on a database of its own, needs them.
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
})

afterAll(async () => {
  await payload?.destroy()
  await emu?.close()
})

const COOKIE = /^ory_session_token=([^;]+); Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/
const newEmail = () => `reader-${randomUUID().slice(0, 8)}@example.com`

type Answer = { status: number; body: any; cookies: string[]; headers: Headers }

/** One request through Payload's router; `cfg` and `key` pick the Payload instance (the app's by default). */
async function call(
  cfg: SanitizedConfig,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  key?: string,
): Promise<Answer> {
  const request = new Request(`http://localhost:3000/api/${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const res = await handleEndpoints({ config: cfg, request, payloadInstanceCacheKey: key })
  return { status: res.status, body: await res.json(), cookies: res.headers.getSetCookie(), headers: res.headers }
}

const post = (endpoint: string, body: unknown, headers?: Record<string, string>) =>
  call(config, 'POST', `subscriptions/${endpoint}`, body, headers)

/** `GET /api/members/me` with the session cookie, if any. */
const me = (cookie?: string) => call(config, 'GET', 'members/me', undefined, cookie ? { cookie } : {})

async function subscription(email: string) {
  const { docs } = await payload.find({ collection: 'subscriptions', where: { email: { equals: email } } })
  return docs[0]
}

/** The newest code the emulator mailed to `email` (`codeFor` is synchronous). */
function codeFor(email: string, from: Emulator = emu): string {
  const code = from.codeFor(email)
  expect(code).toMatch(/^\d{6}$/)
  return code as string
}

const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000')

/** The `Cookie` header a browser sends back after `setCookie`. */
function cookieFrom(setCookie: string[]): string {
  expect(setCookie).toHaveLength(1)
  expect(setCookie[0]).toMatch(COOKIE)
  return setCookie[0].split(';')[0]
}

/** Subscribes and verifies `email`; returns the verify answer. */
async function signUp(email = newEmail()) {
  const sent = await post('subscribe', { email })
  expect(sent.status).toBe(200)
  return post('verify', { ...sent.body, code: codeFor(email) })
}

describe('POST /api/subscriptions/subscribe', () => {
  it('answers 200 with a registration flow for a new address, and stores nothing yet', async () => {
    const email = newEmail()
    const res = await post('subscribe', { email })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(Object.keys(res.body).sort()).toEqual(['flowId', 'flowType'])
    expect(res.body.flowType).toBe('registration')
    expect(res.body.flowId).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.cookies).toEqual([])
    expect(await subscription(email)).toBeUndefined()
  })

  it('answers 400 invalid_request for a body that is not a JSON object', async () => {
    for (const body of ['{"email":', '["a@example.com"]', 'null']) {
      const res = await post('subscribe', body)
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request', message: 'The request body must be a JSON object.' } })
    }
  })

  it('answers 400 invalid_request for a body that is not sent as JSON', async () => {
    const res = await call(config, 'POST', 'subscriptions/subscribe', undefined, { 'content-type': 'text/plain' })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_request', message: 'Send a JSON body with Content-Type: application/json.' })
  })

  it('answers 400 invalid_request when email is missing, blank or not a string', async () => {
    for (const body of [{}, { email: '   ' }, { email: null }, { email: 42 }]) {
      const res = await post('subscribe', body)
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ error: 'invalid_request', message: '"email" must be a non-empty string.' })
    }
  })

  it('answers 400 invalid_request for a body over 16 KiB', async () => {
    const res = await post('subscribe', { email: 'a'.repeat(17 * 1024) })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_request', message: 'The request body is too large.' })
  })

  it('answers 400 invalid_identifier for an address Ory refuses', async () => {
    const res = await post('subscribe', { email: 'not-an-email' })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_identifier', message: 'Please enter a valid e-mail address.' })
  })

  it('answers 429 rate_limited with Retry-After when Ory rate-limits', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service/login', retryAfterSeconds: 17, times: 1 })
    try {
      const res = await post('subscribe', { email: newEmail() })
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('17')
      expect(res.body).toEqual({ error: 'rate_limited', message: 'Too many requests. Please wait a moment and try again.' })
    } finally {
      emu.removeFault(fault)
    }
  })

  it('answers 503 auth_unavailable when Ory answers 502, 502 when it answers 500', async () => {
    const message = 'The sign-in service is not available right now. Please try again shortly.'
    for (const [kind, http] of [['bad_gateway', 503], ['server_error', 502]] as const) {
      const fault = emu.setFault({ kind, route: '/self-service/login' })
      try {
        const res = await post('subscribe', { email: newEmail() })
        expect(res.status).toBe(http)
        expect(res.body).toEqual({ error: 'auth_unavailable', message })
      } finally {
        emu.removeFault(fault)
      }
    }
  })
})

describe('POST /api/subscriptions/verify', () => {
  it('signs a new subscriber up: a session cookie, and the subscriber document', async () => {
    const email = newEmail()
    const res = await signUp(email)
    expect(res.status).toBe(200)
    // The emulator issues a session after registration (Kratos's `session` hook): the sign-up
    // must set the cookie, and say so.
    expect(res.body).toEqual({ email, signedIn: true })
    const [, token] = cookieFrom(res.cookies).match(/=(.*)$/)!
    expect(JSON.stringify(res.body)).not.toContain(decodeURIComponent(token))
    const doc = await subscription(email)
    expect(doc).toMatchObject({ email, verifications: 1 })
    expect(doc.oryIdentityId).toMatch(/^[0-9a-f-]{36}$/)
    expect(doc.verifiedAt).toBeTruthy()
  })

  it('signs a returning subscriber in with a login flow, and updates the same document', async () => {
    const email = newEmail()
    await signUp(email)
    const first = await subscription(email)

    const again = await post('subscribe', { email })
    expect(again.status).toBe(200)
    expect(again.body.flowType).toBe('login')
    const res = await post('verify', { ...again.body, code: codeFor(email) })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email, signedIn: true })
    cookieFrom(res.cookies)
    const doc = await subscription(email)
    expect(doc).toMatchObject({ id: first.id, oryIdentityId: first.oryIdentityId, verifiedAt: first.verifiedAt, verifications: 2 })
  })

  it('marks the cookie Secure when the client came over https', async () => {
    const email = newEmail()
    emu.createIdentity(email)
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('login')
    const res = await post('verify', { ...sent.body, code: codeFor(email) }, { 'x-forwarded-proto': 'https' })
    expect(res.status).toBe(200)
    expect(res.cookies).toHaveLength(1)
    expect(res.cookies[0]).toMatch(/^ory_session_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/)
  })

  it('answers 400 invalid_code for a wrong code, sets no cookie and stores nothing', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const res = await post('verify', { ...sent.body, code: wrongCode(codeFor(email)) })
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'invalid_code', message: 'That code is not right. Check the e-mail and try again.' },
      cookies: [],
    })
    expect(await subscription(email)).toBeUndefined()
  })

  it('answers 410 flow_not_found for a well-formed flow id Ory does not know', async () => {
    const res = await post('verify', { flowId: randomUUID(), flowType: 'login', code: '123456' })
    expect(res.status).toBe(410)
    expect(res.body).toEqual({ error: 'flow_not_found', message: 'This sign-in attempt is unknown. Please ask for a new code.' })
  })

  it('answers 400 invalid_request for a flow id that is not a UUID and a code with non-digits, without echoing them', async () => {
    const flow = await post('verify', { flowId: 'nope-nope', flowType: 'login', code: '123456' })
    expect(flow.status).toBe(400)
    expect(flow.body.error).toBe('invalid_request')
    expect(flow.body.message).toMatch(/"flowId"/)
    const code = await post('verify', { flowId: randomUUID(), flowType: 'login', code: '12a456' })
    expect(code.status).toBe(400)
    expect(code.body.error).toBe('invalid_request')
    expect(JSON.stringify([flow.body, code.body])).not.toMatch(/nope-nope|12a456/)
  })

  it('answers 400 invalid_request for a missing field and an unknown flowType', async () => {
    const missing = await post('verify', { flowId: randomUUID(), flowType: 'login' })
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request', message: '"code" must be a non-empty string.' } })
    const type = await post('verify', { flowId: randomUUID(), flowType: 'settings', code: '123456' })
    expect(type).toMatchObject({ status: 400, body: { error: 'invalid_request', message: '"flowType" must be "login" or "registration".' } })
  })

  it('answers 409 account_exists when the address got an account between subscribe and verify', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('registration')
    emu.createIdentity(email)
    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    expect(res).toMatchObject({ status: 409, body: { error: 'account_exists' }, cookies: [] })
  })

  it('answers 410 too_many_attempts once the flow has taken its five submissions', async () => {
    const email = newEmail()
    emu.createIdentity(email)
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    const errors = []
    for (let i = 0; i < 5; i++) errors.push((await post('verify', { ...sent.body, code: wrongCode(code) })).body.error)
    expect(errors).toEqual(Array(5).fill('invalid_code'))
    const res = await post('verify', { ...sent.body, code })
    expect(res.status).toBe(410)
    expect(res.body).toEqual({ error: 'too_many_attempts', message: 'Too many wrong codes. Please ask for a new code.' })
  })
})

describe('POST /api/subscriptions/resend', () => {
  it('mails a new code on the same flow; the old one stops working', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const old = codeFor(email)
    const res = await post('resend', { ...sent.body, email })
    expect(res.status).toBe(200)
    expect(res.body).toEqual(sent.body)
    const fresh = codeFor(email)
    expect(fresh).not.toBe(old)
    expect((await post('verify', { ...sent.body, code: old })).body.error).toBe('invalid_code')
    expect((await post('verify', { ...sent.body, code: fresh })).status).toBe(200)
  })

  it('answers 410 flow_not_found for an unknown flow', async () => {
    const res = await post('resend', { flowId: randomUUID(), flowType: 'registration', email: newEmail() })
    expect(res.status).toBe(410)
    expect(res.body.error).toBe('flow_not_found')
  })
})

describe('the Ory session as a Payload user', () => {
  it('GET /api/members/me returns the member the session belongs to, created on first sight', async () => {
    const email = newEmail()
    const cookie = cookieFrom((await signUp(email)).cookies)
    const res = await me(cookie)
    expect(res.status).toBe(200)
    expect(res.body.user).toMatchObject({ email, collection: 'members', _strategy: 'ory-otc' })
    expect(res.body.user.oryIdentityId).toBe((await subscription(email)).oryIdentityId)
    expect(JSON.stringify(res.body)).not.toContain(cookie.split('=')[1])
    // Twice: the same member, not a second one.
    expect((await me(cookie)).body.user.id).toBe(res.body.user.id)
    const { totalDocs } = await payload.count({ collection: 'members', where: { email: { equals: email } } })
    expect(totalDocs).toBe(1)
  })

  it('GET /api/members/me is empty without the cookie, or with a token Ory does not know', async () => {
    expect((await me()).body.user).toBeNull()
    expect((await me('ory_session_token=ory_st_notatokenofanysession00000000')).body.user).toBeNull()
  })

  it('a member reads only their own document, and neither the list nor the admins', async () => {
    const cookie = cookieFrom((await signUp()).cookies)
    const members = await call(config, 'GET', 'members', undefined, { cookie })
    expect(members.status).toBe(200)
    expect(members.body.docs).toHaveLength(1)
    expect((await call(config, 'GET', 'subscriptions', undefined, { cookie })).status).toBe(403)
    expect((await call(config, 'GET', 'users', undefined, { cookie })).status).toBe(403)
  })

  it('POST /api/subscriptions/logout ends the Ory session and clears the cookie; me is then empty', async () => {
    const cookie = cookieFrom((await signUp()).cookies)
    expect((await me(cookie)).body.user).not.toBeNull()
    const res = await post('logout', {}, { cookie })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ signedIn: false })
    expect(res.cookies).toEqual(['ory_session_token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'])
    // The cookie a browser would still send if it kept it: Ory revoked the session, and this
    // server's whoami cache forgot it.
    expect((await me(cookie)).body.user).toBeNull()
    const token = decodeURIComponent(cookie.split('=')[1])
    expect((await new OryOtc({ baseUrl: emu.url }).whoami(token)).status).toBe('unauthorized')
  })

  it("Payload's own POST /api/members/logout ends the Ory session too", async () => {
    const cookie = cookieFrom((await signUp()).cookies)
    const res = await call(config, 'POST', 'members/logout', undefined, { cookie })
    expect(res.status).toBe(200)
    expect(res.cookies).toContain('ory_session_token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0')
    expect((await me(cookie)).body.user).toBeNull()
  })

  it('a request goes on signed out, not failed, while Ory cannot answer whoami', async () => {
    // A session made outside the app, so that no verify put it in the whoami cache.
    const ory = new OryOtc({ baseUrl: emu.url })
    const email = newEmail()
    const sent = await ory.sendCode(email)
    expect(sent.status).toBe('code_sent')
    if (sent.status !== 'code_sent') return
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: codeFor(email) })
    expect(done.status).toBe('signed_in')
    const cookie = `ory_session_token=${encodeURIComponent(done.status === 'signed_in' ? (done.sessionToken ?? '') : '')}`
    const fault = emu.setFault({ kind: 'server_error', route: '/sessions/whoami' })
    try {
      const res = await me(cookie)
      expect(res.status).toBe(200)
      expect(res.body.user).toBeNull()
    } finally {
      emu.removeFault(fault)
    }
    // The failure was not remembered: with Ory back, the same cookie signs the member in.
    expect((await me(cookie)).body.user).toMatchObject({ email })
  })
})

describe('a project that issues no session after registration', () => {
  it('confirms the subscriber with signedIn: false and no cookie', async () => {
    const noSession = await startEmulator({ sessionAfterRegistration: false })
    const other = await getPayload({ config: await pluginConfig({ baseUrl: noSession.url }), key: 'no-session' })
    try {
      const email = newEmail()
      const sent = await call(other.config, 'POST', 'subscriptions/subscribe', { email }, {}, 'no-session')
      expect(sent.body.flowType).toBe('registration')
      const verify = { ...sent.body, code: codeFor(email, noSession) }
      const res = await call(other.config, 'POST', 'subscriptions/verify', verify, {}, 'no-session')
      expect(res).toMatchObject({ status: 200, body: { email, signedIn: false }, cookies: [] })
      const { docs } = await other.find({ collection: 'subscriptions', where: { email: { equals: email } } })
      expect(docs).toHaveLength(1)
    } finally {
      await other.destroy()
      await noSession.close()
    }
  })
})

describe('startup errors', () => {
  it('a collection the config does not have stops buildConfig, naming it', async () => {
    await expect(
      buildConfig({
        secret: 'x',
        collections: [Subscriptions],
        plugins: [oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members' } })],
        db: sqliteAdapter({ client: { url: ':memory:' } }),
      }),
    ).rejects.toMatchObject({
      code: 'ERR_ORY_CONFIG',
      message: expect.stringContaining('users.collection "members" is not a collection of this Payload config (its collections: subscriptions)'),
    })
  })

  it('no Ory URL stops Payload from starting, saying what to set', async () => {
    const saved = process.env.ORY_SDK_URL
    delete process.env.ORY_SDK_URL
    try {
      await expect(getPayload({ config: await pluginConfig({}), key: 'no-url' })).rejects.toMatchObject({
        code: 'ERR_ORY_CONFIG',
        message: expect.stringMatching(/^ory-otc\/payload: .*no Ory URL: pass baseUrl, or set ORY_SDK_URL/),
      })
    } finally {
      process.env.ORY_SDK_URL = saved
    }
  })
})

/** A config with the app's collections and the plugin pointed at `ory`, on an in-memory database of its own. */
function pluginConfig(ory: { baseUrl?: string }) {
  return buildConfig({
    secret: randomUUID(),
    collections: [Users, Subscriptions, Members],
    plugins: [oryOtcPlugin({ collection: 'subscriptions', ory, users: { collection: 'members', create: true } })],
    db: sqliteAdapter({ client: { url: ':memory:' } }),
    graphQL: { disable: true },
    telemetry: false,
  })
}

// Moves the emulator's clock by two hours, so it runs last.
describe('an expired flow', () => {
  it('answers 410 flow_expired for a code submitted after the flow expired', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    emu.advanceTime(2 * 60 * 60 * 1000)
    const res = await post('verify', { ...sent.body, code })
    expect(res.status).toBe(410)
    expect(res.body).toEqual({ error: 'flow_expired', message: 'This sign-in attempt has expired. Please ask for a new code.' })
    expect(await subscription(email)).toBeUndefined()
  })
})
