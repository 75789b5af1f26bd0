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
const MESSAGES = {
  invalidJson: 'The request body must be valid JSON.',
  invalidCode: 'That code is not correct. Check the e-mail we sent and try again.',
  flowNotFound: 'We could not find this sign-up attempt. Please ask for a new code.',
  invalidRequest: 'The request has a value in the wrong format.',
  invalidIdentifier: 'Please enter a valid e-mail address.',
  rateLimited: 'Too many requests. Please wait a moment and try again.',
  unavailable: 'The sign-in service is not available right now. Please try again shortly.',
}

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
      await fetch(`${baseUrl}/api/subscriptions`, { signal: AbortSignal.timeout(5_000) })
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

async function post(endpoint, body, headers = {}) {
  const res = await fetch(`${baseUrl}/api/subscriptions/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    assert.fail(`${endpoint} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`)
  }
  return { status: res.status, body: json, cookies: res.headers.getSetCookie(), type: res.headers.get('content-type') }
}

/** The newest code the emulator mailed to `email` (`codeFor` is synchronous). */
function codeFor(email) {
  const code = emu.codeFor(email)
  assert.match(code ?? '', /^\d{6}$/, `the emulator mailed no code to ${email}`)
  secrets.push(code)
  return code
}

function checkSessionCookie(cookies) {
  assert.equal(cookies.length, 1, `expected one Set-Cookie, got ${JSON.stringify(cookies.length)}`)
  const [cookie] = cookies
  assert.match(cookie, /^ory_session_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax(; Max-Age=\d+)?$/)
  assert.doesNotMatch(cookie, /Secure/, 'plain http must not get a Secure cookie')
  secrets.push(decodeURIComponent(cookie.split(';')[0].slice('ory_session_token='.length)))
}

const newEmail = () => `e2e-${randomUUID().slice(0, 8)}@example.com`

describe('payload-subscribe under next start', { timeout: 120_000 }, () => {
  const email = newEmail()
  let adminToken

  it('confirms a new subscriber: subscribe, code from the emulator, verify', async () => {
    const sent = await post('subscribe', { email })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.match(sent.type ?? '', /^application\/json/)
    assert.deepEqual(Object.keys(sent.body).sort(), ['flowId', 'flowType'])
    assert.equal(sent.body.flowType, 'registration')

    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { email, status: 'confirmed', signedIn: res.body.signedIn })
    assert.equal(typeof res.body.signedIn, 'boolean')
    if (res.body.signedIn) checkSessionCookie(res.cookies)
    else assert.deepEqual(res.cookies, [])
  })

  it('signs a returning subscriber in with a login flow and sets the session cookie', async () => {
    const sent = await post('subscribe', { email })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(sent.body.flowType, 'login')

    const res = await post('verify', { ...sent.body, code: codeFor(email) })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { email, status: 'confirmed', signedIn: true })
    checkSessionCookie(res.cookies)
  })

  it('stored the subscription as confirmed with the Ory identity id', async () => {
    // The list is for admins only: anonymous reads are refused, the first admin may read it.
    const anonymous = await fetch(`${baseUrl}/api/subscriptions`)
    assert.equal(anonymous.status, 403)
    const register = await fetch(`${baseUrl}/api/users/first-register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'e2e-' + randomUUID() }),
    })
    assert.equal(register.status, 200)
    adminToken = (await register.json()).token
    const list = await fetch(
      `${baseUrl}/api/subscriptions?where[email][equals]=${encodeURIComponent(email)}&depth=0`,
      { headers: { Authorization: `JWT ${adminToken}` } },
    )
    assert.equal(list.status, 200)
    const { docs } = await list.json()
    assert.equal(docs.length, 1)
    assert.equal(docs[0].status, 'confirmed')
    assert.match(docs[0].identityId, /^[0-9a-f-]{36}$/)
    assert.equal(docs[0].flowType, 'login')
    assert.ok(docs[0].confirmedAt && docs[0].createdAt && docs[0].updatedAt)
  })

  it('answers 400 invalid_json for bad JSON on both endpoints', async () => {
    for (const endpoint of ['subscribe', 'verify']) {
      const res = await post(endpoint, '{"email":')
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { error: 'invalid_json', message: MESSAGES.invalidJson })
    }
  })

  it('answers 400 missing_field for a missing field', async () => {
    const subscribe = await post('subscribe', {})
    assert.equal(subscribe.status, 400)
    assert.deepEqual(subscribe.body, { error: 'missing_field', field: 'email', message: 'The field "email" is required.' })
    const verify = await post('verify', { flowId: randomUUID(), flowType: 'login' })
    assert.equal(verify.status, 400)
    assert.deepEqual(verify.body, { error: 'missing_field', field: 'code', message: 'The field "code" is required.' })
  })

  it('answers 404 flow_not_found for an unknown flow id', async () => {
    const res = await post('verify', { flowId: randomUUID(), flowType: 'registration', code: '123456' })
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, { error: 'flow_not_found', message: MESSAGES.flowNotFound })
  })

  it('answers 400 invalid_request for a flow id that is not a UUID', async () => {
    const res = await post('verify', { flowId: 'not-a-flow', flowType: 'login', code: '123456' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_request', message: MESSAGES.invalidRequest })
  })

  it('answers 400 invalid_code for a wrong code, then accepts the right one', async () => {
    const other = newEmail()
    const sent = await post('subscribe', { email: other })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const code = codeFor(other)
    const wrong = code === '000000' ? '111111' : '000000'
    const res = await post('verify', { ...sent.body, code: wrong })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_code', message: MESSAGES.invalidCode })
    assert.deepEqual(res.cookies, [])
    const ok = await post('verify', { ...sent.body, code })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.status, 'confirmed')
    if (ok.body.signedIn) checkSessionCookie(ok.cookies)
  })

  it('answers 400 invalid_identifier for an address Ory refuses', async () => {
    const res = await post('subscribe', { email: 'not-an-email' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'invalid_identifier', message: MESSAGES.invalidIdentifier })
  })

  it('answers 429 with Retry-After when Ory rate-limits', async () => {
    const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service/login', retryAfterSeconds: 23 })
    try {
      const res = await fetch(`${baseUrl}/api/subscriptions/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: newEmail() }),
      })
      assert.equal(res.status, 429)
      assert.equal(res.headers.get('retry-after'), '23')
      assert.deepEqual(await res.json(), { error: 'rate_limited', message: MESSAGES.rateLimited, retryAfterSeconds: 23 })
    } finally {
      emu.removeFault(fault)
    }
  })

  it('answers 502 upstream_error when Ory fails, and logs only the error code', async () => {
    const fault = emu.setFault({ kind: 'server_error', route: '/self-service/login' })
    try {
      const res = await post('subscribe', { email: newEmail() })
      assert.equal(res.status, 502)
      assert.deepEqual(res.body, { error: 'upstream_error', message: MESSAGES.unavailable })
    } finally {
      emu.removeFault(fault)
    }
    await waitFor(() => serverLog.includes('ory-otc call failed'), 'the failure in the server log')
    assert.match(serverLog, /ERR_ORY_SERVER/)
  })

  it('never wrote a code or a session token to the server log', () => {
    assert.ok(secrets.length >= 4, `expected codes and tokens to check, got ${secrets.length}`)
    for (const secret of secrets) assert.ok(!serverLog.includes(secret), 'a secret reached the server log')
  })
})
