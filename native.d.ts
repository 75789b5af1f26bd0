/* Written by `napi build` from the Rust sources in src/; do not edit. Regenerate with `npm run build`. */

/** Which self-service flow a code belongs to. */
export type FlowType = 'login' | 'registration'

/** The flows a client runs: API (native) flows, or browser flows on a browser's behalf. */
export type FlowMode = 'api' | 'browser'

/** Options every call takes as its last argument. */
export interface CallOptions {
  /** Aborts the call: the request is dropped and the promise rejects with `OryOtcError` `ERR_ORY_ABORTED`. */
  signal?: AbortSignal
}

/** Options of every call of a browser-mode client (`new OryOtc({ flow: 'browser' })`). */
export interface BrowserCallOptions extends CallOptions {
  /**
   * The browser's `Cookie` header, as it reached your server, e.g. `req.headers.get('cookie')`.
   * `null`/absent: the browser has no cookies (a first visit).
   */
  cookie?: string | null
}

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/** An Ory one-time-code client. Holds one connection pool: create one per process and share it. */
export declare class OryOtc {
  /**
   * Creates a client. Throws `OryOtcError` `ERR_ORY_CONFIG` when no URL is configured
   * (neither `baseUrl`, `ORY_SDK_URL` nor `ORY_PROJECT_SLUG`), and a `TypeError` for a bad option.
   */
  constructor(options?: OryOtcOptions)
  /** The origin every request goes to, e.g. `https://x.projects.oryapis.com`. */
  get origin(): string
  /** `'api'` or `'browser'`: the flows this client runs. */
  get flow(): FlowMode
  /**
   * Creates a login flow and asks Kratos to e-mail a code. Resolves `code_sent` on success
   * (Kratos's HTTP 400 with state `sent_email`).
   */
  sendLoginCode(email: string, options?: CallOptions): Promise<SendCodeResult>
  /** Submits the code of a login flow. Resolves `signed_in` with the session token. */
  verifyLoginCode(params: VerifyLoginCodeParams, options?: CallOptions): Promise<VerifyCodeResult>
  /**
   * Creates a registration flow for `email` (merged into `traits`) and asks Kratos to
   * e-mail a code. Kratos mails a code even when the address is taken; that is reported
   * after the code, as `account_exists`.
   */
  sendRegistrationCode(email: string, traits?: Record<string, unknown>, options?: CallOptions): Promise<SendCodeResult>
  /**
   * Submits the code of a registration flow. Resolves `signed_in` (or `registered` when
   * the project issues no session after registration).
   */
  verifyRegistrationCode(params: VerifyRegistrationCodeParams, options?: CallOptions): Promise<VerifyCodeResult>
  /**
   * Login-or-register ("subscribe"): sends a login code when the account exists, else a
   * registration code. The result's `flowType` says which; pass it to `verifyCode`.
   */
  sendCode(email: string, traits?: Record<string, unknown>, options?: CallOptions): Promise<SendCodeResult>
  /** Submits a code to the flow `sendCode` started. */
  verifyCode(params: VerifyCodeParams, options?: CallOptions): Promise<VerifyCodeResult>
  /**
   * Mails a new code on an existing flow; earlier codes stop working. The flow's attempt
   * counter is not reset.
   */
  resendCode(params: ResendCodeParams, options?: CallOptions): Promise<SendCodeResult>
  /**
   * The session behind a session token (API mode: `whoami(sessionToken, options?)`) or
   * behind the browser's session cookie (browser mode: `whoami({ cookie })`): `active`, or
   * `unauthorized`.
   */
  whoami(sessionToken: string, options?: CallOptions): Promise<WhoamiResult>
  /**
   * Ends a session: revokes a session token (API mode: `logout(sessionToken, options?)`),
   * or logs the browser out (browser mode: `logout({ cookie })`), whose `setCookie` then
   * clears Kratos's session cookie. `logged_out`, or `unknown_session`.
   */
  logout(sessionToken: string, options?: CallOptions): Promise<LogoutResult>
}

export interface AuthenticationMethod {
  /** `code` for this library's sign-ins. */
  method: string
  aal?: string
  completedAt?: string
}

/**
 * Drop-in for an axios `completeOtcLogin`: `verifyLoginCode` on the default client. Reads the
 * address from the flow (one more request than passing `identifier` to `verifyLoginCode`).
 */
