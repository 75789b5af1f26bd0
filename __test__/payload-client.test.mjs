// ory-otc/payload/client against the plugin's own endpoint handlers, served over real HTTP by
// node:http against the emulator (subscriber documents off, so no Payload is needed). Each
// answer the endpoints give must come back as a value with its status; so must a server that is
// down and one that answers something else. The page that uses the client is driven in Chromium
// in examples/payload-subscribe (test/browser.test.mjs).
//
// Run with: node --test __test__/payload-client.test.mjs      (needs `npm run build`)
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { after, before, describe, it } from 'node:test'

import { oryOtcPlugin } from 'ory-otc/payload'
import { subscribe, subscriptionClient } from 'ory-otc/payload/client'
import { startEmulator } from 'ory-otc-emulator'

const UNAVAILABLE = 'The sign-in service is not available right now. Please try again shortly.'

let emu
let server
let client
const logged = []

/** Serves the plugin's endpoints on `/api/subscriptions/*`, as Payload's REST route would call them. */
async function serveEndpoints() {
  const cfg = oryOtcPlugin({ collection: 'subscriptions', subscriber: false, ory: { baseUrl: emu.url } })({
    collections: [{ slug: 'subscriptions', fields: [] }],
  })
  const { endpoints } = cfg.collections[0]
  const srv = createServer(async (incoming, outgoing) => {
    const chunks = []
    for await (const chunk of incoming) chunks.push(chunk)
    const url = `http://${incoming.headers.host}${incoming.url}`
    const endpoint = endpoints.find((e) => url.endsWith(`/api/subscriptions${e.path}`) && e.method === incoming.method.toLowerCase())
    if (!endpoint) {
      outgoing.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>')
      return
    }
    const req = new Request(url, { method: incoming.method, headers: incoming.headers, body: Buffer.concat(chunks) })
    req.payload = { logger: { error: (obj, msg) => logged.push([obj, msg]) } }
    const res = await endpoint.handler(req)
    const headers = Object.fromEntries([...res.headers].filter(([k]) => k !== 'set-cookie'))
    outgoing.writeHead(res.status, { ...headers, 'set-cookie': res.headers.getSetCookie() })
    outgoing.end(Buffer.from(await res.arrayBuffer()))
  })
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  return srv
}

const origin = () => `http://127.0.0.1:${server.address().port}`
const newEmail = () => `client-${randomUUID().slice(0, 8)}@example.com`
const wrongCode = (code) => (code === '000000' ? '111111' : '000000')

before(async () => {
  emu = await startEmulator()
  server = await serveEndpoints()
  client = subscriptionClient({ url: `${origin()}/api/subscriptions/` })
})

after(async () => {
  server?.close()
  await emu?.close()
})

describe('ory-otc/payload/client against the plugin’s endpoints', () => {
  it('subscribe, a wrong code, then the right one: code_sent, invalid_code (400), signed_in', async () => {
    const email = newEmail()
    const sent = await client.subscribe(email)
    assert.equal(sent.status, 'code_sent')
    assert.equal(sent.ok, true)
    assert.equal(sent.flowType, 'registration')
    assert.match(sent.flowId, /^[0-9a-f-]{36}$/)
    const code = emu.codeFor(email)
    const wrong = await client.verify({ flowId: sent.flowId, flowType: sent.flowType, code: wrongCode(code) })
    assert.deepEqual(wrong, {
      ok: false,
      status: 'invalid_code',
      httpStatus: 400,
      message: 'That code is not right. Check the e-mail and try again.',
    })
    const done = await client.verify({ flowId: sent.flowId, flowType: sent.flowType, code })
    assert.deepEqual(done, { ok: true, status: 'signed_in', email })
  })

  it('resend: code_sent on the same flow, and the new code works', async () => {
    const email = newEmail()
    const sent = await client.subscribe(email)
    const old = emu.codeFor(email)
    const again = await client.resend({ flowId: sent.flowId, flowType: sent.flowType, email })
    assert.deepEqual(again, sent)
    const fresh = emu.codeFor(email)
    assert.notEqual(fresh, old)
    assert.equal((await client.verify({ ...sent, code: fresh })).status, 'signed_in')
  })

  it('invalid_identifier (400) and flow_not_found (410) come back with the server’s sentence', async () => {
    assert.deepEqual(await client.subscribe('not-an-email'), {
      ok: false,
      status: 'invalid_identifier',
      httpStatus: 400,
      message: 'Please enter a valid e-mail address.',
    })
    const gone = await client.verify({ flowId: randomUUID(), flowType: 'login', code: '123456' })
    assert.equal(gone.status, 'flow_not_found')
    assert.equal(gone.ok === false && 'httpStatus' in gone && gone.httpStatus, 410)
  })

  it('invalid_request (400) for a value the endpoint refuses', async () => {
    const r = await client.verify({ flowId: randomUUID(), flowType: 'login', code: '' })
    assert.deepEqual(r, { ok: false, status: 'invalid_request', httpStatus: 400, message: '"code" must be a non-empty string.' })
  })

  it('rate_limited (429) carries Retry-After as retryAfterSeconds', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service', retryAfterSeconds: 23 })
    try {
      const r = await client.subscribe(newEmail())
      assert.deepEqual(r, {
        ok: false,
        status: 'rate_limited',
        httpStatus: 429,
        retryAfterSeconds: 23,
        message: 'Too many requests. Please wait a moment and try again.',
      })
    } finally {
      emu.removeFault(fault)
    }
  })

  it('auth_unavailable with 502 or 503 when Ory fails', async () => {
    for (const [kind, httpStatus] of [['server_error', 502], ['bad_gateway', 503]]) {
      const fault = emu.setFault({ kind, route: '/self-service' })
      try {
        assert.deepEqual(await client.subscribe(newEmail()), { ok: false, status: 'auth_unavailable', httpStatus, message: UNAVAILABLE })
      } finally {
        emu.removeFault(fault)
      }
    }
  })

  it('logout without a session is logged_out', async () => {
    assert.deepEqual(await client.logout(), { ok: true, status: 'logged_out' })
  })
})

