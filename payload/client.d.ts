// Types of `ory-otc/payload/client` (payload/client.mjs): the plugin's endpoints, called from a
// browser. The bodies it reads are the server's own types (wire.d.ts).
import type { FlowType, VerifyCodeResult } from '../index.js'
import type { EndpointError } from './wire.js'

export type { EndpointError } from './wire.js'

export interface ClientOptions {
  /**
   * Where the plugin's endpoints are: `/api/<collection>` of the Payload app. Relative URLs work
   * in a browser only; elsewhere give an absolute one.
   * @default '/api/subscriptions'
   */
  url?: string
  /**
   * Which cookies `fetch` sends and keeps (the session and, in browser mode, Kratos's CSRF
   * cookie). `'include'` when the page is on another origin than the app (the app must then
   * allow it with CORS and credentials).
   * @default 'same-origin'
   */
  credentials?: RequestCredentials
  /** The `fetch` to use. @default globalThis.fetch, looked up on each call */
  fetch?: typeof fetch
}

export interface RequestOptions {
  /** Aborts the request; the call then rejects with the signal's reason, as `fetch` does. */
  signal?: AbortSignal
}

/** A refusal the endpoint answered: its `error` as `status`, with the HTTP status and its sentence. */
type Refused<S extends EndpointError> = {
  ok: false
  status: S
  /** A sentence for the person, from the server (never Ory's own text, a code or a token). */
  message: string
  httpStatus: number
} & (S extends 'rate_limited' ? { /** From `Retry-After`. */ retryAfterSeconds: number } : {})

/**
 * Every `ok: false` result: one arm per `error` the endpoints answer (wire.d.ts), plus
 * `network_error` (`fetch` rejected: offline, DNS, CORS) and `unexpected_response` (an answer
 * that is not the plugin's JSON, e.g. a proxy's error page or a wrong `url`). Never thrown.
 */
export type Failure =
  | { [S in EndpointError]: Refused<S> }[EndpointError]
  | { ok: false; status: 'network_error'; message: string }
  | { ok: false; status: 'unexpected_response'; message: string; httpStatus: number }

/** `subscribe` and `resend`: a code is on its way; pass `flowId` and `flowType` to `verify`. */
export interface CodeSent {
  ok: true
  status: 'code_sent'
  flowId: string
  /** `'registration'` for a new address, `'login'` for a known one. */
  flowType: FlowType
}

/**
 * `verify`: the address is confirmed. `signed_in`: the session is in an HttpOnly cookie the page
 * cannot read; `registered`: Ory issued no session after registration.
 */
export interface Verified {
  ok: true
  status: Extract<VerifyCodeResult, { ok: true }>['status']
  /** Absent only when the identity has no address. */
  email?: string
}

export interface LoggedOut {
  ok: true
  status: 'logged_out'
}

export interface SubscriptionClient {
  /** `POST <url>/subscribe`: sends a code to `email` (a login code for a known address, else a registration code). */
  subscribe(email: string, request?: RequestOptions): Promise<CodeSent | Failure>
  /** `POST <url>/resend`: a new code on the same flow; the old one stops working. */
  resend(flow: { flowId: string; flowType: FlowType; email?: string }, request?: RequestOptions): Promise<CodeSent | Failure>
  /** `POST <url>/verify`: checks the code; on success the session cookie is set. */
  verify(flow: { flowId: string; flowType: FlowType; code: string }, request?: RequestOptions): Promise<Verified | Failure>
  /** `POST <url>/logout`: Ory ends the session and the cookie is cleared; also fine without a session. */
  logout(request?: RequestOptions): Promise<LoggedOut | Failure>
}

/** A client for the endpoints at `options.url`. */
export declare function subscriptionClient(options?: ClientOptions): SubscriptionClient

/** The default client's calls: the endpoints of `/api/subscriptions` on the page's own origin. */
export declare const subscribe: SubscriptionClient['subscribe']
export declare const resend: SubscriptionClient['resend']
export declare const verify: SubscriptionClient['verify']
export declare const logout: SubscriptionClient['logout']
