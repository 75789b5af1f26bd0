// A Payload CMS `subscribe` endpoint written by hand: plain `async (req) => Response` handlers.
import { OryOtc } from 'ory-otc'
import { failureResponse, refusalResponse } from 'ory-otc/payload' // the plugin's answers

const ory = new OryOtc() // reads ORY_SDK_URL; one client (one connection pool) per process

// POST { email } → { flowId, flowType }
export async function subscribe(req) {
  const { email } = (await req.json().catch(() => null)) ?? {}
  if (typeof email !== 'string') return Response.json({ error: 'invalid_request', message: 'email is required' }, { status: 400 })
  try {
    const r = await ory.sendCode(email) // login, or registration for a new address
    switch (r.status) {
      case 'code_sent':
        return Response.json({ flowId: r.flowId, flowType: r.flowType })
      default: // invalid_identifier 400, rate_limited 429 with Retry-After, …
        return refusalResponse(r)
    }
  } catch (e) {
    return failureResponse(e, req.payload?.logger) // a bad argument 400, Ory failing 502/503
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
        return Response.json({ email: r.identity.traits.email }, { headers: { 'Set-Cookie': cookie } })
      }
      case 'registered': // the project issues no session after registration
        return Response.json({ email: r.identity.traits.email })
      default: // invalid_code 400, account_exists 409, code_expired 410, too_many_attempts 410, …
        return refusalResponse(r)
    }
  } catch (e) {
    return failureResponse(e, req.payload?.logger)
  }
}
