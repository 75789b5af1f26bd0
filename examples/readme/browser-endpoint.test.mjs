// Runs the README's browser-mode endpoints as written (browser-endpoint.mjs) against the
// emulator, with a cookie jar that does what a browser does with Set-Cookie.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startEmulator } from 'ory-otc-emulator'

let emu
let api
before(async () => {
  emu = await startEmulator()
  process.env.ORY_SDK_URL = emu.url // read by `new OryOtc()` when the module loads
  api = await import('./browser-endpoint.mjs')
})
after(() => emu.close())

/** A browser: keeps cookies from Set-Cookie, sends them back on every request. */
function browser() {
  const jar = new Map()
  return async (handler, body) => {
    const headers = new Headers()
    if (jar.size) headers.set('cookie', [...jar].map(([n, v]) => `${n}=${v}`).join('; '))
    const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) }
    const res = await handler(new Request('http://localhost/api/subscriptions', init))
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, value] = pair.split(/=(.*)/s)
      if (/max-age=0/i.test(line)) jar.delete(name)
      else jar.set(name, value)
    }
    return { status: res.status, body: await res.json(), jar }
  }
}

test('subscribe, verify by code, read the session, log out: all by cookie', async () => {
  const visit = browser()
  const sent = await visit(api.subscribe, { email: 'grace@example.com' })
  assert.equal(sent.status, 200)
  assert.equal(sent.body.flowType, 'registration')
  assert.ok([...sent.jar.keys()].some((n) => n.startsWith('csrf_token_')), 'the CSRF cookie reached the browser')

  const done = await visit(api.verify, { ...sent.body, code: emu.codeFor('grace@example.com') })
  assert.deepEqual([done.status, done.body], [200, { email: 'grace@example.com' }])
  assert.ok(done.jar.has('ory_kratos_session'), "Kratos's session cookie reached the browser")

  assert.deepEqual(await visit(api.me).then((r) => [r.status, r.body]), [200, { email: 'grace@example.com' }])
  const out = await visit(api.logout, {})
  assert.equal(out.status, 200)
  assert.equal(out.jar.has('ory_kratos_session'), false)
  assert.equal((await visit(api.me)).status, 401)
})

test('a verify without the browser cookies is a 403 csrf_violation, never a session', async () => {
  const sent = await browser()(api.subscribe, { email: 'alan@example.com' })
  const stranger = await browser()(api.verify, { ...sent.body, code: emu.codeFor('alan@example.com') })
  assert.deepEqual([stranger.status, stranger.body], [403, { error: 'csrf_violation', cause: 'no_cookie' }])
  assert.equal(stranger.jar.has('ory_kratos_session'), false)
})
