// ory-otc/payload: a Payload CMS 3 plugin. One entry in `plugins` gives a collection the
// subscribe / resend / verify / logout endpoints (endpoints.mjs), records each verified address
// in it, and lets an Ory session sign a person in to a users collection (session.mjs), so that
// `req.user`, access control and `GET /api/<users>/me` see them.
//
//   plugins: [oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', create: true } })]
//
// The types and every option's default are in index.d.ts.
import { OryOtc, OryOtcError, isOryOtcError } from 'ory-otc'

import { checkAccess, secureConfig } from './access.mjs'
import { endSession, endpoints } from './endpoints.mjs'
import { STRATEGY_NAME, createSessions, emailOf, userOf } from './session.mjs'

export { adminsOnly, isAdmin, isMember } from './access.mjs'
export { failureResponse, refusalResponse } from './outcomes.mjs'

const OPTIONS = ['collection', 'mode', 'ory', 'subscriber', 'users', 'sessionCacheSeconds', 'cookie', 'sessionCookie', 'cookieDomain']
const API_ONLY = ['cookie']
const BROWSER_ONLY = ['sessionCookie', 'cookieDomain']

/**
 * The plugin. Checks `options` at once (a TypeError names the bad one), and the Payload config
 * when Payload applies it (an `OryOtcError` `ERR_ORY_CONFIG` names an unknown collection). The Ory
 * client is created when Payload starts (`onInit`), so a missing Ory URL stops the start.
 */
export function oryOtcPlugin(options) {
  const settings = readOptions(options)
  return (config) => applyPlugin(config, settings)
}

function readOptions(options) {
  if (options === null || typeof options !== 'object') fail('options must be an object', 'TYPE')
  const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k))
  if (unknown.length) fail(`unknown option ${unknown.map((k) => `"${k}"`).join(', ')}; the options are: ${OPTIONS.join(', ')}`)
  const { collection, mode = 'api', ory = {}, subscriber = true, users, sessionCacheSeconds = 10 } = options
  if (mode !== 'api' && mode !== 'browser') fail(`"mode" must be 'api' or 'browser', not ${show(mode)}`)
  for (const key of mode === 'api' ? BROWSER_ONLY : API_ONLY) {
    if (options[key] !== undefined) fail(`"${key}" applies to mode '${mode === 'api' ? 'browser' : 'api'}' only`)
  }
  slug(collection, 'collection')
  plainObject(ory, 'ory')
  if ('flow' in ory) fail('"ory.flow" is set by "mode"')
  if (typeof subscriber !== 'boolean') {
    plainObject(subscriber, 'subscriber')
    optionalFunction(subscriber.data, 'subscriber.data')
  }
  if (users !== undefined) {
    plainObject(users, 'users')
    slug(users.collection, 'users.collection')
    if (users.create !== undefined && typeof users.create !== 'boolean') fail('"users.create" must be a boolean', 'TYPE')
    optionalFunction(users.data, 'users.data')
    const access = users.defaultAccess
    if (access !== undefined && access !== 'refuse-members' && access !== 'any-user') {
      fail(`"users.defaultAccess" must be 'refuse-members' or 'any-user', not ${show(access)}`)
    }
    const editable = users.editableFields
    if (editable !== undefined && !(Array.isArray(editable) && editable.every((f) => typeof f === 'string' && f !== ''))) {
      fail('"users.editableFields" must be an array of field names', 'TYPE')
    }
    const locked = ['email', 'oryIdentityId', 'password'].filter((f) => editable?.includes(f))
    if (locked.length) fail(`"users.editableFields" cannot hold ${locked.map((f) => `"${f}"`).join(', ')}: Ory owns them`)
  }
  if (typeof sessionCacheSeconds !== 'number' || !(sessionCacheSeconds >= 0 && sessionCacheSeconds <= 3600)) {
    fail(`"sessionCacheSeconds" must be a number from 0 to 3600, not ${show(sessionCacheSeconds)}`)
  }
  if (options.cookie !== undefined) plainObject(options.cookie, 'cookie')
  const cookie = { name: 'ory_session_token', ...options.cookie }
  if (mode === 'api') {
    if (typeof cookie.name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookie.name)) {
      fail(`"cookie.name" must be a cookie name, not ${show(cookie.name)}`)
    }
    if (cookie.secure !== undefined && typeof cookie.secure !== 'boolean') fail('"cookie.secure" must be a boolean', 'TYPE')
  }
  if (options.sessionCookie !== undefined && typeof options.sessionCookie !== 'string') fail('"sessionCookie" must be a string', 'TYPE')
  if (options.cookieDomain !== undefined && typeof options.cookieDomain !== 'string') fail('"cookieDomain" must be a string', 'TYPE')
  return {
    collection,
    mode,
    ory,
    subscriber: subscriber === true ? {} : subscriber,
    users: users && { create: false, ...users },
    sessionCacheSeconds,
    cookie,
    sessionCookie: options.sessionCookie,
    cookieDomain: options.cookieDomain,
  }
}

