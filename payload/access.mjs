import { OryOtcError } from 'ory-otc'

// Who may do what once the plugin signs people in. Payload's default access is "any logged-in
// user" (`Boolean(req.user)`), and the plugin's auth strategy makes everyone who can read an
// e-mailed code a logged-in user: a *member*. Left alone, a member of a stock Payload app could
// list every subscriber, or `POST /api/users` and create an admin. So, unless the app says
// otherwise (`users.defaultAccess: 'any-user'`):
//
// - every operation of every collection and global whose access the app did not write refuses
//   members (everyone else gets what Payload's default gave them);
// - the plugin's subscriber collection is for admins only;
// - the plugin's users collection lets a member read their own document and change only the
//   fields listed in `users.editableFields` (none by default);
// - the admin panel refuses members;
// - at start-up, an access function the app wrote that still lets "any logged-in user" in is
//   named in a warning (collection, operation), and Payload's own collections added after the
//   plugin ran (locked documents, folders, query presets, …) refuse members the same way.

/** The strategy's `name`; Payload puts it in `req.user._strategy`. */
export const STRATEGY_NAME = 'ory-otc'

/** Marks the plugin's users collection (`custom.oryOtc.members`), so access checks can find it from `req`. */
const MARK = 'oryOtc'

const COLLECTION_OPS = ['create', 'read', 'update', 'delete', 'readVersions', 'unlock']
const GLOBAL_OPS = ['read', 'update', 'readVersions']
const JOB_OPS = ['run', 'queue', 'cancel']

/**
 * Whether `req.user` is a member: signed in by the plugin's strategy, or a user of the plugin's
 * users collection however they signed in (a member who set a password through "forgot
 * password" is still a member).
 */
export function isMember(req) {
  const user = req?.user
  if (!user) return false
  if (user._strategy === STRATEGY_NAME) return true
  const config = req.payload?.collections?.[user.collection]?.config
  return config?.custom?.[MARK]?.members === true && user.collection !== adminSlug(req)
}

/** Whether `req.user` is an admin: a user of the admin collection (`admin.user`) who is not a member. */
export function isAdmin(req) {
  const user = req?.user
  return Boolean(user) && user.collection === adminSlug(req) && !isMember(req)
}

/** An `Access` function for admins only; use it where an app wrote `Boolean(req.user)`. */
export const adminsOnly = ({ req }) => isAdmin(req)

const adminSlug = (req) => req.payload?.config?.admin?.user ?? 'users'

// Payload's defaults (payload/dist/auth/defaultAccess.js, defaultUnlockAccess.js), less members.
const loggedInNonMember = ({ req }) => Boolean(req.user) && !isMember(req)
const unlockNonMember = ({ req }) => Boolean(req.user) && !isMember(req) && req.user.collection === adminSlug(req)

/**
 * The config with the access rules above (`settings` are the plugin's), and for `checkAccess` at
 * start-up: `ownAccess`, the rules the app wrote, and `known`, the collections and globals the
 * config had when the plugin ran.
 */
export function secureConfig(config, settings) {
  const { users } = settings
  const admin = config.admin?.user ?? 'users'
  const ownAccess = [] // [kind, slug, op, fn]: the app's own rules, probed at start-up
  const anyUser = users?.defaultAccess === 'any-user'
  if (users && users.collection === admin && users.create) {
    configError(
      `users.collection "${admin}" is the admin collection (admin.user): with users.create, anyone who can read a ` +
        'code would become a user there. Give members a collection of their own (for example "members", with ' +
        'auth: { disableLocalStrategy: true }).',
    )
  }

  const collections = (config.collections ?? []).map((c) => {
    const own = c.access ?? {}
    for (const [op, fn] of Object.entries(own)) if (typeof fn === 'function') ownAccess.push(['collection', c.slug, op, fn])
    const rules = {}
    if (c.slug === settings.collection && settings.subscriber) {
      for (const op of COLLECTION_OPS) rules[op] = adminsOnly
    } else if (users && c.slug === users.collection) {
      Object.assign(rules, memberRules(users))
      if (c.slug === admin) rules.admin = loggedInNonMember
    } else if (users && !anyUser) {
      for (const op of COLLECTION_OPS) rules[op] = op === 'unlock' ? unlockNonMember : loggedInNonMember
      if (c.slug === admin) rules.admin = loggedInNonMember
    }
    if (Object.keys(rules).length === 0) return c
    const access = { ...rules, ...own } // the app's own rules win
    if (!users || c.slug !== users.collection) return { ...c, access }
    return { ...c, access, custom: { ...c.custom, [MARK]: { members: true } } }
  })

  const globals = (config.globals ?? []).map((g) => {
    const own = g.access ?? {}
    for (const [op, fn] of Object.entries(own)) if (typeof fn === 'function') ownAccess.push(['global', g.slug, op, fn])
    if (!users || anyUser) return g
    return { ...g, access: { ...Object.fromEntries(GLOBAL_OPS.map((op) => [op, loggedInNonMember])), ...own } }
  })

  let jobs = config.jobs
  if (jobs && users && !anyUser) {
    const own = jobs.access ?? {}
    jobs = { ...jobs, access: { ...Object.fromEntries(JOB_OPS.map((op) => [op, loggedInNonMember])), ...own } }
  }

  const known = new Set([...collections.map((c) => `collection:${c.slug}`), ...globals.map((g) => `global:${g.slug}`)])
  return { config: { ...config, collections, globals, ...(jobs ? { jobs } : {}) }, ownAccess, known }
}

