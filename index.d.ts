// The package's types: everything `napi build` generates from the Rust sources (native.d.ts),
// plus the error class that index.js adds.

export * from './native'
import type { OryOtcErrorCode } from './native'

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
