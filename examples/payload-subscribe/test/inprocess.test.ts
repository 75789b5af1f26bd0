// In-process tests: the collection's endpoints through Payload's own router (`handleEndpoints`)
// with a Web `Request`, on an in-memory SQLite database, against the ory-otc emulator; plus the
// handlers called directly with stub or unreachable Ory clients for the outcomes the emulator
// does not produce on demand.
//
// Run with: npm run test:inprocess   (needs the addon: npm run install:addon)
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { OryOtc, type SendCodeResult, type VerifyCodeResult } from 'ory-otc'
import { startEmulator } from 'ory-otc-emulator'
import { createPayloadRequest, getPayload, handleEndpoints, type Payload, type SanitizedConfig } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { OryPort } from '../src/subscribe/ory'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

let emu: Emulator
let config: SanitizedConfig
let payload: Payload
let endpoints: typeof import('../src/subscribe/endpoints')

beforeAll(async () => {
  emu = await startEmulator()
  process.env.ORY_SDK_URL = emu.url
  process.env.DATABASE_URI = ':memory:'
  process.env.PAYLOAD_SECRET = randomUUID()
  // The config reads the environment when it is imported, so it is imported only now. Outside
  // production Payload creates the tables itself (push), which is what an in-memory DB needs.
  config = await (await import('../src/payload.config')).default
  payload = await getPayload({ config })
  endpoints = await import('../src/subscribe/endpoints')
})

afterAll(async () => {
  await payload?.destroy()
  await emu?.close()
})

const newEmail = () => `reader-${randomUUID().slice(0, 8)}@example.com`

function request(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost:3000/api/subscriptions/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

async function post(path: string, body: unknown, headers?: Record<string, string>) {
  const res = await handleEndpoints({ config, request: request(path, body, headers) })
  return { status: res.status, body: await res.json(), cookies: res.headers.getSetCookie() }
}

async function subscription(email: string) {
  const { docs } = await payload.find({ collection: 'subscriptions', where: { email: { equals: email } } })
  return docs[0]
}

/** The newest code the emulator mailed to `email` (`codeFor` is synchronous). */
function codeFor(email: string): string {
  const code = emu.codeFor(email)
  expect(code).toMatch(/^\d{6}$/)
  return code as string
}

describe('POST /api/subscriptions/subscribe', () => {
  it('answers 200 with a registration flow and records a pending subscription for a new address', async () => {
    const email = newEmail()
    const res = await post('subscribe', { email })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['flowId', 'flowType'])
    expect(res.body.flowType).toBe('registration')
    expect(res.body.flowId).toMatch(/^[0-9a-f-]{36}$/)
    const row = await subscription(email)
    expect(row).toMatchObject({ email, status: 'pending', flowId: res.body.flowId, flowType: 'registration' })
    expect(row.identityId ?? null).toBeNull()
  })

  it('stores the address lower-cased and trimmed', async () => {
    const email = newEmail()
    const res = await post('subscribe', { email: `  ${email.toUpperCase()} ` })
    expect(res.status).toBe(200)
    expect((await subscription(email))?.email).toBe(email)
  })

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const res = await post('subscribe', '{"email":')
    expect(res).toEqual({
      status: 400,
      body: { error: 'invalid_json', message: 'The request body must be valid JSON.' },
      cookies: [],
    })
  })

  it('answers 400 invalid_json for JSON that is not an object', async () => {
    const res = await post('subscribe', '["a@example.com"]')
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_json', message: 'The request body must be a JSON object.' })
  })

  it('answers 400 missing_field when email is missing or blank', async () => {
    for (const body of [{}, { email: '   ' }, { email: null }]) {
      const res = await post('subscribe', body)
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ error: 'missing_field', field: 'email', message: 'The field "email" is required.' })
    }
  })

  it('answers 400 invalid_field when email is not a string', async () => {
    const res = await post('subscribe', { email: 42 })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_field', field: 'email', message: 'The field "email" must be a string.' })
  })

  it('answers 400 invalid_identifier for an address Kratos refuses', async () => {
    const res = await post('subscribe', { email: 'not-an-email' })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_identifier', message: 'Please enter a valid e-mail address.' })
    expect(await subscription('not-an-email')).toBeUndefined()
  })

  it('answers 413 for a body over 16 KiB', async () => {
    const res = await post('subscribe', { email: 'a'.repeat(17 * 1024) })
    expect(res.status).toBe(413)
    expect(res.body.error).toBe('body_too_large')
  })
})