describe('ory-otc/payload/client when the answer is not the plugin’s', () => {
  it('network_error when nothing listens, instead of a rejected promise', async () => {
    const idle = createServer()
    await new Promise((resolve) => idle.listen(0, '127.0.0.1', resolve))
    const { port } = idle.address()
    await new Promise((resolve) => idle.close(resolve))
    const r = await subscriptionClient({ url: `http://127.0.0.1:${port}/api/subscriptions` }).subscribe(newEmail())
    assert.equal(r.status, 'network_error')
    assert.equal(r.ok, false)
    assert.match(r.message, /could not be reached/)
  })

  it('unexpected_response for a page that is not JSON (a wrong url), with its HTTP status', async () => {
    const r = await subscriptionClient({ url: `${origin()}/api/nowhere` }).subscribe(newEmail())
    assert.equal(r.status, 'unexpected_response')
    assert.equal(r.httpStatus, 404)
  })

  it('unexpected_response for a 200 without the expected fields', async () => {
    const fetch = async () => Response.json({ hello: 'world' })
    const r = await subscriptionClient({ fetch }).subscribe(newEmail())
    assert.deepEqual(r, { ok: false, status: 'unexpected_response', httpStatus: 200, message: r.message })
  })

  it('reads a Retry-After given as an HTTP date', async () => {
    const when = new Date(Date.now() + 30_000).toUTCString()
    const fetch = async () =>
      Response.json({ error: 'rate_limited', message: 'wait' }, { status: 429, headers: { 'retry-after': when } })
    const r = await subscriptionClient({ fetch }).resend({ flowId: randomUUID(), flowType: 'login' })
    assert.equal(r.status, 'rate_limited')
    assert.ok(r.retryAfterSeconds >= 28 && r.retryAfterSeconds <= 30, String(r.retryAfterSeconds))
  })

  it('rejects with the abort reason when the caller aborts, as fetch does', async () => {
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(client.subscribe(newEmail(), { signal: controller.signal }), { name: 'AbortError' })
  })

  it('posts JSON with the page’s cookies to /api/subscriptions by default', async () => {
    const seen = []
    const fetch = async (url, init) => {
      seen.push({ url, init })
      return Response.json({ signedIn: false })
    }
    const previous = globalThis.fetch
    globalThis.fetch = fetch // the default client looks fetch up on each call
    try {
      assert.deepEqual(await subscribe('ada@example.com').then((r) => r.status), 'unexpected_response')
    } finally {
      globalThis.fetch = previous
    }
    assert.equal(seen[0].url, '/api/subscriptions/subscribe')
    assert.equal(seen[0].init.method, 'POST')
    assert.equal(seen[0].init.credentials, 'same-origin')
    assert.equal(seen[0].init.headers['content-type'], 'application/json')
    assert.equal(seen[0].init.body, '{"email":"ada@example.com"}')
  })
})
