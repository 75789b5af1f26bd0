// Type-checked with `tsc -p __test__/types/tsconfig.json`: the public types let an endpoint
// switch over every status exhaustively, narrow on `status`, and see `ok` as a literal.
// A status added to a result union without a case here fails this check.
import {
  OryOtc,
  OryOtcError,
  isOryOtcError,
  initiateOtcLogin,
  completeOtcLogin,
  type SendCodeResult,
  type VerifyCodeResult,
  type WhoamiResult,
  type LogoutResult,
  type OryOtcErrorCode,
  type FlowType,
  type UiMessage,
} from '../..'

function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`)
}

export function describeSend(r: SendCodeResult): string {
  switch (r.status) {
    case 'code_sent': {
      const ok: true = r.ok
      const flowType: FlowType = r.flowType
      return `${ok} ${r.flowId} ${flowType} ${r.identifier} ${r.expiresAt}`
    }
    case 'account_not_found':
    case 'invalid_identifier': {
      const ok: false = r.ok
      return `${ok} ${r.flowId} ${r.messages.map((m: UiMessage) => m.id).join()}`
    }
    case 'session_already_available':
      return `${r.flowId ?? ''}`
    case 'flow_expired':
      return `${r.newFlowId ?? ''}`
    case 'flow_not_found':
      return r.flowId
    case 'csrf_violation': {
      const cause: 'no_cookie' | 'no_csrf_cookie' | 'mismatch' = r.cause
      return `${r.flowId} ${cause} ${r.hint}`
    }
    case 'rate_limited':
      return `${r.retryAfterSeconds ?? 'unknown'}`
    case 'rejected':
      return `${r.httpStatus} ${r.errorId ?? ''} ${r.reason ?? ''}`
    default:
      return unreachable(r)
  }
}

export function describeVerify(r: VerifyCodeResult): string {
  switch (r.status) {
    case 'signed_in': {
      const ok: true = r.ok
      const token: string | undefined = r.sessionToken
      return `${ok} ${token} ${r.session.id} ${r.identity.id} ${String(r.identity.traits.email)}`
    }
    case 'registered': {
      const flowType: 'registration' = r.flowType
      return `${flowType} ${r.identity.id}`
    }
    case 'invalid_code':
    case 'too_many_attempts':
    case 'account_exists':
    case 'flow_not_found':
      return r.flowId
    case 'code_expired':
    case 'flow_expired':
      return `${r.flowId} -> ${r.newFlowId ?? 'new flow'}`
    case 'csrf_violation':
      return `${r.cause}: ${r.hint}`
    case 'rate_limited':
      return `${r.retryAfterSeconds}`
    case 'rejected':
      return `${r.httpStatus}`
    default:
      return unreachable(r)
  }
}

export function describeWhoami(r: WhoamiResult): string {
  switch (r.status) {
    case 'active':
      return r.session.identity?.id ?? ''
    case 'unauthorized':
      return r.errorId ?? ''
    case 'rate_limited':
      return `${r.retryAfterSeconds}`
    default:
      return unreachable(r)
  }
}

export function describeLogout(r: LogoutResult): string {
  switch (r.status) {
    case 'logged_out':
    case 'unknown_session':
      return r.status
    case 'rate_limited':
      return `${r.retryAfterSeconds}`
    default:
      return unreachable(r)
  }
}

export function describeError(e: unknown): string {
  if (isOryOtcError(e)) {
    const code: OryOtcErrorCode = e.code
    return `${code} ${e.status ?? ''} ${e.errorId ?? ''} ${e.retryable}`
  }
  if (e instanceof OryOtcError) return e.code
  return String(e)
}

// A Payload-style endpoint, as in the README.
export async function subscribe(req: Request): Promise<Response> {
  const ory = new OryOtc({ baseUrl: 'http://127.0.0.1:4433', timeoutMs: 5000 })
  const { email } = (await req.json()) as { email: string }
  const controller = new AbortController()
  const result = await ory.sendCode(email, undefined, { signal: controller.signal })
  if (result.ok) return Response.json({ flowId: result.flowId, flowType: result.flowType })
  return Response.json({ error: result.status }, { status: result.status === 'rate_limited' ? 429 : 400 })
}

export async function dropIn(): Promise<void> {
  const sent = await initiateOtcLogin('a@example.com')
  if (sent.status === 'code_sent') {
    const done = await completeOtcLogin(sent.flowId, '123456')
    describeVerify(done)
  }
}

// @ts-expect-error: a code is a string, never a number (leading zeros).
completeOtcLogin('f', 123456)
// @ts-expect-error: flowType is 'login' | 'registration'.
new OryOtc().verifyCode({ flowId: 'f', flowType: 'signup', code: '1' })

// Browser mode: the results say exactly what each mode carries.
export async function browserMode(cookie: string | null): Promise<string[]> {
  const browser = new OryOtc({ flow: 'browser', baseUrl: 'https://x.example' })
  const mode: 'browser' = browser.flow
  const sent = await browser.sendCode('a@example.com', undefined, { cookie })
  const forward: string[] = sent.setCookie
  if (sent.status !== 'code_sent') return forward
  const done = await browser.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code: '123456' }, { cookie })
  switch (done.status) {
    case 'signed_in':
      // @ts-expect-error: browser flows have no session token; the session is Kratos's cookie.
      done.sessionToken
      return [mode, ...done.setCookie]
    case 'csrf_violation':
      return [done.cause, done.hint, ...done.setCookie]
    default:
      return done.setCookie
  }
}

export async function sessionsByMode(): Promise<void> {
  const browser = new OryOtc({ flow: 'browser' })
  const who = await browser.whoami({ cookie: 'ory_kratos_session=x' })
  const out = await browser.logout({ cookie: null })
  const cookies: string[] = [...who.setCookie, ...out.setCookie]
  // @ts-expect-error: a browser-mode client takes the cookies, not a session token.
  await browser.whoami('ory_st_x')

  const api = new OryOtc()
  const mode: 'api' = api.flow
  await api.whoami('ory_st_x', {})
  // @ts-expect-error: an API-mode client takes a session token.
  await api.logout({ cookie: 'x' })
  const done = await api.verifyLoginCode({ flowId: 'f', code: '123456' })
  if (done.status === 'signed_in') {
    const token: string = done.sessionToken // always there in API mode
    // @ts-expect-error: API-mode results carry no cookies.
    done.setCookie
    describeError([token, mode, cookies])
  }
  // @ts-expect-error: `cookie` is a browser-mode option.
  await api.sendLoginCode('a@example.com', { cookie: 'x' })
}