function applyPlugin(config, settings) {
  const collections = config.collections ?? []
  const target = findCollection(collections, settings.collection, 'collection')
  if (target.endpoints === false) configError(`collection "${target.slug}" has endpoints: false; the plugin adds endpoints to it`)
  const users = settings.users && findCollection(collections, settings.users.collection, 'users.collection')
  if (users && !users.auth) configError(`users.collection "${users.slug}" has no \`auth\`; make it an auth collection`)

  let client
  const ctx = {
    settings,
    ory: () => (client ??= createClient(settings)),
    saveSubscriber: (req, identity, flowType) => saveSubscriber(settings, req, identity, flowType),
  }
  ctx.sessions = createSessions(settings, ctx.ory)

  const secured = secureConfig(
    {
      ...config,
      collections: collections.map((c) => {
        let changed = c
        if (c === target) changed = withEndpoints(changed, ctx)
        if (c === users) changed = withStrategy(changed, ctx)
        return changed
      }),
    },
    settings,
  )
  return {
    ...secured.config,
    onInit: async (payload) => {
      ctx.ory() // a missing or bad Ory URL stops the start here, with a message that says so
      await checkAccess(payload, settings, secured)
      await config.onInit?.(payload)
    },
  }
}

/** The plugin's collection: its endpoints after the app's own, and the subscriber fields. */
function withEndpoints(collection, ctx) {
  const fields = ctx.settings.subscriber
    ? addFields(collection.fields, [
        { name: 'email', type: 'email', unique: true, index: true },
        identityIdField(),
        { name: 'verifiedAt', type: 'date', admin: { readOnly: true } },
      ])
    : collection.fields
  return { ...collection, fields, endpoints: [...(collection.endpoints ?? []), ...endpoints(ctx)] }
}

/** The users collection: the auth strategy, `oryIdentityId`, and a logout hook. */
function withStrategy(collection, ctx) {
  const { users } = ctx.settings
  const auth = collection.auth === true ? {} : collection.auth
  const local = auth.disableLocalStrategy
  // Payload adds `email` itself unless its password login is off (and its fields with it).
  const hasAuthEmail = !local || local.enableFields === true
  const strategy = {
    name: STRATEGY_NAME,
    authenticate: async ({ payload, headers }) => {
      try {
        const identity = await ctx.sessions.identityOf(headers)
        const user = identity && (await userOf(payload, users, identity, !local))
        return { user: user ? { ...user, collection: users.collection, _strategy: STRATEGY_NAME } : null }
      } catch (err) {
        // A cookie that cannot be a token is no session. Ory failing leaves the request signed out.
        if (err instanceof TypeError && /^ERR_INVALID_ARG_/.test(String(err.code))) return { user: null }
        if (!isOryOtcError(err)) throw err
        payload.logger.error({ code: err.code, status: err.status, retryable: err.retryable }, 'ory-otc whoami failed')
        return { user: null }
      }
    },
  }
  // Payload's own `POST /api/<users>/logout` (the admin panel's "Log out") ends the Ory session too.
  const afterLogout = async ({ req }) => {
    if (req.user?._strategy !== STRATEGY_NAME) return
    const { setCookie } = await endSession(ctx, req)
    req.responseHeaders ??= new Headers()
    for (const c of setCookie) req.responseHeaders.append('Set-Cookie', c)
  }
  return {
    ...collection,
    auth: { ...auth, strategies: [...(auth.strategies ?? []), strategy] },
    fields: addFields(collection.fields, [identityIdField(), ...(hasAuthEmail ? [] : [{ name: 'email', type: 'email', index: true }])]),
    hooks: { ...collection.hooks, afterLogout: [...(collection.hooks?.afterLogout ?? []), afterLogout] },
  }
}

