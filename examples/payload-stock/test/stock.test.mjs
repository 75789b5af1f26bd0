// A stock Payload app (collections and a global without `access`, as Payload's blank template
// writes them) with the ory-otc plugin added as README says, under `next start`, on PostgreSQL
// and on SQLite. A member signs in with an e-mailed code (the ory-otc emulator mails it), then
// sends what an attacker with only that member's cookie would: create an admin, read and change
// other collections and the global, open the admin panel. Each must be refused, while the admin
// keeps every right Payload's default gave them.
//
// Run with: node --test test/stock.test.mjs   (after `next build`; run-ci.mjs does both)
//   STOCK_SERVER_PIDFILE=f   write each server's pid, one a line, for run-ci.mjs's cleanup
// PostgreSQL: the server binaries of Debian's `postgresql` (initdb, pg_ctl); run-ci.mjs installs
// them when missing. Without them the PostgreSQL rows are skipped with the reason, except under
// CI=true, where that is a failure.
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
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
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const tmp = mkdtempSync(path.join(tmpdir(), 'payload-stock-'))
const migrations = path.join(root, '.test-migrations')
chmodSync(tmp, 0o777) // PostgreSQL runs as its own user and keeps its socket and data here
let emu

before(async () => {
  emu = await require('ory-otc-emulator').startEmulator()
})
after(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
  rmSync(migrations, { recursive: true, force: true })
})

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A throw-away PostgreSQL cluster on loopback (as the `postgres` user when we are root). */
class Postgres {
  static bindir() {
    const onPath = (process.env.PATH ?? '').split(path.delimiter).find((d) => existsSync(path.join(d, 'initdb')))
    if (onPath) return onPath
    const debian = '/usr/lib/postgresql'
    const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : []
    return versions.map((v) => path.join(debian, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')))
  }

  async start() {
    const bin = Postgres.bindir()
    this.data = path.join(tmp, 'pg')
    this.port = await freePort()
    // initdb and postgres refuse to run as root.
    const as = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
    this.pg = (tool, args) => execFileSync(as[0] ?? path.join(bin, tool), [...as.slice(1), ...(as.length ? [path.join(bin, tool)] : []), ...args], { stdio: 'pipe' })
    this.pg('initdb', ['-D', this.data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
    this.pg('pg_ctl', ['-D', this.data, '-w', '-l', path.join(tmp, 'pg.log'), '-o', `-k ${tmp} -h 127.0.0.1 -p ${this.port} -F`, 'start'])
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  stop() {
    if (this.data && existsSync(path.join(this.data, 'postmaster.pid'))) this.pg('pg_ctl', ['-D', this.data, '-m', 'immediate', 'stop'])
  }
}

/** One `next start` of the built app on its own database, migrated as README says. */
class App {
  log = ''

  async start(name, databaseUri, extraEnv = {}) {
    this.env = {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PAYLOAD_SECRET: 'stock-' + randomUUID(),
      DATABASE_URI: databaseUri,
      ORY_SDK_URL: emu.url,
      // Inside the app, so that a migration resolves the app's packages; removed after the run.
      PAYLOAD_MIGRATION_DIR: path.join(migrations, name),
      ...extraEnv,
    }
    mkdirSync(this.env.PAYLOAD_MIGRATION_DIR, { recursive: true })
    // What README tells a deployment to do for the plugin's fields: create a migration, run it.
    await run(process.execPath, [PAYLOAD_BIN, 'migrate:create', 'initial'], { cwd: root, env: this.env, timeout: 180_000 })
    await run(process.execPath, [PAYLOAD_BIN, 'migrate'], { cwd: root, env: this.env, timeout: 180_000 })
    this.url = `http://127.0.0.1:${await freePort()}`
    this.server = spawn(process.execPath, [NEXT_BIN, 'start', '-p', new URL(this.url).port, '-H', '127.0.0.1'], {
      cwd: root,
      env: this.env,
      detached: true, // its own process group, stopped as one
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (process.env.STOCK_SERVER_PIDFILE) appendFileSync(process.env.STOCK_SERVER_PIDFILE, `${this.server.pid}\n`)
    this.server.stdout.on('data', (d) => (this.log += d))
    this.server.stderr.on('data', (d) => (this.log += d))
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(250)) {
      if (this.server.exitCode !== null) throw new Error(`next start exited with ${this.server.exitCode}:\n${this.log}`)
      try {
        await fetch(`${this.url}/api/members/me`, { signal: AbortSignal.timeout(5_000) })
        return this
      } catch {
        // not listening yet
      }
    }
    throw new Error(`next start did not answer within 60 s:\n${this.log}`)
  }

  async stop() {
    const { server } = this
    if (!server?.pid || server.exitCode !== null) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    process.kill(-server.pid, 'SIGTERM')
    if (!(await Promise.race([exited.then(() => true), delay(10_000).then(() => false)]))) process.kill(-server.pid, 'SIGKILL')
  }

  /** One request as `who` ({ cookie } or { jwt }); JSON in, `{ status, body, location }` out. */
  async request(method, urlPath, { who = {}, body } = {}) {
    const headers = {}
    if (who.cookie) headers.cookie = who.cookie
    if (who.jwt) headers.authorization = `JWT ${who.jwt}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${this.url}${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    })
    const text = await res.text()
    let parsed
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
    return { status: res.status, body: parsed, location: res.headers.get('location'), setCookie: res.headers.getSetCookie() }
  }

  /** The first admin, made as the admin panel's "create first user" does; resolves their JWT. */
  async firstAdmin() {
    const r = await this.request('POST', '/api/users/first-register', {
      body: { email: 'admin@example.com', password: 'admin-' + randomUUID() },
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return { jwt: r.body.token }
  }

  /** A member: signs `email` in with the code the emulator mailed; resolves their cookie. */
  async member(email) {
    const sent = await this.request('POST', '/api/subscriptions/subscribe', { body: { email } })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const code = emu.codeFor(email)
    assert.match(code ?? '', /^\d{6}$/)
    const done = await this.request('POST', '/api/subscriptions/verify', { body: { ...sent.body, code } })
    assert.equal(done.status, 200, JSON.stringify(done.body))
    const cookie = done.setCookie.find((c) => c.startsWith('ory_session_token='))
    assert.ok(cookie, 'verify set the session cookie')
    return { cookie: cookie.split(';')[0] }
  }
}

/** The attack, on one database: every request below is what a member's cookie alone can send. */
function attackSuite(name, database, { skip } = {}) {
  describe(`a member of the stock app on ${name}`, { skip }, () => {
    const app = new App()
    let admin, member, other, post, pg

    before(async () => {
      let uri = database
      if (database === 'postgres') {
        pg = new Postgres()
        uri = await pg.start()
      }
      await app.start(name, uri)
      admin = await app.firstAdmin()
      post = (await app.request('POST', '/api/posts', { who: admin, body: { title: 'Hello' } })).body.doc
      assert.ok(post?.id, 'the admin created a post')
      member = await app.member(`member-${randomUUID()}@example.com`)
      other = await app.member(`other-${randomUUID()}@example.com`)
    })
    after(async () => {
      await app.stop()
      pg?.stop()
    })

    it('is signed in: GET /api/members/me shows them', async () => {
      const me = await app.request('GET', '/api/members/me', { who: member })
      assert.equal(me.status, 200)
      assert.match(me.body.user?.email ?? '', /^member-/)
    })

    it('cannot create an admin: POST /api/users answers 403 and no user is made', async () => {
      const r = await app.request('POST', '/api/users', { who: member, body: { email: 'mallory@example.com', password: 'x'.repeat(20) } })
      assert.equal(r.status, 403)
      const users = await app.request('GET', '/api/users', { who: admin })
      assert.equal(users.status, 200)
      assert.deepEqual(users.body.docs.map((u) => u.email), ['admin@example.com'])
    })

    it('cannot list or change the admins', async () => {
      assert.equal((await app.request('GET', '/api/users', { who: member })).status, 403)
      const adminId = (await app.request('GET', '/api/users', { who: admin })).body.docs[0].id
      assert.equal((await app.request('PATCH', `/api/users/${adminId}`, { who: member, body: { email: 'm@example.com' } })).status, 403)
      assert.equal((await app.request('DELETE', `/api/users/${adminId}`, { who: member })).status, 403)
    })

    it('cannot read the subscriber list', async () => {
      assert.equal((await app.request('GET', '/api/subscriptions', { who: member })).status, 403)
      const all = await app.request('GET', '/api/subscriptions', { who: admin })
      assert.equal(all.status, 200)
      assert.equal(all.body.totalDocs, 2)
    })

    it('cannot read, create, change or delete posts', async () => {
      assert.equal((await app.request('GET', '/api/posts', { who: member })).status, 403)
      assert.equal((await app.request('GET', `/api/posts/${post.id}`, { who: member })).status, 403)
      assert.equal((await app.request('POST', '/api/posts', { who: member, body: { title: 'spam' } })).status, 403)
      assert.equal((await app.request('PATCH', `/api/posts/${post.id}`, { who: member, body: { title: 'defaced' } })).status, 403)
      assert.equal((await app.request('DELETE', `/api/posts/${post.id}`, { who: member })).status, 403)
      const kept = await app.request('GET', `/api/posts/${post.id}`, { who: admin })
      assert.equal(kept.body.title, 'Hello')
    })

    it('cannot read or change the global', async () => {
      assert.equal((await app.request('GET', '/api/globals/settings', { who: member })).status, 403)
      assert.equal((await app.request('POST', '/api/globals/settings', { who: member, body: { siteName: 'pwned' } })).status, 403)
      assert.equal((await app.request('POST', '/api/globals/settings', { who: admin, body: { siteName: 'Stock' } })).status, 200)
    })

    it("sees only their own member document, and changes none (no editable fields)", async () => {
      const list = await app.request('GET', '/api/members', { who: member })
      assert.equal(list.status, 200)
      assert.equal(list.body.totalDocs, 1)
      assert.match(list.body.docs[0].email, /^member-/)
      const mine = list.body.docs[0].id
      const theirs = (await app.request('GET', '/api/members', { who: other })).body.docs[0].id
      assert.notEqual(mine, theirs)
      assert.equal((await app.request('GET', `/api/members/${theirs}`, { who: member })).status, 404)
      assert.equal((await app.request('PATCH', `/api/members/${mine}`, { who: member, body: { nickname: 'me' } })).status, 403)
      assert.equal((await app.request('PATCH', `/api/members/${theirs}`, { who: member, body: { nickname: 'x' } })).status, 403)
      assert.equal((await app.request('DELETE', `/api/members/${mine}`, { who: member })).status, 403)
      assert.equal((await app.request('POST', '/api/members', { who: member, body: { email: 'n@example.com' } })).status, 403)
    })

    it("cannot use Payload's own collections (locked documents)", async () => {
      assert.equal((await app.request('GET', '/api/payload-locked-documents', { who: member })).status, 403)
      assert.equal((await app.request('GET', '/api/payload-locked-documents', { who: admin })).status, 200)
    })

    it('is refused by the admin panel', async () => {
      const access = await app.request('GET', '/api/access', { who: member })
      assert.equal(access.status, 200)
      assert.notEqual(access.body.canAccessAdmin, true)
      assert.equal((await app.request('GET', '/api/access', { who: admin })).body.canAccessAdmin, true)
      // The panel sends a visitor it refuses to its login page; the admin gets the dashboard.
      const panel = await app.request('GET', '/admin', { who: member })
      assert.ok(panel.status >= 300 && panel.status < 400, `expected a redirect, got ${panel.status}`)
      assert.match(panel.location ?? '', /\/admin\/(login|unauthorized|logout)/)
      assert.equal((await app.request('GET', '/admin', { who: admin })).status, 200)
    })

    it("has the app's own `Boolean(req.user)` rule named in a start-up warning", async () => {
      assert.match(app.log, /collection "notes" access\.read lets in any signed-in member/)
    })
  })
}

const pgMissing = !Postgres.bindir()
if (pgMissing && process.env.CI === 'true') {
  it('PostgreSQL is installed', () => assert.fail('no PostgreSQL server binaries (initdb) on this machine; install Debian\'s postgresql'))
}
attackSuite('PostgreSQL', 'postgres', { skip: pgMissing && 'no PostgreSQL server binaries (initdb) found: install postgresql' })
attackSuite('SQLite', `file:${path.join(tmp, 'stock.db')}`)

describe("the opt-out, users.defaultAccess: 'any-user' (SQLite)", () => {
  const app = new App()
  let admin, member
  before(async () => {
    await app.start('optout', `file:${path.join(tmp, 'optout.db')}`, { ORY_OTC_DEFAULT_ACCESS: 'any-user' })
    admin = await app.firstAdmin()
    await app.request('POST', '/api/posts', { who: admin, body: { title: 'Hello' } })
    member = await app.member(`member-${randomUUID()}@example.com`)
  })
  after(() => app.stop())

  it("gives members Payload's default: any logged-in user may, on the app's collections", async () => {
    const posts = await app.request('GET', '/api/posts', { who: member })
    assert.equal(posts.status, 200)
    assert.equal(posts.body.totalDocs, 1)
  })

  it("keeps the plugin's own rules: the subscriber list stays for admins, the panel refuses members", async () => {
    assert.equal((await app.request('GET', '/api/subscriptions', { who: member })).status, 403)
    assert.notEqual((await app.request('GET', '/api/access', { who: member })).body.canAccessAdmin, true)
  })
})
