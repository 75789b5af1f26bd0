// End-to-end test: the built app under `next start`, driven over HTTP against the ory-otc
// emulator. Migrates a fresh SQLite file with `payload migrate` (production `next start` does
// not create tables), builds with `next build` unless told to reuse a build, starts the server
// on a free port, and stops it by its pid.
//
// Run with: npm run test:e2e
//   E2E_REUSE_BUILD=1       reuse .next when .next/BUILD_ID exists (run-ci.sh builds first)
//   E2E_SERVER_PIDFILE=f    write the server's pid (and process group) to f, for run-ci.sh's cleanup
//
// Needs the addon installed from its tarballs (npm run install:addon); without it the run fails.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const run = promisify(execFile)

const NEXT_BIN = path.join(root, 'node_modules/next/dist/bin/next')
const PAYLOAD_BIN = path.join(root, 'node_modules/payload/bin.js')
/** The addon, loaded as the server will load it; a missing package or binary fails the run here. */
function loadAddon(name = 'ory-otc') {
  try {
    return require(name)
  } catch (err) {
    throw new Error(
      `${name} is not installed in ${root} (run \`npm run pack\` at the repository root, then ` +
        `\`npm run install:addon\` here): ${err.message}`,
    )
  }
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

let emu
let tmp
let server
let baseUrl
let serverLog = ''
const secrets = [] // every code and session token seen; none may appear in the server's output
const env = () => ({
  ...process.env,
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  PAYLOAD_SECRET: 'e2e-' + randomUUID(),
  DATABASE_URI: `file:${path.join(tmp, 'e2e.db')}`,
  ORY_SDK_URL: emu.url,
})

before(async () => {
  const { startEmulator } = loadAddon('ory-otc-emulator')
  emu = await startEmulator()
  tmp = mkdtempSync(path.join(tmpdir(), 'payload-subscribe-e2e-'))
  const serverEnv = env()

  await run(process.execPath, [PAYLOAD_BIN, 'migrate'], { cwd: root, env: serverEnv, timeout: 180_000 })

  const reuse = process.env.E2E_REUSE_BUILD === '1' && existsSync(path.join(root, '.next/BUILD_ID'))
  if (!reuse) {
    await run(process.execPath, [NEXT_BIN, 'build'], { cwd: root, env: serverEnv, timeout: 600_000, maxBuffer: 64 << 20 })
  }

  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  // Its own process group, so that stopping it by pid also stops anything it started.
  server = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env: serverEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // run-ci.sh stops the server through this file if this process dies before `after` runs.
  if (process.env.E2E_SERVER_PIDFILE) writeFileSync(process.env.E2E_SERVER_PIDFILE, `${server.pid}\n`)
  server.stdout.on('data', (d) => (serverLog += d))
  server.stderr.on('data', (d) => (serverLog += d))
  await waitUntilUp()
}, { timeout: 900_000 })

after(async () => {
  try {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      process.kill(-server.pid, 'SIGTERM')
      const stopped = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)])
      if (!stopped) process.kill(-server.pid, 'SIGKILL')
    }
  } finally {
    await emu?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  }
})

async function waitUntilUp() {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}:\n${serverLog}`)
    try {
      await fetch(`${baseUrl}/api/members/me`, { signal: AbortSignal.timeout(5_000) })
      return
    } catch {
      await delay(250)
    }
  }
  throw new Error(`next start did not answer within 60 s:\n${serverLog}`)
}

/** Polls `check` (the server's output arrives on its own schedule) for up to 5 s. */
async function waitFor(check, what) {
  for (let i = 0; i < 50 && !check(); i++) await delay(100)
  assert.ok(check(), `timed out waiting for ${what}`)
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A browser's cookies for the app's origin: keeps what `Set-Cookie` sets, forgets what it
 * expires (`Max-Age=0`), sends them all back. The app's cookies have no Domain and Path=/.
 */
class CookieJar {
  #cookies = new Map()

  store(setCookies) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(eq + 1).trim())
    }
  }

  get(name) {
    return this.#cookies.get(name)
  }

  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

/**
 * One request to the app: `body` is sent as JSON (a string as it is); `jar` sends its cookies
 * and keeps the answer's. Every answer must be JSON.
 */
async function request(method, path, { body, jar, headers = {} } = {}) {
  const init = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
  }
  if (jar?.header()) init.headers.cookie = jar.header()
  const res = await fetch(`${baseUrl}/api/${path}`, init)
  const cookies = res.headers.getSetCookie()
  jar?.store(cookies)
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    assert.fail(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`)
  }
  return { status: res.status, body: json, cookies, headers: res.headers }
}

const post = (endpoint, body, options = {}) => request('POST', `subscriptions/${endpoint}`, { body, ...options })
const me = (jar) => request('GET', 'members/me', { jar })

/** The newest code the emulator mailed to `email` (`codeFor` is synchronous). */
function codeFor(email) {
  const code = emu.codeFor(email)
  assert.match(code ?? '', /^\d{6}$/, `the emulator mailed no code to ${email}`)
  secrets.push(code)
  return code
}

