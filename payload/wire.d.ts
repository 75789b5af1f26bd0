// The JSON the plugin's endpoints answer (payload/endpoints.mjs, payload/outcomes.mjs), in one
// place: the server side writes these bodies, `ory-otc/payload/client` reads them. Imports only
// types of ory-otc itself, so a browser bundle that uses the client needs no Payload types.
import type { FlowType, SendCodeResult, VerifyCodeResult } from '../index.js'

/** Every `ok: false` result of `sendCode`, `resendCode` and `verifyCode`. */
export type Refusal = Extract<SendCodeResult | VerifyCodeResult, { ok: false }>

/**
 * The `error` of a refusal body: a refusal's status, `invalid_request` (a malformed request, or a
 * value ory-otc refuses), or `auth_unavailable` (Ory failed: 502, or 503 when a retry may help).
 */
export type EndpointError = Refusal['status'] | 'invalid_request' | 'auth_unavailable'

/** Every answer that is not a 200; `message` is a sentence for the person, never Ory's own text. */
export interface ErrorBody {
  error: EndpointError
  message: string
}

/** `subscribe` and `resend`: a code is on its way. */
export interface CodeSentBody {
  flowId: string
  flowType: FlowType
}

/** `verify`: the address is confirmed; `signedIn` when Ory issued a session (now in a cookie). */
export interface VerifiedBody {
  /** Absent only when the identity has no address (an identity schema without an `email` trait). */
  email?: string
  signedIn: boolean
}

/** `logout`: the session is over (or there was none). */
export interface LoggedOutBody {
  signedIn: false
}