export declare function completeOtcLogin(flowId: string, code: string, options?: CallOptions): Promise<VerifyCodeResult>

/** A Kratos identity, with camelCase keys. `traits` keeps the keys of your identity schema. */
export interface Identity {
  id: string
  schemaId: string
  traits: Record<string, unknown>
  verifiableAddresses: Array<VerifiableAddress>
  metadataPublic: unknown
  state?: 'active' | 'inactive'
  createdAt?: string
  updatedAt?: string
  organizationId?: string
}

/**
 * Drop-in for an axios `initiateOtcLogin`: `sendLoginCode` on a client built from the
 * environment (`ORY_SDK_URL` or `ORY_PROJECT_SLUG`, `ORY_API_KEY`), read at the first call.
 */
export declare function initiateOtcLogin(email: string, options?: CallOptions): Promise<SendCodeResult>

export type LogoutResult =
  | { status: 'logged_out'; ok: true }
  | { status: 'unknown_session'; ok: false }
  | { status: 'rate_limited'; ok: false; retryAfterSeconds?: number }

/** The `code` of an `OryOtcError`. */
export type OryOtcErrorCode = 'ERR_ORY_CONFIG' | 'ERR_ORY_NETWORK' | 'ERR_ORY_TIMEOUT' | 'ERR_ORY_ABORTED' | 'ERR_ORY_SERVER' | 'ERR_ORY_PROTOCOL' | 'ERR_ORY_INTERNAL'

/** Options of `new OryOtc(options)`. */
export interface OryOtcOptions {
  /**
   * Ory's public URL, e.g. `https://<slug>.projects.oryapis.com` or `http://127.0.0.1:4433`.
   * @default process.env.ORY_SDK_URL, else `https://${ORY_PROJECT_SLUG}.projects.oryapis.com`
   */
  baseUrl?: string
  /**
   * The most one call may take, all its requests included, in milliseconds (1 to 600000).
   * @default 10000
   */
  timeoutMs?: number
  /**
   * The most opening one connection may take, in milliseconds (capped at `timeoutMs`).
   * @default 3000
   */
  connectTimeoutMs?: number
  /**
   * An Ory API key, sent as `Authorization: Bearer` to `/admin/` paths only.
   * @default process.env.ORY_API_KEY
   */
  apiKey?: string
  /**
   * The `User-Agent` header.
   * @default 'ory-otc/<version>'
   */
  userAgent?: string
  /**
   * Accept a plain-http `baseUrl` on a host that is not loopback (never do this in production).
   * @default false
   */
  allowHttp?: boolean
  /**
   * Which flows to run. `'api'`: API (native) flows, the session as a token. `'browser'`:
   * browser flows on a browser's behalf, its cookies in (`options.cookie` of each call),
   * Kratos's `Set-Cookie` out (`setCookie` of each result), CSRF handled.
   * @default 'api'
   */
  flow?: FlowMode
  /**
   * Browser mode: rewrite the `Domain` of every cookie Kratos sets before it goes back to the
   * browser: a domain (e.g. `example.com`) replaces it, `''` removes it (the cookie then
   * belongs to the host that serves your app). Needed only when the browser reaches Kratos
   * under another host than Kratos names itself (a proxy); not with an Ory custom domain.
   * @default cookies are forwarded as Kratos set them
   */
  cookieDomain?: string
}

/** `resendCode(params)`. */
export interface ResendCodeParams {
  flowId: string
  flowType: FlowType
  /** Login flows: the address to send to (saves one request). */
  identifier?: string
}

