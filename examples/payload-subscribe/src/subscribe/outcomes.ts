//! What each non-ok outcome of the addon becomes on the wire: an HTTP status, a stable `error`
//! code (the addon's status) and a message that can be shown to the subscriber as it is.
import type { PayloadRequest } from 'payload'
import type { SendCodeResult, VerifyCodeResult } from 'ory-otc'
import { isOryOtcError } from 'ory-otc'

import { errorResponse } from './http'

type Failure<R> = Extract<R, { ok: false }>
type Answer = { http: number; message: string }

/** Each refusal of `sendCode`. */
export function sendCodeFailure(result: Failure<SendCodeResult>): Response {
  switch (result.status) {
    case 'invalid_identifier':
      return refuse(result, { http: 400, message: 'Please enter a valid e-mail address.' })
    case 'account_not_found':
      return refuse(result, { http: 404, message: 'We could not find an account for this e-mail address.' })
    case 'session_already_available':
      return refuse(result, { http: 409, message: 'You are already signed in.' })
    case 'flow_expired':
      return refuse(result, { http: 410, message: 'This sign-up attempt has expired. Please ask for a new code.' })
    case 'flow_not_found':
      return refuse(result, { http: 404, message: 'We could not find this sign-up attempt. Please ask for a new code.' })
    case 'rate_limited':
      return refuse(result, { http: 429, message: 'Too many requests. Please wait a moment and try again.' })
    case 'rejected':
      return refuse(result, { http: 422, message: 'We could not send a code to this address. Please try again later.' })
    default:
      return unreachable(result)
  }
}

/** Each refusal of `verifyCode`. */
export function verifyCodeFailure(result: Failure<VerifyCodeResult>): Response {
  switch (result.status) {
    case 'invalid_code':
      return refuse(result, { http: 400, message: 'That code is not correct. Check the e-mail we sent and try again.' })
    case 'code_expired':
      return refuse(result, { http: 410, message: 'This code has expired. Please ask for a new one.' })
    case 'flow_expired':
      return refuse(result, { http: 410, message: 'This sign-up attempt has expired. Please ask for a new code.' })
    case 'flow_not_found':
      return refuse(result, { http: 404, message: 'We could not find this sign-up attempt. Please ask for a new code.' })
    case 'too_many_attempts':
      return refuse(result, { http: 429, message: 'Too many wrong codes. Please ask for a new code.' })
    case 'account_exists':
      return refuse(result, {
        http: 409,
        message: 'An account with this e-mail address already exists. Please ask for a new code to sign in.',
      })
    case 'rate_limited':
      return refuse(result, { http: 429, message: 'Too many requests. Please wait a moment and try again.' })
    case 'rejected':
      return refuse(result, { http: 422, message: 'We could not check this code. Please ask for a new one.' })
    default:
      return unreachable(result)
  }
}

function refuse(
  result: { status: string; retryAfterSeconds?: number },
  { http, message }: Answer,
): Response {
  const retryAfter = result.status === 'rate_limited' ? result.retryAfterSeconds : undefined
  if (retryAfter === undefined) return errorResponse(http, { error: result.status, message })
  return errorResponse(
    http,
    { error: result.status, message, retryAfterSeconds: retryAfter },
    { 'Retry-After': String(retryAfter) },
  )
}

/**
 * A rejected promise from the addon. Bad arguments (a TypeError with an `ERR_INVALID_ARG_*` code)
 * are the caller's mistake: 400. Infrastructure failures (`OryOtcError`) are ours: 502, 503 or 504
 * with a fixed message; the error's own text stays in the server log, which carries only the code,
 * the HTTP status and whether a retry may help. Anything else is a bug and is rethrown, so Payload
 * answers 500 and logs it.
 */
export function thrownFailure(err: unknown, req: PayloadRequest): Response {
  if (err instanceof TypeError && isArgCode((err as { code?: unknown }).code)) {
    // The addon's message can quote the value it refused, which may be a code: not echoed.
    return errorResponse(400, { error: 'invalid_request', message: 'The request has a value in the wrong format.' })
  }
  if (!isOryOtcError(err)) throw err
  req.payload.logger.error({ code: err.code, status: err.status, retryable: err.retryable }, 'ory-otc call failed')
  const message = 'The sign-in service is not available right now. Please try again shortly.'
  switch (err.code) {
    case 'ERR_ORY_TIMEOUT':
      return errorResponse(504, { error: 'upstream_timeout', message })
    case 'ERR_ORY_CONFIG':
    case 'ERR_ORY_ABORTED':
      return errorResponse(503, { error: 'service_unavailable', message })
    case 'ERR_ORY_NETWORK':
    case 'ERR_ORY_SERVER':
    case 'ERR_ORY_PROTOCOL':
    default:
      return errorResponse(502, { error: 'upstream_error', message })
  }
}

function isArgCode(code: unknown): boolean {
  return code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE'
}

// A status added to the addon's unions without a case here fails the type check at the call.
function unreachable(result: never): never {
  throw new Error(`unhandled ory-otc status: ${(result as { status?: string }).status}`)
}
