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