describe('POST /api/subscriptions/verify', () => {
  it('confirms a new subscriber with the code from the e-mail', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email, status: 'confirmed', signedIn: res.cookies.length === 1 })
    const row = await subscription(email)
    expect(row).toMatchObject({ email, status: 'confirmed', flowId: sent.body.flowId })
    expect(row.identityId).toMatch(/^[0-9a-f-]{36}$/)
    expect(row.confirmedAt).toBeTruthy()
  })

  it('signs a returning subscriber in with a login flow and an HttpOnly SameSite=Lax cookie', async () => {
    const email = newEmail()
    const first = await post('subscribe', { email })
    await post('verify', { ...first.body, code: codeFor(email) })
    const confirmedAt = (await subscription(email)).confirmedAt

    const again = await post('subscribe', { email })
    expect(again.status).toBe(200)
    expect(again.body.flowType).toBe('login')
    // Asking again keeps a confirmed subscriber confirmed.
    expect((await subscription(email)).status).toBe('confirmed')

    const res = await post('verify', { ...again.body, code: codeFor(email) })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email, status: 'confirmed', signedIn: true })
    expect(res.cookies).toHaveLength(1)
    expect(res.cookies[0]).toMatch(/^ory_session_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax(; Max-Age=\d+)?$/)
    expect(JSON.stringify(res.body)).not.toContain(res.cookies[0].split(';')[0].split('=')[1])
    const row = await subscription(email)
    expect(row.confirmedAt).toBe(confirmedAt)
    expect(row.flowId).toBe(again.body.flowId)
  })

  it('marks the cookie Secure when the client came over https', async () => {
    const email = newEmail()
    emu.createIdentity(email)
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('login')
    const res = await post('verify', { ...sent.body, code: codeFor(email) }, { 'x-forwarded-proto': 'https' })
    expect(res.status).toBe(200)
    expect(res.cookies[0]).toMatch(/; HttpOnly; SameSite=Lax(; Max-Age=\d+)?; Secure$/)
  })

  it('confirms an address that Ory knew before this app did', async () => {
    const email = newEmail()
    emu.createIdentity(email)
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('login')
    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    expect(res.body).toEqual({ email, status: 'confirmed', signedIn: true })
  })

  it('answers 400 invalid_code for a wrong code and leaves the subscription pending', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    const res = await post('verify', { ...sent.body, code: wrong })
    expect(res).toEqual({
      status: 400,
      body: { error: 'invalid_code', message: 'That code is not correct. Check the e-mail we sent and try again.' },
      cookies: [],
    })
    expect((await subscription(email)).status).toBe('pending')
  })

  it('answers 404 flow_not_found for a well-formed flow id Ory does not know', async () => {
    const res = await post('verify', { flowId: randomUUID(), flowType: 'login', code: '123456' })
    expect(res.status).toBe(404)
    expect(res.body).toEqual({
      error: 'flow_not_found',
      message: 'We could not find this sign-up attempt. Please ask for a new code.',
    })
  })

  it('answers 400 invalid_request when the addon refuses a flow id that is not a UUID', async () => {
    const res = await post('verify', { flowId: 'nope', flowType: 'login', code: '123456' })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_request', message: 'The request has a value in the wrong format.' })
  })

  it('answers 400 invalid_request when the code has non-digits, without echoing it', async () => {
    const res = await post('verify', { flowId: randomUUID(), flowType: 'login', code: '12a456' })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
    expect(JSON.stringify(res.body)).not.toContain('12a456')
  })

  it('answers 400 for bad JSON, a missing field and an unknown flowType', async () => {
    expect((await post('verify', 'code=123456')).body.error).toBe('invalid_json')
    const missing = await post('verify', { flowId: randomUUID(), flowType: 'login' })
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual({ error: 'missing_field', field: 'code', message: 'The field "code" is required.' })
    const type = await post('verify', { flowId: randomUUID(), flowType: 'settings', code: '123456' })
    expect(type.status).toBe(400)
    expect(type.body).toEqual({
      error: 'invalid_field',
      field: 'flowType',
      message: 'The field "flowType" must be one of: registration, login.',
    })
  })
})

