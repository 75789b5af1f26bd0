// @ts-check
// What each outcome of ory-otc becomes on the wire: one HTTP status and one JSON body per refusal,
// and 400/502/503 for a rejected promise. The plugin's endpoints and README's hand-written endpoint
// (examples/readme/subscribe-endpoint.mjs) both answer through these two functions.
//
// Bodies are `{ error, message }`: `error` is the result's status (or `invalid_request`,
// `auth_unavailable`), `message` a sentence for the person who typed the code. Neither ever holds
// a code, a session token or Ory's own text.
import { isOryOtcError } from 'ory-otc'

/** @typedef {import('./wire.js').Refusal} Refusal */
/** @typedef {import('./wire.js').ErrorBody} ErrorBody the body of every answer but a 200 (read by client.mjs) */

const NEW_CODE = 'Please ask for a new code.'

/**
 * Every refusal of `sendCode`, `resendCode` and `verifyCode`. The type makes `tsc` fail here when
 * ory-otc gains a status (`npm run typecheck` checks this file).
 * @type {{ readonly [S in Refusal['status']]: readonly [number, string] }}
 */
const REFUSALS = {
  invalid_identifier: [400, 'Please enter a valid e-mail address.'],
  account_not_found: [400, 'There is no account with this e-mail address.'],
  invalid_code: [400, 'That code is not right. Check the e-mail and try again.'],
  rejected: [400, 'The sign-in service refused this request.'],
  csrf_violation: [403, "This browser's cookies for the sign-in are missing or do not match. Reload the page and try again."],
  session_already_available: [409, 'You are already signed in.'],
  account_exists: [409, 'You already have an account: sign in instead.'],
  code_expired: [410, `This code has expired. ${NEW_CODE}`],
  too_many_attempts: [410, `Too many wrong codes. ${NEW_CODE}`],
  flow_expired: [410, `This sign-in attempt has expired. ${NEW_CODE}`],
  flow_not_found: [410, `This sign-in attempt is unknown. ${NEW_CODE}`],
  rate_limited: [429, 'Too many requests. Please wait a moment and try again.'],
}

/** Seconds a client is told to wait after a rate limit when Ory did not say. */
const DEFAULT_RETRY_AFTER_SECONDS = 60

/**
 * A JSON answer that no cache keeps.
 * @param {unknown} body
 * @param {number} [status]
 * @param {HeadersInit} [headers]
 */
export function json(body, status = 200, headers) {
  const h = new Headers(headers)
  h.set('Cache-Control', 'no-store')
  return Response.json(body, { status, headers: h })
}

/**
 * The answer to a refusal (`ok: false`): 400, 409, 410, or 429 with `Retry-After`.
 * @param {Refusal} result
 * @returns {Response}
 */
export function refusalResponse(result) {
  const [status, message] = REFUSALS[result.status]
  /** @type {ErrorBody} */
  const body = { error: result.status, message }
  if (result.status !== 'rate_limited') return json(body, status)
  const retryAfter = String(result.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS)
  return json(body, status, { 'Retry-After': retryAfter })
}

/**
 * The answer to a rejected ory-otc promise. A bad argument (a `TypeError` with code
 * `ERR_INVALID_ARG_*`; its message names the argument, never its value) is 400. An `OryOtcError`
 * is 503 when a retry may help (network, timeout, 502/503/504 from Ory), else 502; `logger`, when
 * given, gets its code, HTTP status and `retryable`, never its text. Anything else is a bug and
 * is thrown again.
 * @param {unknown} err
 * @param {{ error(obj: object, msg: string): void }} [logger] e.g. `req.payload.logger`
 * @returns {Response}
 */
export function failureResponse(err, logger) {
  if (err instanceof TypeError && /^ERR_INVALID_ARG_/.test(String(/** @type {any} */ (err).code))) {
    return json(/** @satisfies {ErrorBody} */ ({ error: 'invalid_request', message: err.message }), 400)
  }
  if (!isOryOtcError(err)) throw err
  logger?.error({ code: err.code, status: err.status, retryable: err.retryable }, 'ory-otc call failed')
  const message = 'The sign-in service is not available right now. Please try again shortly.'
  return json(/** @satisfies {ErrorBody} */ ({ error: 'auth_unavailable', message }), err.retryable ? 503 : 502)
}
