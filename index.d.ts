// The package's types: everything `napi build` generates from the Rust sources (native.d.ts),
// plus what napi cannot express: the error class that index.js adds, and `OryOtc` generic over
// its flow mode, so that each mode's results are typed exactly.

export * from './native'
import type {
  BrowserCallOptions,
  CallOptions,
  FlowMode,
  LogoutResult,
  OryOtcErrorCode,
  OryOtcOptions,
  ResendCodeParams,
  SendCodeResult,
  VerifyCodeParams,
  VerifyCodeResult,
  VerifyLoginCodeParams,
  VerifyRegistrationCodeParams,
  WhoamiResult,
} from './native'

/**
 * A result as a client of flow mode `M` gets it. Browser mode: every result has `setCookie`, the
 * `Set-Cookie` headers to forward to the browser (possibly none), and `signed_in` has no
 * `sessionToken` (the session is Kratos's cookie, in `setCookie`). API mode: `signed_in` always
 * has its `sessionToken`, and nothing has `setCookie`.
 */
export type ResultIn<R, M extends FlowMode> = R extends unknown
  ? M extends 'browser'
    ? Omit<R, 'sessionToken'> & { setCookie: string[] }
    : R extends { status: 'signed_in' }
      ? Omit<R, 'sessionToken'> & { sessionToken: string }
      : R
  : never

/** The options a call of a client of flow mode `M` takes. */
export type CallOptionsIn<M extends FlowMode> = M extends 'browser' ? BrowserCallOptions : CallOptions

/** `whoami` and `logout` take a session token in API mode, the browser's cookies in browser mode. */
export type SessionArgs<M extends FlowMode> = M extends 'browser'
  ? [options: BrowserCallOptions]
  : [sessionToken: string, options?: CallOptions]

/**
 * An Ory one-time-code client. Holds one connection pool: create one per process and share it.
 * `new OryOtc()` runs API flows; `new OryOtc({ flow: 'browser' })` runs browser flows on a
 * browser's behalf (its cookies in `options.cookie`, Kratos's cookies back in `setCookie`).
 */
export declare class OryOtc<M extends FlowMode = 'api'> {
  /**
   * Creates a client. Throws `OryOtcError` `ERR_ORY_CONFIG` when no URL is configured
   * (neither `baseUrl`, `ORY_SDK_URL` nor `ORY_PROJECT_SLUG`), and a `TypeError` for a bad option.
   */
  constructor(options?: OryOtcOptions & { flow?: M })
  /** The origin every request goes to, e.g. `https://x.projects.oryapis.com`. */
  get origin(): string
  /** The flows this client runs. */
  get flow(): M
  /** Creates a login flow and asks Kratos to e-mail a code. Resolves `code_sent` on success (Kratos's HTTP 400). */
  sendLoginCode(email: string, options?: CallOptionsIn<M>): Promise<ResultIn<SendCodeResult, M>>
  /** Submits the code of a login flow. Resolves `signed_in`. */
  verifyLoginCode(params: VerifyLoginCodeParams, options?: CallOptionsIn<M>): Promise<ResultIn<VerifyCodeResult, M>>
  /** Creates a registration flow for `email` (merged into `traits`) and asks Kratos to e-mail a code. */
  sendRegistrationCode(
    email: string,
    traits?: Record<string, unknown>,
    options?: CallOptionsIn<M>,
  ): Promise<ResultIn<SendCodeResult, M>>
  /** Submits the code of a registration flow. Resolves `signed_in`, or `registered` without a session. */
  verifyRegistrationCode(
    params: VerifyRegistrationCodeParams,
    options?: CallOptionsIn<M>,
  ): Promise<ResultIn<VerifyCodeResult, M>>
  /** Login-or-register ("subscribe"): a login code when the account exists, else a registration code. */
  sendCode(email: string, traits?: Record<string, unknown>, options?: CallOptionsIn<M>): Promise<ResultIn<SendCodeResult, M>>
  /** Submits a code to the flow `sendCode` started (browser mode: the flow id, the code and the cookies are enough). */
  verifyCode(params: VerifyCodeParams, options?: CallOptionsIn<M>): Promise<ResultIn<VerifyCodeResult, M>>
  /** Mails a new code on an existing flow; earlier codes stop working. The attempt counter is not reset. */
  resendCode(params: ResendCodeParams, options?: CallOptionsIn<M>): Promise<ResultIn<SendCodeResult, M>>
  /** The session behind a session token (API mode) or behind the browser's session cookie (browser mode). */
  whoami(...args: SessionArgs<M>): Promise<ResultIn<WhoamiResult, M>>
  /** Ends the session; in browser mode `setCookie` clears Kratos's session cookie. */
  logout(...args: SessionArgs<M>): Promise<ResultIn<LogoutResult, M>>
}

/**
 * A call could not be carried out. Outcomes Kratos expects (a wrong code, an unknown account,
 * an expired flow, a rate limit) are never errors: they are results.
 * Messages never contain a code, a session token or an API key.
 */
export declare class OryOtcError extends Error {
  constructor(message: string, init: { code: OryOtcErrorCode; status?: number; errorId?: string; retryable?: boolean })
  readonly name: 'OryOtcError'
  readonly code: OryOtcErrorCode
  /** The HTTP status Ory answered with, when it answered. */
  readonly status?: number
  /** Kratos's `error.id`, when the answer carried one. */
  readonly errorId?: string
  /** Whether the same call may succeed later (network, timeout, 502/503/504). */
  readonly retryable: boolean
}

/** Whether `value` is an {@link OryOtcError}, also across duplicate copies of this package. */
export declare function isOryOtcError(value: unknown): value is OryOtcError

/**
 * @deprecated The emulator moved to its own package, `ory-otc-emulator` (a devDependency):
 * `import { startEmulator } from 'ory-otc-emulator'`. Calling this throws an `Error` with
 * `code` `ERR_ORY_EMULATOR_MOVED` that says so.
 */
export declare function startEmulator(options?: unknown): never