const wrongCode = (code) => (code === '000000' ? '111111' : '000000')

/** The one Set-Cookie of a sign-in: the session token, HttpOnly, SameSite=Lax, not Secure over http. */
function checkSessionCookie(cookies) {
  assert.equal(cookies.length, 1, `expected one Set-Cookie, got ${cookies.length}`)
  const [cookie] = cookies
  assert.match(cookie, /^ory_session_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/)
  secrets.push(decodeURIComponent(cookie.split(';')[0].slice('ory_session_token='.length)))
}

const CLEARED = 'ory_session_token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'
const UNAVAILABLE = 'The sign-in service is not available right now. Please try again shortly.'
const newEmail = () => `e2e-${randomUUID().slice(0, 8)}@example.com`

/** Subscribes `email` and verifies it with the code from the emulator, in `jar`. */
async function signUp(email, jar) {
  const sent = await post('subscribe', { email }, { jar })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  const done = await post('verify', { ...sent.body, code: codeFor(email) }, { jar })
  assert.equal(done.status, 200, JSON.stringify(done.body))
  checkSessionCookie(done.cookies)
  return done
}

describe('API mode under next start: sign-up, me, logout', { timeout: 120_000 }, () => {
  const email = newEmail()
  const browser = new CookieJar()
  let member

  it('signs a new subscriber up: subscribe, code from the emulator, verify sets the session cookie', async () => {
    const sent = await post('subscribe', { email }, { jar: browser })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.match(sent.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(Object.keys(sent.body).sort(), ['flowId', 'flowType'])
    assert.equal(sent.body.flowType, 'registration')
    assert.deepEqual(sent.cookies, [])

    const res = await post('verify', { ...sent.body, code: codeFor(email) }, { jar: browser })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    // The emulator issues a session after registration, as Kratos's `session` hook does: the
    // sign-up must say so and set the cookie.
    assert.deepEqual(res.body, { email, signedIn: true })
    checkSessionCookie(res.cookies)
  })

  it('GET /api/members/me returns the member by the Ory session', async () => {
    const res = await me(browser)
    assert.equal(res.status, 200)
    assert.equal(res.body.user?.email, email)
    assert.equal(res.body.user.collection, 'members')
    assert.equal(res.body.user._strategy, 'ory-otc')
    assert.match(res.body.user.oryIdentityId, /^[0-9a-f-]{36}$/)
    member = res.body.user
  })

  it('GET /api/members/me is empty for a browser without the cookie', async () => {
    const res = await me(new CookieJar())
    assert.equal(res.status, 200)
    assert.equal(res.body.user, null)
  })

  it('signs the returning subscriber in with a login flow, as the same member', async () => {
    const sent = await post('subscribe', { email }, { jar: browser })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(sent.body.flowType, 'login')
    const res = await post('verify', { ...sent.body, code: codeFor(email) }, { jar: browser })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { email, signedIn: true })
    checkSessionCookie(res.cookies)
    assert.equal((await me(browser)).body.user?.id, member.id)
  })

  it('stored the subscriber for admins only: email, Ory identity id, two verifications', async () => {
    assert.equal((await request('GET', 'subscriptions')).status, 403)
    assert.equal((await request('GET', 'subscriptions', { jar: browser })).status, 403, 'a member is not an admin')
    const register = await request('POST', 'users/first-register', {
      body: { email: 'admin@example.com', password: 'e2e-' + randomUUID() },
    })
    assert.equal(register.status, 200)
    const list = await request('GET', `subscriptions?where[email][equals]=${encodeURIComponent(email)}&depth=0`, {
      headers: { Authorization: `JWT ${register.body.token}` },
    })
    assert.equal(list.status, 200)
    assert.equal(list.body.docs.length, 1)
    const [doc] = list.body.docs
    assert.equal(doc.oryIdentityId, member.oryIdentityId)
    assert.equal(doc.verifications, 2)
    assert.ok(doc.verifiedAt && doc.createdAt && doc.updatedAt)
  })

  it('POST /api/subscriptions/logout clears the cookie and ends the session: me is empty', async () => {
    const stolen = new CookieJar()
    stolen.store([`ory_session_token=${browser.get('ory_session_token')}`])
    const res = await post('logout', {}, { jar: browser })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { signedIn: false })
    assert.deepEqual(res.cookies, [CLEARED])
    assert.equal(browser.get('ory_session_token'), undefined)
    assert.equal((await me(browser)).body.user, null)
    // A copy of the old cookie is worth nothing either: Ory revoked the session.
    assert.equal((await me(stolen)).body.user, null)
  })

  it("Payload's own POST /api/members/logout ends the Ory session too", async () => {
    const other = new CookieJar()
    await signUp(newEmail(), other)
    assert.ok((await me(other)).body.user)
    const res = await request('POST', 'members/logout', { jar: other })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.cookies.includes(CLEARED), JSON.stringify(res.cookies))
    assert.equal((await me(other)).body.user, null)
  })
})

