// The Ory session behind a request: which cookie carries it, a short per-session cache of
// `whoami`, and the Payload user it stands for.
import { createHash, randomBytes } from 'node:crypto'

export { STRATEGY_NAME } from './access.mjs'

/** The most sessions the whoami cache holds; the oldest entry goes first when it is full. */
const CACHE_LIMIT = 10_000

/** The value of the first cookie in a `Cookie` header whose name passes `isName`, or undefined. */
function cookieValue(header, isName) {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0 || !isName(part.slice(0, eq).trim())) continue
    try {
      return decodeURIComponent(part.slice(eq + 1).trim()) || undefined
    } catch {
      return undefined // not percent-encoded as we wrote it: not our cookie
    }
  }
  return undefined
}

/**
 * Reads and remembers the sessions of one plugin instance. `ory()` returns its client.
 * The cache maps a hash of the session credential to `{ identity, until }`.
 */
export function createSessions(settings, ory) {
  const cache = new Map()
  const browser = settings.mode === 'browser'
  // Browser mode: Kratos's session cookie, `ory_kratos_session` (self-hosted) or
  // `ory_session_<slug>` (Ory Network) unless the app names it. API mode: the plugin's own cookie.
  const isSessionCookie = browser
    ? (name) => (settings.sessionCookie ? name === settings.sessionCookie : /^ory_(kratos_session$|session_)/.test(name))
    : (name) => name === settings.cookie.name

  /** The session credential in `headers` (API mode: the token; browser mode: Kratos's cookie). */
  const credential = (headers) => cookieValue(headers.get('cookie'), isSessionCookie)

  /**
   * Browser mode: the part of the `Cookie` header that is Kratos's (its session and CSRF
   * cookies), or null. The app's own cookies (Payload's `payload-token`, …) never go to Ory.
   */
  const oryCookies = (headers) =>
    (headers.get('cookie') ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter((part) => {
        const name = part.slice(0, part.indexOf('='))
        return isSessionCookie(name) || name.startsWith('csrf_token_')
      })
      .join('; ') || null
  // Keyed by a hash, so the cache holds no session token.
  const keyOf = (secret) => createHash('sha256').update(secret).digest('base64url')

  /** Remembers an active session for `sessionCacheSeconds`, never past its own expiry. */
  function remember(secret, session) {
    if (settings.sessionCacheSeconds === 0 || !session.identity) return
    const expires = session.expiresAt ? Date.parse(session.expiresAt) : Infinity
    const until = Math.min(Date.now() + settings.sessionCacheSeconds * 1000, expires)
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value ?? '')
    cache.set(keyOf(secret), { identity: session.identity, until })
  }

  /**
   * The identity whose session `headers` carry, from the cache or from Ory's `whoami`; undefined
   * for no session, an ended one, or one Ory will not show (rate limit, second factor due).
   */
  async function identityOf(headers) {
    const secret = credential(headers)
    if (!secret) return undefined
    const key = keyOf(secret)
    const hit = cache.get(key)
    if (hit && hit.until > Date.now()) return hit.identity
    cache.delete(key)
    // Browser mode: any Set-Cookie of whoami is not forwarded. It could not reach the browser on
    // every route, and on a logout or a verify it would land after, and undo, their own cookies.
    const result = browser
      ? await ory().whoami({ cookie: oryCookies(headers) })
      : await ory().whoami(secret)
    if (result.status !== 'active') return undefined
    remember(secret, result.session)
    return result.session.identity
  }

  /** Drops the session `headers` carry from the cache. */
  function forget(headers) {
    const secret = credential(headers)
    if (secret) cache.delete(keyOf(secret))
  }

  return { credential, oryCookies, identityOf, remember, forget }
}

/** The address of an identity: its `email` trait, else its first verifiable address. */
export function emailOf(identity) {
  const trait = identity.traits.email
  const address = typeof trait === 'string' ? trait : identity.verifiableAddresses[0]?.value
  return address?.trim().toLowerCase()
}

/**
 * The Payload user of an Ory identity: the document of `users.collection` whose `oryIdentityId`
 * is the identity's id; created when none exists and `users.create` is set. `needsPassword`:
 * the collection has Payload's own password login.
 */
export async function userOf(payload, users, identity, needsPassword) {
  const found = await findUser(payload, users.collection, identity.id)
  if (found || !users.create) return found
  const data = {
    email: emailOf(identity),
    oryIdentityId: identity.id,
    // Payload's password login needs one: a random one nobody knows; the person signs in with Ory.
    ...(needsPassword ? { password: randomBytes(32).toString('base64url') } : {}),
    ...(await users.data?.({ identity, payload })),
  }
  try {
    return await payload.create({ collection: users.collection, data, depth: 0, overrideAccess: true })
  } catch (err) {
    // Two first requests at once: the unique index let one through.
    const raced = await findUser(payload, users.collection, identity.id)
    if (raced) return raced
    throw err
  }
}

async function findUser(payload, collection, identityId) {
  const { docs } = await payload.find({
    collection,
    where: { oryIdentityId: { equals: identityId } },
    limit: 1,
    depth: 0,
    pagination: false,
    overrideAccess: true,
  })
  return docs[0]
}
