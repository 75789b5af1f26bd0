// A Payload CMS `subscribe` endpoint: plain `async (req) => Response` handlers.
import { OryOtc, isOryOtcError } from 'ory-otc'

const ory = new OryOtc() // reads ORY_SDK_URL; one client (one connection pool) per process

const json = (body, status = 200, headers) => Response.json(body, { status, headers })

function failure(e) {
  if (e instanceof TypeError) return json({ error: 'invalid_request', message: e.message }, 400)
  if (isOryOtcError(e)) return json({ error: 'auth_unavailable' }, e.retryable ? 503 : 502)
  throw e
}

// POST { email } → { flowId, flowType }
export async function subscribe(req) {
  const { email } = (await req.json().catch(() => null)) ?? {}
  if (typeof email !== 'string') return json({ error: 'invalid_request', message: 'email is required' }, 400)
  try {
    const r = await ory.sendCode(email) // login, or registration for a new address
    switch (r.status) {
      case 'code_sent':
        return json({ flowId: r.flowId, flowType: r.flowType })
      case 'invalid_identifier':
        return json({ error: r.status, message: 'Please enter a valid e-mail address.' }, 400)
      case 'rate_limited':
        return json({ error: r.status }, 429, { 'Retry-After': String(r.retryAfterSeconds ?? 60) })
      case 'account_not_found': // sendCode registers instead, so not expected here
      case 'session_already_available':
      case 'flow_expired':
      case 'flow_not_found':
      case 'rejected':
        return json({ error: r.status, messages: r.messages }, 400)
    }
  } catch (e) {
    return failure(e)
  }
}

// POST { flowId, flowType, code } → { email }, and the session in an HttpOnly cookie
export async function verify(req) {
  const { flowId, flowType, code } = (await req.json().catch(() => null)) ?? {}
  try {
    const r = await ory.verifyCode({ flowId, flowType, code })
    switch (r.status) {
      case 'signed_in': {
        const cookie = `ory_session=${r.sessionToken}; HttpOnly; Secure; SameSite=Lax; Path=/`
        return json({ email: r.identity.traits.email }, 200, { 'Set-Cookie': cookie })
      }
      case 'registered': // the project issues no session after registration
        return json({ email: r.identity.traits.email })
      case 'invalid_code':
        return json({ error: r.status, message: 'That code is not right. Try again.' }, 400)
      case 'code_expired':
      case 'too_many_attempts':
      case 'flow_expired':
      case 'flow_not_found':
        return json({ error: r.status, message: 'Please request a new code.' }, 410)
      case 'account_exists':
        return json({ error: r.status, message: 'You already have an account: sign in instead.' }, 409)
      case 'rate_limited':
        return json({ error: r.status }, 429, { 'Retry-After': String(r.retryAfterSeconds ?? 60) })
      case 'rejected':
        return json({ error: r.status, messages: r.messages }, 400)
    }
  } catch (e) {
    return failure(e)
  }
}