/** Sent a code: `status` says what happened. `ok` is true only for `code_sent`. */
export type SendCodeResult =
  | { status: 'code_sent'; ok: true; flowId: string; flowType: FlowType; /** The address the code went to, lowercased as Kratos keeps it. */
    identifier: string; /** When the flow expires (RFC 3339). */
  expiresAt: string; messages: Array<UiMessage> }
  | { status: 'account_not_found'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'invalid_identifier'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'session_already_available'; ok: false; flowType: FlowType; messages: Array<UiMessage>; flowId?: string }
  | { status: 'flow_expired'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage>; newFlowId?: string }
  | { status: 'flow_not_found'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'csrf_violation'; ok: false; flowId: string; flowType: FlowType; cause: 'no_cookie' | 'no_csrf_cookie' | 'mismatch'; /** What to check, in a sentence. */
  hint: string; messages: Array<UiMessage> }
  | { status: 'rate_limited'; ok: false; messages: Array<UiMessage>; /** Seconds to wait, from `Retry-After` or `x-ratelimit-reset`, when Ory said. */
  retryAfterSeconds?: number }
  | { status: 'rejected'; ok: false; /** The HTTP status Kratos answered with. */
    httpStatus: number; messages: Array<UiMessage>; flowId?: string; flowType?: FlowType; /** `error.id` of Kratos's error envelope, if any. */
    errorId?: string; /** `error.reason` of Kratos's error envelope, if any. */
  reason?: string }

/** A Kratos session, with camelCase keys. */
export interface Session {
  id: string
  active: boolean
  authenticationMethods: Array<AuthenticationMethod>
  expiresAt?: string
  authenticatedAt?: string
  authenticatorAssuranceLevel?: 'aal0' | 'aal1' | 'aal2' | 'aal3'
  issuedAt?: string
  /** Absent when Kratos withholds it (the session needs a second factor). */
  identity?: Identity
}

/** A message from Kratos, from `ui.messages` or from a node's `messages`. */
export interface UiMessage {
  /** Kratos's message id, e.g. 1010014 ("code sent"), 4010008 ("invalid code"). */
  id: number
  type: 'info' | 'error' | 'success'
  /** The text in English, as Kratos wrote it. Texts change between Kratos releases; ids do not. */
  text: string
  /** Values the text was made from, e.g. `{ property: 'identifier' }`. */
  context?: Record<string, unknown>
}

export interface VerifiableAddress {
  value: string
  verified: boolean
  /** `email` or `sms`. */
  via: string
  status: 'pending' | 'sent' | 'completed'
  verifiedAt?: string
}

/** `verifyCode(params)`: the second step of `sendCode`. */
export interface VerifyCodeParams {
  flowId: string
  flowType: FlowType
  code: string
  /** Login flows: the address the code went to (saves one request). */
  identifier?: string
}

/** Submitted a code: `status` says what happened. `ok` is true for `signed_in` and `registered`. */
export type VerifyCodeResult =
  | { status: 'signed_in'; ok: true; flowType: FlowType; session: Session; identity: Identity; /**
     * The session token: API flows only (browser flows set Kratos's session cookie, in
     * `setCookie`). Keep it secret: store it in an HttpOnly cookie.
     */
  sessionToken?: string }
  | { status: 'registered'; ok: true; flowType: 'registration'; identity: Identity }
  | { status: 'invalid_code'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'code_expired'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage>; newFlowId?: string }
  | { status: 'too_many_attempts'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'account_exists'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'flow_expired'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage>; newFlowId?: string }
  | { status: 'flow_not_found'; ok: false; flowId: string; flowType: FlowType; messages: Array<UiMessage> }
  | { status: 'csrf_violation'; ok: false; flowId: string; flowType: FlowType; cause: 'no_cookie' | 'no_csrf_cookie' | 'mismatch'; /** What to check, in a sentence. */
  hint: string; messages: Array<UiMessage> }
  | { status: 'rate_limited'; ok: false; messages: Array<UiMessage>; retryAfterSeconds?: number }
  | { status: 'rejected'; ok: false; httpStatus: number; messages: Array<UiMessage>; flowId?: string; flowType?: FlowType; errorId?: string; reason?: string }

/** `verifyLoginCode(params)`. */
export interface VerifyLoginCodeParams {
  /** The `flowId` of the `code_sent` result. */
  flowId: string
  /** The code from the e-mail: 4 to 16 digits (Kratos sends 6). */
  code: string
  /** The address the code went to. Saves one request; read from the flow when absent. */
  identifier?: string
}

/** `verifyRegistrationCode(params)`. */
export interface VerifyRegistrationCodeParams {
  flowId: string
  code: string
  /** The traits the code was sent for. Saves one request; read from the flow when absent. */
  traits?: Record<string, unknown>
}

export type WhoamiResult =
  | { status: 'active'; ok: true; session: Session }
  | { status: 'unauthorized'; ok: false; errorId?: string }
  | { status: 'rate_limited'; ok: false; retryAfterSeconds?: number }