// Refusals the real addon classifies from the emulator's real answers, through Payload's router.
describe('refusals from Ory, through the addon', () => {
  it('answers 429 rate_limited with Retry-After when Ory rate-limits the subscribe', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service/login', retryAfterSeconds: 17, times: 1 })
    try {
      const email = newEmail()
      const req = request('subscribe', { email })
      const res = await handleEndpoints({ config, request: req })
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('17')
      expect(await res.json()).toEqual({
        error: 'rate_limited',
        message: 'Too many requests. Please wait a moment and try again.',
        retryAfterSeconds: 17,
      })
      expect(await subscription(email)).toBeUndefined()
    } finally {
      emu.removeFault(fault)
    }
  })

  it('answers 409 account_exists when the address got an account between subscribe and verify', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('registration')
    emu.createIdentity(email)
    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    expect(res.status).toBe(409)
    expect(res.body.error).toBe('account_exists')
    expect(res.cookies).toEqual([])
    expect((await subscription(email)).status).toBe('pending')
  })

  it('answers 429 too_many_attempts once the flow has taken its five submissions', async () => {
    const email = newEmail()
    emu.createIdentity(email)
    const sent = await post('subscribe', { email })
    expect(sent.body.flowType).toBe('login')
    const code = codeFor(email)
    const wrong = code === '000000' ? '111111' : '000000'
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await post('verify', { ...sent.body, code: wrong })).body.error)
    expect(statuses).toEqual(Array(5).fill('invalid_code'))
    // The right code no longer helps: the sixth submission is over the limit.
    const res = await post('verify', { ...sent.body, code })
    expect(res.status).toBe(429)
    expect(res.body).toEqual({ error: 'too_many_attempts', message: 'Too many wrong codes. Please ask for a new code.' })
  })

  it('confirms without a cookie when the project issues no session after registration', async () => {
    const noSession = await startEmulator({ sessionAfterRegistration: false })
    try {
      const ory = new OryOtc({ baseUrl: noSession.url })
      const email = newEmail()
      const subscribe = endpoints.createSubscribeHandler({ ory: () => ory })
      const verify = endpoints.createVerifyHandler({ ory: () => ory })
      const sent = await subscribe(await createPayloadRequest({ config, request: request('subscribe', { email }) }))
      const flow = await sent.json()
      expect(flow.flowType).toBe('registration')
      const code = noSession.codeFor(email)
      const res = await verify(await createPayloadRequest({ config, request: request('verify', { ...flow, code }) }))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ email, status: 'confirmed', signedIn: false })
      expect(res.headers.get('set-cookie')).toBeNull()
    } finally {
      await noSession.close()
    }
  })

  // Moves the emulator's clock by two hours, so it runs after every test that needs a fresh flow.
  it('answers 410 flow_expired for a code submitted after the flow expired', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    emu.advanceTime(2 * 60 * 60 * 1000)
    const res = await post('verify', { ...sent.body, code })
    expect(res.status).toBe(410)
    expect(res.body).toEqual({
      error: 'flow_expired',
      message: 'This sign-up attempt has expired. Please ask for a new code.',
    })
    expect((await subscription(email)).status).toBe('pending')
  })
})

