/* Written by `napi build` from the Rust sources in src/; do not edit. Regenerate with `npm run build`. */

/** Which self-service flow a code belongs to. */
export type FlowType = 'login' | 'registration'

/** Options every call takes as its last argument. */
export interface CallOptions {
  /** Aborts the call: the request is dropped and the promise rejects with `OryOtcError` `ERR_ORY_ABORTED`. */
  signal?: AbortSignal
}
