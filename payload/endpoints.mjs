// The plugin's endpoints on its collection (`/api/<collection>/…`):
//
//   POST subscribe  { email }                              -> 200 { flowId, flowType }
//   POST resend     { flowId, flowType, email? }           -> 200 { flowId, flowType }
//   POST verify     { flowId, flowType, code }             -> 200 { email, signedIn }, the session cookie
//   POST logout                                            -> 200 { signedIn: false }, the cookie cleared
//
// Refusals and failures answer through outcomes.mjs (400/403/409/410/429, 502/503); a malformed
// request is 400 `invalid_request`. Codes and session tokens never reach a body or the log.
import { failureResponse, json, refusalResponse } from './outcomes.mjs'
import { emailOf } from './session.mjs'

/** Bodies over this are refused before parsing; ours are a few dozen bytes. */
const MAX_BODY_BYTES = 16 * 1024
const FLOW_TYPES = ['login', 'registration']

/**
 * The four endpoints. `ctx` holds the plugin's settings, its Ory client (`ctx.ory()`), its
 * sessions (session.mjs) and `ctx.saveSubscriber`.
 */
export function endpoints(ctx) {
  return [
    { path: '/subscribe', method: 'post', handler: withBody(['email'], subscribe) },
    { path: '/resend', method: 'post', handler: withBody(['flowId', 'flowType'], resend) },
    { path: '/verify', method: 'post', handler: withBody(['flowId', 'flowType', 'code'], verify) },
    { path: '/logout', method: 'post', handler: (req) => endSession(ctx, req).then(({ response }) => response) },
  ]

  async function subscribe(req, { email }) {
    const r = await ory(req, (o, opts) => o.sendCode(email, undefined, opts))
    if (r instanceof Response) return r
    if (r.status !== 'code_sent') return withCookies(refusalResponse(r), r)
    return withCookies(json({ flowId: r.flowId, flowType: r.flowType }), r)
  }

  async function resend(req, { flowId, flowType, email }) {
    const r = await ory(req, (o, opts) => o.resendCode({ flowId, flowType, identifier: email }, opts))
    if (r instanceof Response) return r
    if (r.status !== 'code_sent') return withCookies(refusalResponse(r), r)
    return withCookies(json({ flowId: r.flowId, flowType: r.flowType }), r)
  }

  async function verify(req, { flowId, flowType, code }) {
    const r = await ory(req, (o, opts) => o.verifyCode({ flowId, flowType, code }, opts))
    if (r instanceof Response) return r
    if (!r.ok) return withCookies(refusalResponse(r), r)
    const email = emailOf(r.identity)
    await ctx.saveSubscriber(req, r.identity, flowType)
    const res = withCookies(json({ email, signedIn: r.status === 'signed_in' }), r)
    // API mode: the token goes into the plugin's cookie, never into the body. Browser mode:
    // Kratos's session cookie came in `setCookie` above.
    if (ctx.settings.mode === 'api' && r.status === 'signed_in' && r.sessionToken) {
      res.headers.append('Set-Cookie', sessionCookie(ctx.settings.cookie, req, r.sessionToken, r.session.expiresAt))
      ctx.sessions.remember(r.sessionToken, r.session)
    }
    return res
  }

  /** Calls Ory with the request's signal (and, in browser mode, its cookies); a throw becomes a Response. */
  async function ory(req, call) {
    const opts = { signal: req.signal }
    if (ctx.settings.mode === 'browser') opts.cookie = ctx.sessions.oryCookies(req.headers)
    try {
      return await call(ctx.ory(), opts)
    } catch (err) {
      return failureResponse(err, req.payload.logger)
    }
  }
}

/**
 * Ends the session of `req`: Ory revokes it, this server's cache forgets it, the browser's cookie
 * is cleared. Used by the logout endpoint and by the users collection's `afterLogout` hook.
 * Resolves `{ response, setCookie }`. API mode clears the plugin's cookie even when Ory could not
 * be reached (the answer is then 502/503); browser mode forwards the Set-Cookie of Kratos's
 * logout, so when Ory fails its session cookie stays.
 */
export async function endSession(ctx, req) {
  const { settings, sessions } = ctx
  const secret = sessions.credential(req.headers)
  sessions.forget(req.headers)
  let response = json({ signedIn: false })
  let setCookie = []
  if (secret) {
    try {
      const r =
        settings.mode === 'browser'
          ? await ctx.ory().logout({ cookie: sessions.oryCookies(req.headers), signal: req.signal })
          : await ctx.ory().logout(secret, { signal: req.signal })
      // `unknown_session`: already over. `rate_limited`: Ory keeps it until it expires.
      if (r.status === 'rate_limited') response = refusalResponse(r)
      setCookie = r.setCookie ?? []
    } catch (err) {
      response = failureResponse(err, req.payload.logger)
    }
  }
  if (settings.mode === 'api') setCookie = [expiredCookie(settings.cookie, req)]
  for (const c of setCookie) response.headers.append('Set-Cookie', c)
  return { response, setCookie }
}

/** Reads the JSON body, checks that each field in `required` is a non-empty string, then calls `handler(req, body)`. */
function withBody(required, handler) {
  return async (req) => {
    const body = await readBody(req)
    if (body instanceof Response) return body
    for (const field of required) {
      const value = body[field]
      if (typeof value !== 'string' || value.trim() === '') return invalid(`"${field}" must be a non-empty string.`)
      body[field] = value.trim()
    }
    if (body.email !== undefined && typeof body.email !== 'string') return invalid('"email" must be a string.')
    if (required.includes('flowType') && !FLOW_TYPES.includes(body.flowType)) {
      return invalid('"flowType" must be "login" or "registration".')
    }
    return handler(req, body)
  }
}

async function readBody(req) {
  // Only JSON: a cross-site form cannot send it without a CORS preflight.
  if (!/^application\/json\b/i.test(req.headers.get('content-type') ?? '')) {
    return invalid('Send a JSON body with Content-Type: application/json.')
  }
  const text = (await req.text?.()) ?? ''
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return invalid('The request body is too large.')
  try {
    const body = JSON.parse(text)
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body
  } catch {
    // answered below
  }
  return invalid('The request body must be a JSON object.')
}

const invalid = (message) => json({ error: 'invalid_request', message }, 400)

/** Appends each `Set-Cookie` Kratos sent (browser mode; API-mode results have none). */
function withCookies(res, result) {
  for (const c of result.setCookie ?? []) res.headers.append('Set-Cookie', c)
  return res
}

/**
 * True when the client reached us over https, directly or through a proxy that says so in
 * `X-Forwarded-Proto`. Either adds `Secure`: a needless one only costs the cookie, a missing one
 * would send the token in clear.
 */
function isHttps(req) {
  const forwarded = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https' || new URL(req.url ?? 'http://localhost').protocol === 'https:'
}

/** API mode's cookie: HttpOnly keeps it from page scripts, SameSite=Lax from cross-site POSTs. */
function sessionCookie(cookie, req, token, expiresAt) {
  const seconds = expiresAt ? Math.floor((Date.parse(expiresAt) - Date.now()) / 1000) : NaN
  const maxAge = Number.isFinite(seconds) && seconds > 0 ? `; Max-Age=${seconds}` : ''
  return `${cookie.name}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax${maxAge}${secure(cookie, req)}`
}

function expiredCookie(cookie, req) {
  return `${cookie.name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure(cookie, req)}`
}

const secure = (cookie, req) => ((cookie.secure ?? isHttps(req)) ? '; Secure' : '')
