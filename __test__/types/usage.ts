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
