// Browser mode in a Payload or Next.js route handler: the browser's cookies go to Ory, Ory's
// cookies (CSRF, then the session) come back to the browser. No token to store.
import { OryOtc } from 'ory-otc'

const ory = new OryOtc({ flow: 'browser' }) // reads ORY_SDK_URL

/** A JSON response that hands Kratos's Set-Cookie headers to the browser. */
function reply(body, status, setCookie) {
  const res = Response.json(body, { status })
  for (const cookie of setCookie) res.headers.append('set-cookie', cookie)
  return res
}

// POST { email } → { flowId, flowType }
export async function subscribe(req) {
  const { email } = (await req.json().catch(() => null)) ?? {}
  if (typeof email !== 'string') return Response.json({ error: 'invalid_request' }, { status: 400 })
  const r = await ory.sendCode(email, undefined, { cookie: req.headers.get('cookie') })
  if (r.status === 'code_sent') return reply({ flowId: r.flowId, flowType: r.flowType }, 200, r.setCookie)
  return reply({ error: r.status }, r.status === 'rate_limited' ? 429 : 400, r.setCookie)
}

// POST { flowId, flowType, code } → { email }, and Kratos's session cookie
export async function verify(req) {
  const { flowId, flowType, code } = (await req.json().catch(() => null)) ?? {}
  const r = await ory.verifyCode({ flowId, flowType, code }, { cookie: req.headers.get('cookie') })
  switch (r.status) {
    case 'signed_in':
    case 'registered':
      return reply({ email: r.identity.traits.email }, 200, r.setCookie)
    case 'csrf_violation': // the browser's cookies did not come along: r.cause, r.hint say why
      return reply({ error: r.status, cause: r.cause }, 403, r.setCookie)
    default:
      return reply({ error: r.status }, 400, r.setCookie)
  }
}

// GET → { email } of the signed-in browser, or 401
export async function me(req) {
  const r = await ory.whoami({ cookie: req.headers.get('cookie') })
  if (r.status !== 'active') return reply({ error: r.status }, 401, r.setCookie)
  return reply({ email: r.session.identity?.traits.email }, 200, r.setCookie)
}

// POST → clears the session cookie
export async function logout(req) {
  const r = await ory.logout({ cookie: req.headers.get('cookie') })
  return reply({ status: r.status }, r.ok ? 200 : 401, r.setCookie)
}