// The handlers called directly, with a Payload request but a stand-in for Ory.
describe('refusals and failures mapped to HTTP', () => {
  async function callSubscribe(ory: () => OryPort, body: unknown = { email: newEmail() }) {
    const req = await createPayloadRequest({ config, request: request('subscribe', body) })
    const res = await endpoints.createSubscribeHandler({ ory })(req)
    return { status: res.status, body: await res.json(), headers: res.headers }
  }

  async function callVerify(ory: () => OryPort) {
    const req = await createPayloadRequest({
      config,
      request: request('verify', { flowId: randomUUID(), flowType: 'registration', code: '123456' }),
    })
    const res = await endpoints.createVerifyHandler({ ory })(req)
    return { status: res.status, body: await res.json(), headers: res.headers }
  }

  const sendsBack = (result: SendCodeResult): OryPort => ({
    sendCode: async () => result,
    verifyCode: async () => {
      throw new Error('not called')
    },
  })
  const verifiesAs = (result: VerifyCodeResult): OryPort => ({
    sendCode: async () => {
      throw new Error('not called')
    },
    verifyCode: async () => result,
  })

  // Every refusal of each union, with the HTTP status it must become. `satisfies` makes the
  // type check fail when the addon grows a status that is missing here.
  const sendRefusals = {
    account_not_found: 404,
    invalid_identifier: 400,
    session_already_available: 409,
    flow_expired: 410,
    flow_not_found: 404,
    rate_limited: 429,
    rejected: 422,
  } as const satisfies Record<Extract<SendCodeResult, { ok: false }>['status'], number>
  const verifyRefusals = {
    invalid_code: 400,
    code_expired: 410,
    too_many_attempts: 429,
    account_exists: 409,
    flow_expired: 410,
    flow_not_found: 404,
    rate_limited: 429,
    rejected: 422,
  } as const satisfies Record<Extract<VerifyCodeResult, { ok: false }>['status'], number>

  const flow = () => ({ flowId: randomUUID(), flowType: 'login' as const, messages: [] })
  const rejected = () =>
    ({ ok: false, status: 'rejected', httpStatus: 403, errorId: 'security_csrf_violation', messages: [] }) satisfies
      Extract<SendCodeResult, { status: 'rejected' }>

  /** A complete `sendCode` refusal of the given status, shaped as the addon's type says. */
  function sendRefusal(status: keyof typeof sendRefusals): SendCodeResult {
    switch (status) {
      case 'rate_limited':
        return { ok: false, status, messages: [] }
      case 'rejected':
        return rejected()
      default:
        return { ok: false, status, ...flow() }
    }
  }

  /** A complete `verifyCode` refusal of the given status. */
  function verifyRefusal(status: keyof typeof verifyRefusals): VerifyCodeResult {
    switch (status) {
      case 'rate_limited':
        return { ok: false, status, messages: [] }
      case 'rejected':
        return rejected()
      default:
        return { ok: false, status, ...flow() }
    }
  }

  it.each(Object.entries(sendRefusals) as [keyof typeof sendRefusals, number][])(
    'maps sendCode %s to %i',
    async (status, http) => {
      const res = await callSubscribe(() => sendsBack(sendRefusal(status)))
      expect(res.status).toBe(http)
      expect(res.body).toEqual({ error: status, message: expect.any(String) })
      expect(res.headers.get('retry-after')).toBeNull()
    },
  )

  it('maps sendCode rate_limited to 429 with Retry-After', async () => {
    const res = await callSubscribe(() => sendsBack({ ok: false, status: 'rate_limited', retryAfterSeconds: 30, messages: [] }))
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('30')
    expect(res.body).toEqual({
      error: 'rate_limited',
      message: 'Too many requests. Please wait a moment and try again.',
      retryAfterSeconds: 30,
    })
  })

  it.each(Object.entries(verifyRefusals) as [keyof typeof verifyRefusals, number][])(
    'maps verifyCode %s to %i',
    async (status, http) => {
      const res = await callVerify(() => verifiesAs(verifyRefusal(status)))
      expect(res.status).toBe(http)
      expect(res.body).toEqual({ error: status, message: expect.any(String) })
      expect(res.headers.get('retry-after')).toBeNull()
    },
  )

  it('confirms a registration that issued no session, without a cookie', async () => {
    const email = newEmail()
    const res = await callVerify(() =>
      verifiesAs({
        ok: true,
        status: 'registered',
        flowType: 'registration',
        identity: {
          id: randomUUID(),
          schemaId: 'default',
          traits: { email },
          verifiableAddresses: [],
          metadataPublic: null,
        },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email, status: 'confirmed', signedIn: false })
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  describe('with a real client that cannot reach Ory', () => {
    let hanging: Server
    let broken: Server
    let hangingUrl: string
    let brokenUrl: string
    let closedUrl: string

    beforeAll(async () => {
      // Accepts and never answers: the addon's timeout fires.
      hanging = createServer(() => {})
      // Answers every request with a 500.
      broken = createServer((_req, res) => {
        res.statusCode = 500
        res.setHeader('content-type', 'application/json')
        res.end('{"error":{"code":500,"status":"Internal Server Error","message":"boom"}}')
      })
      const closed = createServer()
      hangingUrl = await listen(hanging)
      brokenUrl = await listen(broken)
      closedUrl = await listen(closed)
      await new Promise((r) => closed.close(r))
    })

    afterAll(() => {
      hanging?.closeAllConnections()
      hanging?.close()
      broken?.close()
    })

    it('answers 504 upstream_timeout when Ory does not answer in time', async () => {
      const ory = new OryOtc({ baseUrl: hangingUrl, timeoutMs: 300 })
      const res = await callSubscribe(() => ory)
      expect(res.status).toBe(504)
      expect(res.body).toEqual({
        error: 'upstream_timeout',
        message: 'The sign-in service is not available right now. Please try again shortly.',
      })
    })

    it('answers 502 upstream_error when Ory answers 500', async () => {
      const ory = new OryOtc({ baseUrl: brokenUrl, timeoutMs: 5000 })
      const res = await callSubscribe(() => ory)
      expect(res.status).toBe(502)
      expect(res.body.error).toBe('upstream_error')
      expect(JSON.stringify(res.body)).not.toContain('boom')
    })

    it('answers 502 upstream_error when nothing listens at the Ory URL', async () => {
      const ory = new OryOtc({ baseUrl: closedUrl, timeoutMs: 5000 })
      const res = await callSubscribe(() => ory)
      expect(res.status).toBe(502)
      expect(res.body.error).toBe('upstream_error')
      expect(JSON.stringify(res.body)).not.toContain(closedUrl)
    })

    it('answers 503 service_unavailable when no Ory URL is configured', async () => {
      const saved = process.env.ORY_SDK_URL
      delete process.env.ORY_SDK_URL
      try {
        const res = await callSubscribe(() => new OryOtc({}))
        expect(res.status).toBe(503)
        expect(res.body.error).toBe('service_unavailable')
      } finally {
        process.env.ORY_SDK_URL = saved
      }
    })
  })
})

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
