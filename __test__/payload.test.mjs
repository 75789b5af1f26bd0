// ory-otc/payload without Payload: option checks, what the plugin adds to a config, the
// outcome -> HTTP mapping, and the auth strategy's whoami cache against the emulator (with a
// stand-in for the Payload Local API). The plugin inside a real Payload app is tested in
// examples/payload-subscribe/ (in-process and through `next start`).
//
// Run with: node --test __test__/payload.test.mjs      (needs `npm run build`)
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'

import { OryOtc, OryOtcError } from 'ory-otc'
import { adminsOnly, failureResponse, isAdmin, isMember, oryOtcPlugin, refusalResponse } from 'ory-otc/payload'
import { startEmulator } from 'ory-otc-emulator'

const config = (extra = {}) => ({
  collections: [
    { slug: 'admins', auth: true, fields: [] },
    { slug: 'subscriptions', fields: [{ name: 'note', type: 'text' }] },
    { slug: 'members', auth: { disableLocalStrategy: true }, fields: [] },
  ],
  ...extra,
})
const apply = (options, cfg = config()) => oryOtcPlugin(options)(cfg)
const collection = (cfg, slug) => cfg.collections.find((c) => c.slug === slug)

describe('oryOtcPlugin options', () => {
  const rejects = (options, code, pattern) =>
    assert.throws(() => oryOtcPlugin(options), (err) => {
      assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`)
      assert.equal(err.code, code)
      assert.match(err.message, pattern)
      return true
    })

  it('refuses options that are not an object', () => {
    rejects(undefined, 'ERR_INVALID_ARG_TYPE', /options must be an object/)
    rejects('subscriptions', 'ERR_INVALID_ARG_TYPE', /options must be an object/)
  })

  it('refuses a missing or non-string collection slug', () => {
    rejects({}, 'ERR_INVALID_ARG_TYPE', /"collection" must be a collection slug.*not undefined/)
    rejects({ collection: 42 }, 'ERR_INVALID_ARG_TYPE', /"collection" must be a collection slug.*not 42/)
    rejects({ collection: '' }, 'ERR_INVALID_ARG_TYPE', /"collection"/)
  })

  it('names an unknown option and lists the known ones', () => {
    rejects({ collection: 'subscriptions', colection: 'x' }, 'ERR_INVALID_ARG_VALUE', /unknown option "colection"; the options are: collection, mode/)
  })

  it('refuses a mode other than api or browser', () => {
    rejects({ collection: 'subscriptions', mode: 'cookie' }, 'ERR_INVALID_ARG_VALUE', /"mode" must be 'api' or 'browser', not 'cookie'/)
  })

  it("refuses an option of the other mode", () => {
    rejects({ collection: 'subscriptions', mode: 'browser', cookie: {} }, 'ERR_INVALID_ARG_VALUE', /"cookie" applies to mode 'api' only/)
    rejects({ collection: 'subscriptions', sessionCookie: 'x' }, 'ERR_INVALID_ARG_VALUE', /"sessionCookie" applies to mode 'browser' only/)
    rejects({ collection: 'subscriptions', cookieDomain: '' }, 'ERR_INVALID_ARG_VALUE', /"cookieDomain" applies to mode 'browser' only/)
  })

  it('refuses a cache time that is not 0 to 3600 seconds', () => {
    for (const bad of [-1, 3601, Number.NaN, '10', null]) {
      rejects({ collection: 'subscriptions', sessionCacheSeconds: bad }, 'ERR_INVALID_ARG_VALUE', /"sessionCacheSeconds" must be a number from 0 to 3600/)
    }
  })

  it('checks users, subscriber, ory and cookie', () => {
    const base = { collection: 'subscriptions' }
    rejects({ ...base, users: 'members' }, 'ERR_INVALID_ARG_TYPE', /"users" must be an object/)
    rejects({ ...base, users: {} }, 'ERR_INVALID_ARG_TYPE', /"users.collection" must be a collection slug/)
    rejects({ ...base, users: { collection: 'members', create: 'yes' } }, 'ERR_INVALID_ARG_TYPE', /"users.create" must be a boolean/)
    rejects({ ...base, users: { collection: 'members', data: {} } }, 'ERR_INVALID_ARG_TYPE', /"users.data" must be a function/)
    rejects({ ...base, subscriber: 'yes' }, 'ERR_INVALID_ARG_TYPE', /"subscriber" must be an object/)
    rejects({ ...base, subscriber: { data: 1 } }, 'ERR_INVALID_ARG_TYPE', /"subscriber.data" must be a function/)
    rejects({ ...base, ory: 'http://x' }, 'ERR_INVALID_ARG_TYPE', /"ory" must be an object/)
    rejects({ ...base, ory: { flow: 'browser' } }, 'ERR_INVALID_ARG_VALUE', /"ory.flow" is set by "mode"/)
    rejects({ ...base, cookie: 'sid' }, 'ERR_INVALID_ARG_TYPE', /"cookie" must be an object/)
    rejects({ ...base, cookie: { name: 'a b' } }, 'ERR_INVALID_ARG_VALUE', /"cookie.name" must be a cookie name, not 'a b'/)
    rejects({ ...base, cookie: { secure: 'yes' } }, 'ERR_INVALID_ARG_TYPE', /"cookie.secure" must be a boolean/)
  })
})

describe('oryOtcPlugin applied to a config', () => {
  const configError = (fn, pattern) =>
    assert.throws(fn, (err) => {
      assert.ok(err instanceof OryOtcError, `expected an OryOtcError, got ${err}`)
      assert.equal(err.code, 'ERR_ORY_CONFIG')
      assert.match(err.message, pattern)
      return true
    })

  it('names an unknown collection and lists the config’s collections', () => {
    configError(() => apply({ collection: 'subscribers' }), /collection "subscribers" is not a collection of this Payload config \(its collections: admins, subscriptions, members\)/)
    configError(() => apply({ collection: 'subscriptions' }, {}), /its collections: none/)
    configError(() => apply({ collection: 'subscriptions', users: { collection: 'people' } }), /users.collection "people" is not a collection/)
  })

  it('refuses a users collection without auth, and a collection without endpoints', () => {
    configError(() => apply({ collection: 'subscriptions', users: { collection: 'subscriptions' } }), /users.collection "subscriptions" has no `auth`/)
    const cfg = config()
    collection(cfg, 'subscriptions').endpoints = false
    configError(() => apply({ collection: 'subscriptions' }, cfg), /collection "subscriptions" has endpoints: false/)
  })

  it('adds the four endpoints after the collection’s own, and the subscriber fields', () => {
    const own = { path: '/stats', method: 'get', handler: () => Response.json({}) }
    const cfg = config()
    collection(cfg, 'subscriptions').endpoints = [own]
    const subs = collection(apply({ collection: 'subscriptions' }, cfg), 'subscriptions')
    assert.equal(subs.endpoints[0], own)
    assert.deepEqual(subs.endpoints.slice(1).map((e) => `${e.method} ${e.path}`), ['post /subscribe', 'post /resend', 'post /verify', 'post /logout'])
    assert.deepEqual(subs.fields.map((f) => `${f.name}:${f.type}`), ['note:text', 'email:email', 'oryIdentityId:text', 'verifiedAt:date'])
    assert.equal(subs.fields.find((f) => f.name === 'email').unique, true)
  })

  it('keeps a field the app defined itself, and adds none with subscriber: false', () => {
    const cfg = config()
    const email = { name: 'email', type: 'email', required: true }
    collection(cfg, 'subscriptions').fields.push(email)
    const subs = collection(apply({ collection: 'subscriptions' }, cfg), 'subscriptions')
    assert.equal(subs.fields.filter((f) => f.name === 'email').length, 1)
    assert.equal(subs.fields.find((f) => f.name === 'email'), email)
    const bare = collection(apply({ collection: 'subscriptions', subscriber: false }), 'subscriptions')
    assert.deepEqual(bare.fields.map((f) => f.name), ['note'])
  })

  it('gives the users collection the strategy, oryIdentityId, and a logout hook', () => {
    const cfg = apply({ collection: 'subscriptions', users: { collection: 'admins' } })
    const admins = collection(cfg, 'admins')
    assert.equal(admins.auth.strategies.length, 1)
    assert.equal(admins.auth.strategies[0].name, 'ory-otc')
    assert.equal(typeof admins.auth.strategies[0].authenticate, 'function')
    // Payload adds `email` to a collection with password login itself.
    assert.deepEqual(admins.fields.map((f) => f.name), ['oryIdentityId'])
    assert.equal(admins.fields[0].unique, true)
    assert.equal(admins.hooks.afterLogout.length, 1)
  })

  it('adds email to an Ory-only users collection and keeps its other strategies and hooks', () => {
    const cfg = config()
    const other = { name: 'other', authenticate: async () => ({ user: null }) }
    const hook = () => {}
    Object.assign(collection(cfg, 'members'), { auth: { disableLocalStrategy: true, strategies: [other] }, hooks: { afterLogout: [hook] } })
    const members = collection(apply({ collection: 'subscriptions', users: { collection: 'members' } }, cfg), 'members')
    assert.deepEqual(members.auth.strategies.map((s) => s.name), ['other', 'ory-otc'])
    assert.equal(members.auth.disableLocalStrategy, true)
    assert.deepEqual(members.fields.map((f) => `${f.name}:${f.type}`), ['oryIdentityId:text', 'email:email'])
    assert.equal(members.hooks.afterLogout[0], hook)
    assert.equal(members.hooks.afterLogout.length, 2)
  })

  it('leaves the other collections as they were', () => {
    const cfg = config()
    const out = apply({ collection: 'subscriptions' }, cfg)
    assert.equal(collection(out, 'admins'), collection(cfg, 'admins'))
    assert.equal(collection(out, 'members'), collection(cfg, 'members'))
  })

  it('stops the start (onInit) when no Ory URL is configured, before the app’s onInit', async () => {
    const saved = { url: process.env.ORY_SDK_URL, slug: process.env.ORY_PROJECT_SLUG }
    delete process.env.ORY_SDK_URL
    delete process.env.ORY_PROJECT_SLUG
    try {
      let appInit = 0
      const cfg = apply({ collection: 'subscriptions' }, config({ onInit: () => appInit++ }))
      await assert.rejects(cfg.onInit({}), (err) => {
        assert.ok(err instanceof OryOtcError)
        assert.equal(err.code, 'ERR_ORY_CONFIG')
        assert.match(err.message, /^ory-otc\/payload: cannot create the Ory client from the "ory" option: .*no Ory URL: pass baseUrl, or set ORY_SDK_URL/)
        return true
      })
      assert.equal(appInit, 0)
    } finally {
      if (saved.url !== undefined) process.env.ORY_SDK_URL = saved.url
      if (saved.slug !== undefined) process.env.ORY_PROJECT_SLUG = saved.slug
    }
  })

  it('starts with ory.baseUrl and then runs the app’s onInit', async () => {
    let appInit = 0
    const cfg = apply({ collection: 'subscriptions', ory: { baseUrl: 'http://127.0.0.1:4433' } }, config({ onInit: () => appInit++ }))
    await cfg.onInit({})
    assert.equal(appInit, 1)
  })

  it('reports a bad ory option at the start as ERR_ORY_CONFIG', async () => {
    const cfg = apply({ collection: 'subscriptions', ory: { baseUrl: 'not a url' } })
    await assert.rejects(cfg.onInit({}), { code: 'ERR_ORY_CONFIG', message: /"baseUrl" argument must be an absolute URL/ })
  })
})

describe('access: members signed in by code reach nothing only admins may', () => {
  // A stock app: no collection or global declares `access`, so Payload's default ("any logged-in
  // user") would let every member in. The config as Payload will see it after the plugin.
  const stock = () => ({
    admin: { user: 'admins' },
    collections: [
      { slug: 'admins', auth: true, fields: [] },
      { slug: 'posts', fields: [] },
      { slug: 'subscriptions', fields: [] },
      { slug: 'members', auth: { disableLocalStrategy: true }, fields: [{ name: 'nickname', type: 'text' }] },
    ],
    globals: [{ slug: 'settings', fields: [] }],
    jobs: { tasks: [] },
  })
  const secure = (users = {}, cfg = stock()) =>
    apply({ collection: 'subscriptions', ory: { baseUrl: 'http://127.0.0.1:4433' }, users: { collection: 'members', create: true, ...users } }, cfg)
  // What Payload hands an access function: `req.user` and `req.payload` (its config and collections).
  const payloadOf = (cfg) => ({
    config: { ...cfg, admin: { user: cfg.admin?.user ?? 'users' } },
    collections: Object.fromEntries(cfg.collections.map((c) => [c.slug, { config: c }])),
    logger: { warnings: [], warn(msg) { this.warnings.push(msg) } },
  })
  const reqs = (cfg) => {
    const payload = payloadOf(cfg)
    return {
      payload,
      member: { payload, user: { id: 7, collection: 'members', _strategy: 'ory-otc' } },
      // A member who set a password through "forgot password" is still a member.
      memberByPassword: { payload, user: { id: 7, collection: 'members', _strategy: 'local-jwt' } },
      admin: { payload, user: { id: 1, collection: 'admins', _strategy: 'local-jwt' } },
      anonymous: { payload, user: null },
    }
  }
  const ask = (entity, op, req, extra = {}) => entity.access[op]({ req, ...extra })

  it('refuses members every operation of a collection without access, and keeps Payload’s default for others', () => {
    const cfg = secure()
    const r = reqs(cfg)
    const posts = collection(cfg, 'posts')
    for (const op of ['create', 'read', 'update', 'delete', 'readVersions', 'unlock']) {
      assert.equal(ask(posts, op, r.member), false, `posts.${op} for a member`)
      assert.equal(ask(posts, op, r.memberByPassword), false, `posts.${op} for a member with a password`)
      assert.equal(ask(posts, op, r.admin), true, `posts.${op} for an admin`)
      assert.equal(ask(posts, op, r.anonymous), false, `posts.${op} for nobody`)
    }
    const admins = collection(cfg, 'admins')
    assert.equal(ask(admins, 'create', r.member), false) // POST /api/admins: no new admin
    assert.equal(ask(admins, 'create', r.admin), true)
    assert.equal(admins.access.admin({ req: r.member }), false) // the admin panel
    assert.equal(admins.access.admin({ req: r.admin }), true)
    assert.equal(collection(cfg, 'members').access.admin, undefined) // Payload refuses a collection other than admin.user
  })

  it('refuses members the globals and the job queue', () => {
    const cfg = secure()
    const r = reqs(cfg)
    const settings = cfg.globals[0]
    for (const op of ['read', 'update', 'readVersions']) {
      assert.equal(ask(settings, op, r.member), false)
      assert.equal(ask(settings, op, r.admin), true)
    }
    for (const op of ['run', 'queue', 'cancel']) {
      assert.equal(cfg.jobs.access[op]({ req: r.member }), false)
      assert.equal(cfg.jobs.access[op]({ req: r.admin }), true)
    }
  })

  it('keeps the subscriber documents for admins only', () => {
    const cfg = secure()
    const r = reqs(cfg)
    const subs = collection(cfg, 'subscriptions')
    for (const op of ['create', 'read', 'update', 'delete', 'readVersions', 'unlock']) {
      assert.equal(ask(subs, op, r.member), false)
      assert.equal(ask(subs, op, r.admin), true)
      assert.equal(ask(subs, op, r.anonymous), false)
    }
  })

  it('lets a member read their own document and change only users.editableFields of it', () => {
    const closed = secure()
    let r = reqs(closed)
    let members = collection(closed, 'members')
    assert.deepEqual(ask(members, 'read', r.member), { id: { equals: 7 } })
    assert.equal(ask(members, 'read', r.admin), true)
    assert.equal(ask(members, 'update', r.member, { data: { nickname: 'x' } }), false)
    for (const op of ['create', 'delete', 'readVersions']) assert.equal(ask(members, op, r.member), false)
    const open = secure({ editableFields: ['nickname'] })
    r = reqs(open)
    members = collection(open, 'members')
    assert.deepEqual(ask(members, 'update', r.member, { data: { nickname: 'x' } }), { id: { equals: 7 } })
    assert.equal(ask(members, 'update', r.member, { data: { nickname: 'x', email: 'y@example.com' } }), false)
    assert.deepEqual(ask(members, 'update', r.member), { id: { equals: 7 } }) // Payload asking what may be done at all
  })

  it('keeps the access an app wrote, and the app’s rule wins over the plugin’s', () => {
    const cfg = stock()
    const own = () => 'own'
    collection(cfg, 'posts').access = { read: own }
    collection(cfg, 'subscriptions').access = { read: own }
    const out = secure({}, cfg)
    assert.equal(collection(out, 'posts').access.read, own)
    assert.equal(collection(out, 'subscriptions').access.read, own)
    assert.equal(ask(collection(out, 'posts'), 'update', reqs(out).member), false)
  })

  it('refuses members the admin panel when the admin collection is the users collection', () => {
    const cfg = secure({ create: false }, { ...stock(), admin: { user: 'members' } })
    const r = reqs(cfg)
    const members = collection(cfg, 'members')
    assert.equal(members.access.admin({ req: r.member }), false)
  })

  it('refuses users.create on the admin collection: every code reader would be an admin user', () => {
    assert.throws(() => secure({}, { ...stock(), admin: { user: 'members' } }), (err) => {
      assert.ok(err instanceof OryOtcError)
      assert.equal(err.code, 'ERR_ORY_CONFIG')
      assert.match(err.message, /users.collection "members" is the admin collection/)
      return true
    })
  })

  it("gives members Payload's default with the opt-out, users.defaultAccess: 'any-user'", () => {
    const cfg = secure({ defaultAccess: 'any-user' })
    assert.equal(collection(cfg, 'posts').access, undefined)
    assert.equal(cfg.globals[0].access, undefined)
    const r = reqs(cfg)
    assert.equal(ask(collection(cfg, 'subscriptions'), 'read', r.member), false) // the plugin's own rules stay
  })

  it('checks users.defaultAccess and users.editableFields', () => {
    const bad = (users, pattern) =>
      assert.throws(() => oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', ...users } }), pattern)
    bad({ defaultAccess: 'open' }, /"users.defaultAccess" must be 'refuse-members' or 'any-user', not 'open'/)
    bad({ editableFields: 'nickname' }, /"users.editableFields" must be an array of field names/)
    bad({ editableFields: ['nickname', 'email'] }, /"users.editableFields" cannot hold "email": Ory owns them/)
  })

  it('isAdmin, isMember and adminsOnly read the request', () => {
    const r = reqs(secure())
    assert.equal(isMember(r.member), true)
    assert.equal(isMember(r.memberByPassword), true)
    assert.equal(isMember(r.admin), false)
    assert.equal(isAdmin(r.admin), true)
    assert.equal(isAdmin(r.member), false)
    assert.equal(isAdmin(r.anonymous), false)
    assert.equal(adminsOnly({ req: r.admin }), true)
    assert.equal(adminsOnly({ req: r.member }), false)
  })

  it('names, once at start-up, each rule the app wrote that lets any signed-in member in', async () => {
    const cfg = stock()
    collection(cfg, 'posts').access = { read: ({ req }) => Boolean(req.user), create: () => true, update: ({ req }) => ({ owner: { equals: req.user?.id } }) }
    cfg.globals[0].access = { update: ({ req }) => !!req.user }
    collection(cfg, 'subscriptions').access = { read: ({ req }) => Boolean(req.user) } // the subscriber list
    const out = secure({}, cfg)
    const payload = payloadOf(out)
    await out.onInit(payload)
    // Only the any-user rules: a public rule (`() => true`) and a scoped one are fine.
    const warnings = payload.logger.warnings
    assert.equal(warnings.length, 1, warnings.join('\n'))
    assert.match(warnings[0], /collection "posts" access\.read, collection "subscriptions" access\.read, global "settings" access\.update let in any signed-in member/)
    assert.doesNotMatch(warnings[0], /"posts" access\.(create|update)/)
  })

  it('makes a collection added after the plugin (Payload’s own) refuse members where it let any user in', async () => {
    const out = secure({}, stock())
    const payload = payloadOf(out)
    const anyUser = ({ req }) => Boolean(req.user)
    const ownOnly = ({ req }) => ({ user: { equals: req.user?.id } })
    const lockDocs = { slug: 'payload-locked-documents', access: { read: anyUser, delete: ownOnly }, fields: [] }
    payload.config.collections = [...payload.config.collections, lockDocs]
    payload.collections[lockDocs.slug] = { config: lockDocs }
    await out.onInit(payload)
    const r = reqs(out)
    assert.equal(lockDocs.access.read({ req: { ...r.member, payload } }), false)
    assert.equal(lockDocs.access.read({ req: { ...r.admin, payload } }), true)
    assert.equal(lockDocs.access.delete, ownOnly) // not an any-user rule: left alone
  })
})

describe('refusalResponse and failureResponse', () => {
  // Every refusal status of sendCode / resendCode / verifyCode and its documented HTTP status.
  const expected = {
    invalid_identifier: 400,
    account_not_found: 400,
    invalid_code: 400,
    rejected: 400,
    csrf_violation: 403,
    session_already_available: 409,
    account_exists: 409,
    code_expired: 410,
    too_many_attempts: 410,
    flow_expired: 410,
    flow_not_found: 410,
  }

  for (const [status, http] of Object.entries(expected)) {
    it(`answers ${status} with ${http} and { error, message }, no Retry-After`, async () => {
      const res = refusalResponse({ ok: false, status, flowId: randomUUID(), flowType: 'login', messages: [] })
      assert.equal(res.status, http)
      assert.equal(res.headers.get('retry-after'), null)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      const body = await res.json()
      assert.deepEqual(Object.keys(body), ['error', 'message'])
      assert.equal(body.error, status)
      assert.ok(body.message.length > 10)
    })
  }

  it('answers rate_limited with 429 and Retry-After (Ory’s value, else 60)', async () => {
    const told = refusalResponse({ ok: false, status: 'rate_limited', retryAfterSeconds: 23, messages: [] })
    assert.equal(told.status, 429)
    assert.equal(told.headers.get('retry-after'), '23')
    assert.equal((await told.json()).error, 'rate_limited')
    assert.equal(refusalResponse({ ok: false, status: 'rate_limited', messages: [] }).headers.get('retry-after'), '60')
  })

  it('answers a bad argument with 400 invalid_request', async () => {
    const ory = new OryOtc({ baseUrl: 'http://127.0.0.1:9' })
    const err = await ory.verifyCode({ flowId: randomUUID(), flowType: 'login', code: '12a456' }).catch((e) => e)
    const res = failureResponse(err)
    assert.equal(res.status, 400)
    const body = await res.json()
    assert.equal(body.error, 'invalid_request')
    assert.doesNotMatch(body.message, /12a456/)
  })

  it('answers Ory failing with 503 when a retry may help, else 502, and logs only the code', async () => {
    const logged = []
    const logger = { error: (obj, msg) => logged.push([obj, msg]) }
    const network = new OryOtcError('error sending request to http://127.0.0.1:9/self-service/login/api', { code: 'ERR_ORY_NETWORK', retryable: true })
    const protocol = new OryOtcError('invalid JSON at flow.ui', { code: 'ERR_ORY_PROTOCOL', status: 200, retryable: false })
    const r1 = failureResponse(network, logger)
    assert.equal(r1.status, 503)
    assert.deepEqual(Object.keys(await r1.json()), ['error', 'message'])
    const r2 = failureResponse(protocol, logger)
    assert.equal(r2.status, 502)
    assert.equal((await r2.json()).error, 'auth_unavailable')
    assert.deepEqual(logged, [
      [{ code: 'ERR_ORY_NETWORK', status: undefined, retryable: true }, 'ory-otc call failed'],
      [{ code: 'ERR_ORY_PROTOCOL', status: 200, retryable: false }, 'ory-otc call failed'],
    ])
  })

  it('throws anything else again', () => {
    const bug = new TypeError('x is not a function')
    assert.throws(() => failureResponse(bug), (e) => e === bug)
    const other = new Error('db down')
    assert.throws(() => failureResponse(other), (e) => e === other)
  })
})

// The strategy and the logout endpoint against the emulator, with the Local API played by a
// small in-memory store: the cache's effect is counted in requests the emulator served.
describe('the auth strategy and its whoami cache', () => {
  let emu
  before(async () => {
    emu = await startEmulator()
  })
  after(() => emu?.close())

  /** A plugin instance (users: `members` unless told), plus a stand-in Payload whose users live in an array. */
  function setup(options = {}) {
    const settings = { collection: 'subscriptions', ory: { baseUrl: emu.url }, users: { collection: 'members', create: true }, ...options }
    const cfg = apply(settings)
    const docs = []
    const logged = []
    const payload = {
      find: async ({ where }) => ({ docs: docs.filter((d) => d.oryIdentityId === where.oryIdentityId.equals) }),
      create: async ({ data }) => {
        const doc = { id: docs.length + 1, ...data }
        docs.push(doc)
        return doc
      },
      logger: { error: (obj, msg) => logged.push([obj, msg]) },
    }
    const users = collection(cfg, settings.users.collection)
    const authenticate = (headers) => users.auth.strategies[0].authenticate({ payload, headers })
    const logout = collection(cfg, 'subscriptions').endpoints.find((e) => e.path === '/logout').handler
    return { docs, logged, payload, authenticate, logout }
  }

  async function signIn() {
    const ory = new OryOtc({ baseUrl: emu.url })
    const email = `cache-${randomUUID().slice(0, 8)}@example.com`
    const sent = await ory.sendCode(email)
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: emu.codeFor(email) })
    assert.equal(done.status, 'signed_in')
    return { email, token: done.sessionToken, identityId: done.identity.id, ory }
  }

  const cookie = (token) => new Headers({ cookie: `theme=dark; ory_session_token=${encodeURIComponent(token)}` })

  it('signs nobody in without the cookie, and asks Ory nothing', async () => {
    const { authenticate } = setup()
    const before = emu.requestCount
    assert.deepEqual(await authenticate(new Headers()), { user: null })
    assert.deepEqual(await authenticate(new Headers({ cookie: 'theme=dark' })), { user: null })
    assert.equal(emu.requestCount, before)
  })

  it('creates the user on first sight and then asks Ory once per cache period', async () => {
    const { docs, authenticate } = setup()
    const { email, token, identityId } = await signIn()
    const before = emu.requestCount
    const first = await authenticate(cookie(token))
    assert.deepEqual(first.user, { id: 1, email, oryIdentityId: identityId, collection: 'members', _strategy: 'ory-otc' })
    assert.equal(docs.length, 1)
    for (let i = 0; i < 5; i++) assert.equal((await authenticate(cookie(token))).user.id, 1)
    assert.equal(emu.requestCount - before, 1, 'one whoami for six requests')
    assert.equal(docs.length, 1)
  })

  it('does not create a user unless asked, and gives a random password when Payload’s login is on', async () => {
    const { token } = await signIn()
    const none = setup({ users: { collection: 'members' } })
    assert.deepEqual(await none.authenticate(cookie(token)), { user: null })
    assert.equal(none.docs.length, 0)
    const admins = setup({ users: { collection: 'admins', create: true, data: ({ identity }) => ({ role: 'reader', traits: identity.traits }) } })
    const { user } = await admins.authenticate(cookie(token))
    assert.equal(user.role, 'reader')
    assert.match(user.password, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(user.collection, 'admins')
  })

  it('asks Ory on every request with sessionCacheSeconds: 0', async () => {
    const { authenticate } = setup({ sessionCacheSeconds: 0 })
    const { token } = await signIn()
    const before = emu.requestCount
    for (let i = 0; i < 3; i++) assert.ok((await authenticate(cookie(token))).user)
    assert.equal(emu.requestCount - before, 3)
  })

  // The cache reads the time from Date.now(): the test sets it, so neither a slow round trip nor
  // a sleep decides the outcome. 60 s of cache: still served 1 ms before the end, dropped at it.
  it('keeps a session revoked elsewhere for up to sessionCacheSeconds, then drops it', async () => {
    const realNow = Date.now
    let now = realNow()
    Date.now = () => now
    try {
      const { authenticate } = setup({ sessionCacheSeconds: 60 })
      const { token, ory } = await signIn()
      assert.ok((await authenticate(cookie(token))).user)
      assert.equal((await ory.logout(token)).status, 'logged_out')
      const before = emu.requestCount
      now += 60_000 - 1
      assert.ok((await authenticate(cookie(token))).user, 'still cached 1 ms before sessionCacheSeconds')
      assert.equal(emu.requestCount, before, 'served from the cache, without asking Ory')
      now += 1
      assert.deepEqual(await authenticate(cookie(token)), { user: null })
      assert.equal(emu.requestCount, before + 1, 'asked Ory once the cache time was over')
    } finally {
      Date.now = realNow
    }
  })

  it('logout revokes the session at Ory, clears the cookie and the cache at once', async () => {
    const { authenticate, logout } = setup({ sessionCacheSeconds: 600 })
    const { token, ory } = await signIn()
    assert.ok((await authenticate(cookie(token))).user)
    const req = { headers: cookie(token), url: 'http://localhost/api/subscriptions/logout', payload: { logger: console } }
    const res = await logout(req)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { signedIn: false })
    assert.deepEqual(res.headers.getSetCookie(), ['ory_session_token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'])
    assert.deepEqual(await authenticate(cookie(token)), { user: null })
    assert.equal((await ory.whoami(token)).status, 'unauthorized')
  })

  it('leaves the request signed out when Ory fails, logging only the error code', async () => {
    const { authenticate, logged } = setup()
    const { token } = await signIn()
    const fault = emu.setFault({ kind: 'server_error', route: '/sessions/whoami' })
    try {
      assert.deepEqual(await authenticate(cookie(token)), { user: null })
    } finally {
      emu.removeFault(fault)
    }
    assert.deepEqual(logged, [[{ code: 'ERR_ORY_SERVER', status: 500, retryable: false }, 'ory-otc whoami failed']])
    assert.ok(!JSON.stringify(logged).includes(token))
  })

  it('treats a cookie that cannot be a token as no session', async () => {
    const { authenticate, logged } = setup()
    assert.deepEqual(await authenticate(new Headers({ cookie: 'ory_session_token=%E0%A4%A' })), { user: null })
    assert.deepEqual(await authenticate(new Headers({ cookie: `ory_session_token=${'x'.repeat(5000)}` })), { user: null })
    assert.deepEqual(logged, [])
  })
})

// Browser mode: Kratos's own cookies between the browser and Ory, through the plugin.
describe('browser mode', () => {
  let emu
  before(async () => {
    emu = await startEmulator()
  })
  after(() => emu?.close())

  function setup(options = {}) {
    const cfg = apply({ collection: 'subscriptions', mode: 'browser', ory: { baseUrl: emu.url }, users: { collection: 'members', create: true }, ...options })
    const docs = []
    const payload = {
      find: async ({ where }) => ({ docs: docs.filter((d) => d.oryIdentityId === where.oryIdentityId.equals) }),
      create: async ({ data }) => (docs.push({ id: docs.length + 1, ...data }), docs.at(-1)),
      logger: { error: () => {} },
    }
    const authenticate = (cookie) => collection(cfg, 'members').auth.strategies[0].authenticate({ payload, headers: new Headers({ cookie }) })
    const logout = collection(cfg, 'subscriptions').endpoints.find((e) => e.path === '/logout').handler
    return { authenticate, logout }
  }

  /** Signs `email` in with browser flows; returns the Cookie header a browser would then send. */
  async function browserSignIn(email) {
    const ory = new OryOtc({ baseUrl: emu.url, flow: 'browser' })
    const jar = new Map()
    const keep = (setCookie) => setCookie.forEach((c) => jar.set(c.slice(0, c.indexOf('=')), c.split(';')[0]))
    const sent = await ory.sendCode(email, undefined, { cookie: null })
    keep(sent.setCookie)
    const done = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: emu.codeFor(email) }, { cookie: [...jar.values()].join('; ') })
    assert.equal(done.status, 'signed_in')
    keep(done.setCookie)
    return [...jar.values()].join('; ')
  }

  it('signs the browser in by Kratos’s session cookie, next to the app’s own cookies', async () => {
    const { authenticate } = setup()
    const email = `browser-${randomUUID().slice(0, 8)}@example.com`
    const cookie = await browserSignIn(email)
    assert.match(cookie, /ory_kratos_session=/)
    const { user } = await authenticate(`payload-token=eyJhbGciOi.x.y; ${cookie}; theme=dark`)
    assert.equal(user.email, email)
    assert.equal(user.collection, 'members')
    assert.deepEqual(await authenticate(cookie.replace(/ory_kratos_session=[^;]+/, '')), { user: null })
  })

  it('reads the session cookie the app names (Ory Network: ory_session_<slug>)', async () => {
    const cookie = await browserSignIn(`browser-${randomUUID().slice(0, 8)}@example.com`)
    const { authenticate } = setup({ sessionCookie: 'ory_session_acme' })
    // Under another name the emulator's cookie is not the session.
    assert.deepEqual(await authenticate(cookie), { user: null })
  })

  it('logout forwards Kratos’s Set-Cookie that clears its session cookie, and ends the session', async () => {
    const { authenticate, logout } = setup({ sessionCacheSeconds: 600 })
    const cookie = await browserSignIn(`browser-${randomUUID().slice(0, 8)}@example.com`)
    assert.ok((await authenticate(cookie)).user)
    const res = await logout({ headers: new Headers({ cookie }), url: 'http://localhost/api/subscriptions/logout', payload: { logger: console } })
    assert.equal(res.status, 200)
    const setCookie = res.headers.getSetCookie()
    assert.ok(setCookie.some((c) => /^ory_kratos_session=[^;]*;.*Max-Age=0/.test(c)), JSON.stringify(setCookie))
    assert.ok(!setCookie.some((c) => c.startsWith('ory_session_token=')), 'no API-mode cookie in browser mode')
    assert.deepEqual(await authenticate(cookie), { user: null })
  })
})
