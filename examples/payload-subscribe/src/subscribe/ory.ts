//! The process-wide `OryOtc` client. One instance is safe to share, and it holds one
//! connection pool, so it is made once, on first use: `next build` imports this file
//! without ORY_SDK_URL set and must not fail.
import { OryOtc } from 'ory-otc'

/** The two calls the endpoints make; tests hand in a stub with the same shape. */
export type OryPort = Pick<OryOtc, 'sendCode' | 'verifyCode'>

let shared: OryOtc | undefined

/**
 * Returns the shared client, reading `ORY_SDK_URL` (and `ORY_API_KEY`, if set) on first use.
 *
 * # Errors
 * Throws an `OryOtcError` with code `ERR_ORY_CONFIG` when the URL is missing or invalid; the
 * endpoints answer that with a 503. The next call tries again, so fixing the environment and
 * restarting is not needed in tests that set it late.
 */
export function sharedOry(): OryPort {
  shared ??= new OryOtc({ apiKey: process.env.ORY_API_KEY || undefined })
  return shared
}