/**
 * Creates or updates the subscriber document of a verified identity (found by Ory identity id,
 * else by address): `email`, `oryIdentityId`, `verifiedAt` (the first verification), plus what
 * `subscriber.data` returns.
 */
async function saveSubscriber({ collection, subscriber }, req, identity, flowType) {
  if (!subscriber) return
  const email = emailOf(identity)
  const findBy = async (where) =>
    (await req.payload.find({ collection, where, limit: 1, depth: 0, pagination: false, req })).docs[0]
  const save = async (doc) => {
    const data = {
      email,
      oryIdentityId: identity.id,
      verifiedAt: doc?.verifiedAt ?? new Date().toISOString(),
      ...(await subscriber.data?.({ identity, flowType, doc, req })),
    }
    return doc
      ? req.payload.update({ collection, id: doc.id, data, depth: 0, req })
      : req.payload.create({ collection, data, depth: 0, req })
  }
  const existing =
    (await findBy({ oryIdentityId: { equals: identity.id } })) ?? (email ? await findBy({ email: { equals: email } }) : undefined)
  try {
    return await save(existing)
  } catch (err) {
    // Two verifies for the same new address at once: the unique index let one through.
    const raced = !existing && (await findBy({ oryIdentityId: { equals: identity.id } }))
    if (!raced) throw err
    return save(raced)
  }
}

function createClient({ mode, ory, cookieDomain }) {
  try {
    return new OryOtc({ ...ory, flow: mode, ...(mode === 'browser' ? { cookieDomain } : {}) })
  } catch (err) {
    if (!isOryOtcError(err) && !(err instanceof TypeError)) throw err
    configError(`cannot create the Ory client from the "ory" option: ${err.message}`)
  }
}

const identityIdField = () => ({
  name: 'oryIdentityId',
  label: 'Ory identity id',
  type: 'text',
  unique: true,
  index: true,
  admin: { readOnly: true },
})

/** `fields` plus each of `extra` whose name the collection does not use yet (the app's own wins). */
function addFields(fields = [], extra) {
  const names = new Set(fields.map((f) => f.name))
  return [...fields, ...extra.filter((f) => !names.has(f.name))]
}

function findCollection(collections, slug, option) {
  const found = collections.find((c) => c.slug === slug)
  if (!found) {
    const known = collections.map((c) => c.slug).join(', ') || 'none'
    configError(`${option} "${slug}" is not a collection of this Payload config (its collections: ${known})`)
  }
  return found
}

function configError(message) {
  throw new OryOtcError(`ory-otc/payload: ${message}`, { code: 'ERR_ORY_CONFIG' })
}

function fail(message, kind = 'VALUE') {
  const err = new TypeError(`ory-otc/payload: ${message}`)
  err.code = `ERR_INVALID_ARG_${kind}`
  throw err
}

const show = (value) => (typeof value === 'string' ? `'${value}'` : String(value))

function slug(value, name) {
  if (typeof value !== 'string' || value === '') fail(`"${name}" must be a collection slug (a non-empty string), not ${show(value)}`, 'TYPE')
}

function plainObject(value, name) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`"${name}" must be an object`, 'TYPE')
}

function optionalFunction(value, name) {
  if (value !== undefined && typeof value !== 'function') fail(`"${name}" must be a function`, 'TYPE')
}
