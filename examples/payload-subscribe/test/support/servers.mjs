// What the suites that run the built app share (test/e2e.test.mjs over HTTP, test/browser.test.mjs
// in Chromium): the addon check, `next build` unless told to reuse one, and `App`, one
// `next start` per mode on a fresh SQLite file migrated with `payload migrate` (production
// `next start` does not create tables). The emulator belongs to each suite: it runs inside the
// test process, which can then read its codes and force outcomes.
//
//   E2E_REUSE_BUILD=1       reuse .next when .next/BUILD_ID exists (run-ci.sh builds first)
//   E2E_SERVER_PIDFILE=f    each server's pid (and process group), one a line, for run-ci.sh's cleanup
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { CookieJar } from 'tough-cookie'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const require = createRequire(path.join(root, 'package.json'))
const run = promisify(execFile)

const NEXT_BIN = path.join(root, 'node_modules/next/dist/bin/next')
const PAYLOAD_BIN = path.join(root, 'node_modules/payload/bin.js')

/** The addon, loaded as the server will load it; a missing package or binary fails the run here. */
export function loadAddon(name = 'ory-otc') {
  try {
    return require(name)
  } catch (err) {
    throw new Error(
      `${name} is not installed in ${root} (run \`npm run pack -- --dev\` at the repository root, then ` +
        `\`npm run install:addon\` here): ${err.message}`,
    )
  }
}

export async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Runs `next build` into .next, unless E2E_REUSE_BUILD=1 and a build is there. `tmp` holds its database. */
export async function buildUnlessReused(tmp) {
  const reuse = process.env.E2E_REUSE_BUILD === '1' && existsSync(path.join(root, '.next/BUILD_ID'))
  if (reuse) return
  const env = { ...process.env, PAYLOAD_SECRET: 'build-only', DATABASE_URI: `file:${path.join(tmp, 'build.db')}` }
  await run(process.execPath, [NEXT_BIN, 'build'], { cwd: root, env, timeout: 600_000, maxBuffer: 64 << 20 })
}

/**
 * One `next start` of the built app, in `mode`, on its own database (`<name>.db` in `tmp`; `name`
 * defaults to the mode) and port, against `emu`.
 */
export class App {
  log = ''

  constructor(mode, { emu, tmp, name = mode }) {
    this.mode = mode
    this.emu = emu
    this.tmp = tmp
    this.name = name
  }

  async start() {
    this.env = {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PAYLOAD_SECRET: 'e2e-' + randomUUID(),
      DATABASE_URI: `file:${path.join(this.tmp, `${this.name}.db`)}`,
      ORY_SDK_URL: this.emu.url,
      ORY_OTC_MODE: this.mode,
    }
    await run(process.execPath, [PAYLOAD_BIN, 'migrate'], { cwd: root, env: this.env, timeout: 180_000 })
    const port = await freePort()
    this.url = `http://127.0.0.1:${port}`
    // Its own process group, so that stopping it by pid also stops anything it started.
    this.server = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: root,
      env: this.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // run-ci.sh stops the server through this file if this process dies before `after` runs.
    if (process.env.E2E_SERVER_PIDFILE) appendFileSync(process.env.E2E_SERVER_PIDFILE, `${this.server.pid}\n`)
    this.server.stdout.on('data', (d) => (this.log += d))
    this.server.stderr.on('data', (d) => (this.log += d))
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      if (this.server.exitCode !== null) throw new Error(`next start (${this.mode}) exited with ${this.server.exitCode}:\n${this.log}`)
      try {
        await fetch(`${this.url}/api/members/me`, { signal: AbortSignal.timeout(5_000) })
        return this
      } catch {
        await delay(250)
      }
    }
    throw new Error(`next start (${this.mode}) did not answer within 60 s:\n${this.log}`)
  }

  async stop() {
    const { server } = this
    if (!server?.pid || server.exitCode !== null) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    process.kill(-server.pid, 'SIGTERM')
    const stopped = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)])
    if (!stopped) process.kill(-server.pid, 'SIGKILL')
  }

  /**
   * One request: `body` is sent as JSON (a string as it is); `browser` (a tough-cookie jar) sends
   * its cookies for the URL and keeps the answer's, as a browser does. Every answer must be JSON.
   */
  async request(method, apiPath, { body, browser, headers = {} } = {}) {
    const url = `${this.url}/api/${apiPath}`
    const init = { method, headers: { ...headers } }
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json'
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
    }
    const cookie = browser?.getCookieStringSync(url)
    if (cookie) init.headers.cookie = cookie
    const res = await fetch(url, init)
    const cookies = res.headers.getSetCookie()
    for (const c of cookies) browser?.setCookieSync(c, url)
    const text = await res.text()
    let json
    try {
      json = JSON.parse(text)
    } catch {
      assert.fail(`${method} ${apiPath} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`)
    }
    return { status: res.status, body: json, cookies, headers: res.headers }
  }

  post(endpoint, body, options = {}) {
    return this.request('POST', `subscriptions/${endpoint}`, { body, ...options })
  }

  /** `GET /api/members/me` as `browser`. */
  me(browser) {
    return this.request('GET', 'members/me', { browser })
  }

  /** The value of cookie `name` in `browser` for this app, or undefined. */
  cookie(browser, name) {
    return browser.getCookiesSync(this.url).find((c) => c.key === name)?.value
  }

  /** A new browser holding only a copy of `browser`'s cookie `name` (a stolen or kept cookie). */
  copyCookie(browser, name) {
    const copy = new CookieJar()
    copy.setCookieSync(`${name}=${this.cookie(browser, name)}; Path=/`, this.url)
    return copy
  }
}