describe('each refusal and failure under next start gets its documented status', { timeout: 120_000 }, () => {
  it('400 invalid_request: bad JSON, a missing field, a malformed flow id', async () => {
    for (const endpoint of ['subscribe', 'verify', 'resend']) {
      const res = await post(endpoint, '{"email":')
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { error: 'invalid_request', message: 'The request body must be a JSON object.' })
    }
    const missing = await post('verify', { flowId: randomUUID(), flowType: 'login' })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { error: 'invalid_request', message: '"code" must be a non-empty string.' })
    const malformed = await post('verify', { flowId: 'not-a-flow', flowType: 'login', code: '123456' })
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.error, 'invalid_request')
    assert.doesNotMatch(malformed.body.message, /not-a-flow/)
  })

  it('400 invalid_identifier for an address Ory refuses', async () => {
    const res = await post('subscribe', { email: 'not-an-email' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_identifier', message: 'Please enter a valid e-mail address.' })
  })

  it('400 invalid_code for a wrong code, with no cookie; then the right code works', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    const res = await post('verify', { ...sent.body, code: wrongCode(code) })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_code', message: 'That code is not right. Check the e-mail and try again.' })
    assert.deepEqual(res.cookies, [])
    const ok = await post('verify', { ...sent.body, code })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.deepEqual(ok.body, { email, signedIn: true })
    checkSessionCookie(ok.cookies)
  })

  it('409 account_exists when the address got an account between subscribe and verify', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    assert.equal(sent.body.flowType, 'registration')
    emu.createIdentity(email)
    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    assert.equal(res.status, 409)
    assert.equal(res.body.error, 'account_exists')
    assert.deepEqual(res.cookies, [])
  })

  it('410 flow_not_found for a flow Ory does not know (verify and resend)', async () => {
    for (const endpoint of ['verify', 'resend']) {
      const res = await post(endpoint, { flowId: randomUUID(), flowType: 'registration', code: '123456', email: newEmail() })
      assert.equal(res.status, 410)
      assert.deepEqual(res.body, { error: 'flow_not_found', message: 'This sign-in attempt is unknown. Please ask for a new code.' })
    }
  })

  it('410 too_many_attempts after five wrong codes', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    for (let i = 0; i < 5; i++) assert.equal((await post('verify', { ...sent.body, code: wrongCode(code) })).status, 400)
    const res = await post('verify', { ...sent.body, code })
    assert.equal(res.status, 410)
    assert.equal(res.body.error, 'too_many_attempts')
  })

  it('429 rate_limited with Retry-After through Next', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service/login', retryAfterSeconds: 23 })
    try {
      const res = await post('subscribe', { email: newEmail() })
      assert.equal(res.status, 429)
      assert.equal(res.headers.get('retry-after'), '23')
      assert.deepEqual(res.body, { error: 'rate_limited', message: 'Too many requests. Please wait a moment and try again.' })
    } finally {
      emu.removeFault(fault)
    }
  })

  it('502 when Ory answers 500, 503 when it answers 502; the log has the error code only', async () => {
    for (const [kind, status, code] of [['server_error', 502, 'ERR_ORY_SERVER'], ['bad_gateway', 503, 'ERR_ORY_SERVER']]) {
      const fault = emu.setFault({ kind, route: '/self-service/login' })
      try {
        const res = await post('subscribe', { email: newEmail() })
        assert.equal(res.status, status, `${kind}: ${JSON.stringify(res.body)}`)
        assert.deepEqual(res.body, { error: 'auth_unavailable', message: UNAVAILABLE })
      } finally {
        emu.removeFault(fault)
      }
      await waitFor(() => serverLog.includes('ory-otc call failed') && serverLog.includes(code), 'the failure in the server log')
    }
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
    const jar = new CookieJar()
    jar.store([`ory_session_token=${encodeURIComponent(done.sessionToken)}`])
    const fault = emu.setFault({ kind: 'server_error', route: '/sessions/whoami' })
    try {
      const res = await me(jar)
      assert.equal(res.status, 200)
      assert.equal(res.body.user, null)
    } finally {
      emu.removeFault(fault)
    }
    assert.equal((await me(jar)).body.user?.email, email, 'signed in once Ory answers again')
    await waitFor(() => serverLog.includes('ory-otc whoami failed'), 'the whoami failure in the server log')
  })

  // Moves the emulator's clock, so it comes last. (An expired code in a live flow is
  // `invalid_code` on current Kratos, so `code_expired` is left to the unit tests.)
  it('410 flow_expired for a code submitted after the flow expired', async () => {
    const email = newEmail()
    const sent = await post('subscribe', { email })
    const code = codeFor(email)
    emu.advanceTime(2 * 60 * 60_000)
    const res = await post('verify', { ...sent.body, code })
    assert.equal(res.status, 410)
    assert.deepEqual(res.body, { error: 'flow_expired', message: 'This sign-in attempt has expired. Please ask for a new code.' })
  })
})

describe('secrets', () => {
  it('never wrote a code or a session token to the server log', () => {
    assert.ok(secrets.length >= 8, `expected codes and tokens to check, got ${secrets.length}`)
    for (const secret of secrets) assert.ok(!serverLog.includes(secret), 'a secret reached the server log')
  })
})