/**
 * The plugin's users collection: a member reads their own document and updates only
 * `editableFields` of it; creating, deleting, unlocking and old versions are for others.
 */
function memberRules({ editableFields = [] }) {
  const own = (req) => ({ id: { equals: req.user.id } })
  const unlessMember = (member, other) => (args) => (isMember(args.req) ? member(args) : other(args))
  return {
    create: unlessMember(() => false, loggedInNonMember),
    read: unlessMember(({ req }) => own(req), loggedInNonMember),
    update: unlessMember(({ req, data }) => {
      if (editableFields.length === 0) return false
      // `data` is the request's body on an update; without it Payload asks what the member may do at all.
      if (data && Object.keys(data).some((key) => !editableFields.includes(key))) return false
      return own(req)
    }, loggedInNonMember),
    delete: unlessMember(() => false, loggedInNonMember),
    readVersions: unlessMember(() => false, loggedInNonMember),
    unlock: unlockNonMember,
  }
}

/**
 * Start-up checks, run from `onInit` once Payload has added its own collections:
 * - each access function the app wrote that lets a member in where it shuts anonymous visitors
 *   out (what `Boolean(req.user)` does) is named in one warning;
 * - each collection or global the config did not have when the plugin ran (Payload's own, or a
 *   later plugin's) whose rule does the same is changed to refuse members.
 */
export async function checkAccess(payload, settings, { ownAccess, known }) {
  if (!settings.users || settings.users.defaultAccess === 'any-user') return
  const member = probeRequest(payload, { id: '0', collection: settings.users.collection, email: 'member@ory-otc.invalid', _strategy: STRATEGY_NAME })
  const anonymous = probeRequest(payload, null)
  const letsMembersIn = async (fn) => (await attempt(fn, member)) === true && !(await attempt(fn, anonymous))

  const loose = []
  for (const [kind, slug, op, fn] of ownAccess) {
    if (await letsMembersIn(fn)) loose.push(`${kind} "${slug}" access.${op}`)
  }
  if (loose.length) {
    payload.logger.warn(
      `ory-otc/payload: ${loose.join(', ')} let${loose.length === 1 ? 's' : ''} in any signed-in member (anyone who ` +
        "can read an e-mailed code). Use adminsOnly or isAdmin(req) from 'ory-otc/payload' where only admins may.",
    )
  }

  const entities = [
    ...payload.config.collections.map((c) => ['collection', c, COLLECTION_OPS]),
    ...(payload.config.globals ?? []).map((g) => ['global', g, GLOBAL_OPS]),
  ]
  for (const [kind, entity, ops] of entities) {
    if (known.has(`${kind}:${entity.slug}`)) continue
    entity.access ??= {}
    for (const op of ops) {
      const fn = entity.access[op]
      if (typeof fn === 'function' && (await letsMembersIn(fn))) {
        entity.access[op] = (args) => (isMember(args.req) ? false : fn(args))
      }
    }
  }
}

/** A request as an access function sees one: enough for the rules apps write (`req.user`, `req.payload`). */
const probeRequest = (payload, user) => ({
  payload,
  user,
  context: {},
  headers: new Headers(),
  query: {},
  routeParams: {},
  t: (key) => key,
  i18n: { language: 'en', t: (key) => key },
})

/** What `fn` answers for `req`, or undefined when it throws or takes over a second. */
async function attempt(fn, req) {
  let timer
  try {
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 1000)))
    return await Promise.race([Promise.resolve().then(() => fn({ req })), late])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

function configError(message) {
  throw new OryOtcError(`ory-otc/payload: ${message}`, { code: 'ERR_ORY_CONFIG' })
}
