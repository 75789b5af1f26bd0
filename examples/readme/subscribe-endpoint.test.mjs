// Runs the README's endpoint as written (subscribe-endpoint.mjs), with Web Requests, against
// the emulator. `node --test examples/readme/` runs it; scripts/test.mjs does.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startEmulator } from 'ory-otc-emulator'

let emu
let subscribe
let verify
before(async () => {
  emu = await startEmulator()
  process.env.ORY_SDK_URL = emu.url // read by `new OryOtc()` when the module loads
  ;({ subscribe, verify } = await import('./subscribe-endpoint.mjs'))
})
after(() => emu.close())

const post = (body) =>
  new Request('http://localhost/api/subscriptions', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })

test('a new subscriber gets a registration code, then a session cookie', async () => {
  const sent = await subscribe(post({ email: 'ada@example.com' }))
  assert.equal(sent.status, 200)
  const { flowId, flowType } = await sent.json()
  assert.equal(flowType, 'registration')
  const done = await verify(post({ flowId, flowType, code: emu.codeFor('ada@example.com') }))
  assert.equal(done.status, 200)
  assert.deepEqual(await done.json(), { email: 'ada@example.com' })
  assert.match(done.headers.get('set-cookie'), /^ory_session=ory_st_[A-Za-z0-9]{32}; HttpOnly; Secure; SameSite=Lax; Path=\/$/)
})

test('a returning subscriber gets a login code', async () => {
  const sent = await subscribe(post({ email: 'ada@example.com' }))
  const { flowId, flowType } = await sent.json()
  assert.equal(flowType, 'login')
  const done = await verify(post({ flowId, flowType, code: emu.codeFor('ada@example.com') }))
  assert.equal(done.status, 200)
})

test('a wrong code, an unknown flow and bad input are 4xx, never 500', async () => {
  const sent = await (await subscribe(post({ email: 'bob@example.com' }))).json()
  const wrong = emu.codeFor('bob@example.com') === '000000' ? '111111' : '000000'
  const bad = await verify(post({ ...sent, code: wrong }))
  assert.equal(bad.status, 400)
  assert.equal((await bad.json()).error, 'invalid_code')

  const gone = await verify(post({ flowId: '0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d', flowType: 'login', code: '123456' }))
  assert.equal(gone.status, 410)
  assert.equal((await gone.json()).error, 'flow_not_found')

  for (const body of ['not json', 'null', {}, { email: 42 }]) assert.equal((await subscribe(post(body))).status, 400)
  for (const body of ['not json', 'null', { flowId: 'nope', flowType: 'login', code: '123456' }, { ...sent, code: 'abc' }]) {
    assert.equal((await verify(post(body))).status, 400)
  }
  const invalid = await subscribe(post({ email: 'not-an-email' }))
  assert.equal(invalid.status, 400)
  assert.equal((await invalid.json()).error, 'invalid_identifier')
})

test('Ory unreachable is a 503, not a crash', async () => {
  emu.setFault({ kind: 'bad_gateway' })
  try {
    const r = await subscribe(post({ email: 'carol@example.com' }))
    assert.equal(r.status, 503)
    assert.deepEqual(await r.json(), {
      error: 'auth_unavailable',
      message: 'The sign-in service is not available right now. Please try again shortly.',
    })
  } finally {
    emu.clearFaults()
  }
})

test('a rate limit is a 429 with Retry-After', async () => {
  emu.setFault({ kind: 'rate_limited', retryAfterSeconds: 17 })
  try {
    const r = await subscribe(post({ email: 'dave@example.com' }))
    assert.equal(r.status, 429)
    assert.equal(r.headers.get('retry-after'), '17')
    assert.equal((await r.json()).error, 'rate_limited')
  } finally {
    emu.clearFaults()
  }
})
