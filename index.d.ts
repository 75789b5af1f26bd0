// The package's types: everything `napi build` generates from the Rust sources (native.d.ts),
// plus the error class that index.js adds.

export * from './native'

/** The `code` of an {@link OryOtcError}. */
export type OryOtcErrorCode =
  /** The connection failed or broke. Retryable. */
  | 'ERR_ORY_NETWORK'
  /** The call took longer than `timeoutMs`. Retryable. */
  | 'ERR_ORY_TIMEOUT'
  /** The call's `AbortSignal` fired. */
  | 'ERR_ORY_ABORTED'
  /** Ory answered 5xx (`status` says which; 502/503/504 are retryable). */
  | 'ERR_ORY_SERVER'
  /** Ory's answer was not one Kratos gives: a redirect, a body over 1 MiB, non-JSON, a foreign `ui.action`. */
  | 'ERR_ORY_PROTOCOL'
  /** No Ory URL configured, or a URL that is not allowed (plain http off loopback, credentials). */
  | 'ERR_ORY_CONFIG'
  /** A bug in ory-otc (a caught panic). Please report it. */
  | 'ERR_ORY_INTERNAL'

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
