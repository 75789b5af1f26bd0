// Type-checked with `tsc -p __test__/types/tsconfig.json`: a page can switch over every result of
// `ory-otc/payload/client` exhaustively. An `error` the endpoints gain (wire.d.ts) without a case
// here fails this check, as does a `retryAfterSeconds` that stops being a number on `rate_limited`.
import { subscribe, subscriptionClient, verify, type Failure } from 'ory-otc/payload/client'

function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`)
}

export function describeFailure(f: Failure): string {
  switch (f.status) {
    case 'rate_limited': {
      const seconds: number = f.retryAfterSeconds
      return `${f.httpStatus} wait ${seconds}`
    }
    case 'invalid_identifier':
    case 'account_not_found':
    case 'invalid_code':
    case 'rejected':
    case 'csrf_violation':
    case 'session_already_available':
    case 'account_exists':
    case 'code_expired':
    case 'too_many_attempts':
    case 'flow_expired':
    case 'flow_not_found':
    case 'invalid_request':
    case 'auth_unavailable':
    case 'unexpected_response':
      return `${f.httpStatus} ${f.message}`
    case 'network_error':
      // @ts-expect-error: no HTTP status without an answer
      return `${f.httpStatus}`
    default:
      return unreachable(f)
  }
}

export async function flow(email: string, code: string): Promise<string> {
  const sent = await subscribe(email)
  if (!sent.ok) return describeFailure(sent)
  const ok: true = sent.ok
  const done = await verify({ flowId: sent.flowId, flowType: sent.flowType, code })
  if (!done.ok) return describeFailure(done)
  const status: 'signed_in' | 'registered' = done.status
  // @ts-expect-error: `email` may be absent
  const email2: string = done.email
  return `${ok} ${status} ${email2}`
}

export const client = subscriptionClient({ url: 'https://app.example.com/api/subscriptions', credentials: 'include' })
