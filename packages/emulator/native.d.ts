/* Written by `napi build` from the Rust sources in src/; do not edit. Regenerate with `npm run build`. */

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/** A running emulator. Close it when done; `close()` resolves once the port is free. */
export declare class Emulator {
  /** The public origin to give `OryOtc` as `baseUrl`, e.g. `http://127.0.0.1:41234`. */
  get url(): string
  get apiKey(): string | null
  /** Requests served so far (tests use it to assert that nothing was sent). */
  get requestCount(): number
  /** The newest code mailed to `email`, or `null`. */
  codeFor(email: string): string | null
  /** Every message the courier queued, newest first. */
  messages(): Array<CourierMessage>
  /** Creates an account. Throws `ERR_ORY_EMULATOR` when one with this address exists. */
  createIdentity(email: string, traits?: Record<string, unknown>): Identity
  /** Moves the emulator's clock forward, to expire codes, flows and sessions without waiting. */
  advanceTime(ms: number): void
  /** Injects a fault; returns its id for `removeFault`. */
  setFault(fault: FaultOptions): number
  removeFault(id: number): boolean
  clearFaults(): void
  /** Stops the server: ends hanging requests, frees the port. Safe to call twice. */
  close(): Promise<void>
}

/** A courier message, as the admin API lists it (dev mode: with the code). */
export interface CourierMessage {
  id: string
  status: string
  type: string
  recipient: string
  subject: string
  body: string
  templateType: string
  createdAt: string
}

/** Options of `startEmulator(options)`. Every lifespan is in milliseconds. */
export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number
  /** Address to listen on. @default '127.0.0.1' */
  host?: string
  /** When set, `/admin/*` requires `Authorization: Bearer <apiKey>`. @default none */
  apiKey?: string
  /** Which Kratos release to answer like. @default 'latest' */
  kratosVersion?: 'latest' | 'v26.2.0' | 'v1.3.1'
  /**
   * A Kratos configuration to answer as that Kratos would: the path of its `kratos.yml`
   * (YAML or JSON; `file://` schema URLs relative to it), or the parsed object. The other
   * options win over it. The emulator still listens on `port` and advertises its own URL.
   * Keys it does not model are named once in a process warning. @default none
   */
  config?: string | Record<string, unknown>
  /**
   * The identity schema (JSON Schema with Kratos's `ory.sh/kratos` extension), as JSON text
   * or an object; it wins over the one of `config`. Its property order is the registration
   * form's order: give text to keep it (an object's keys are read in sorted order).
   * @default one `email` trait titled "E-Mail"
   */
  identitySchema?: string | Record<string, unknown>
  /** @default 3600000 (1 h) */
  codeLifespanMs?: number
  /** @default 3600000 (1 h) */
  flowLifespanMs?: number
  /** @default 86400000 (24 h) */
  sessionLifespanMs?: number
  /** Code submissions a flow accepts (Kratos's `max_submissions`, 1 to 255). @default 5 */
  maxSubmissions?: number
  /** Issue a session when a registration completes. @default true */
  sessionAfterRegistration?: boolean
  /** Show codes in courier subjects and bodies on the admin API (Kratos `--dev`). @default true */
  devMode?: boolean
  /** Accounts that exist from the start. */
  identities?: Array<string | { email: string; traits?: Record<string, unknown> }>
  /** @default 'profile_first' */
  registrationStyle?: 'profile_first' | 'unified'
}

/**
 * A fault for `setFault`: what happens to requests under `route` (a path prefix; all public
 * routes when absent), for the next `times` requests (until cleared when absent).
 */
export interface FaultOptions {
  kind: 'latency' | 'hang' | 'stall_body' | 'reset_mid_body' | 'bad_gateway' | 'server_error' | 'non_json' | 'truncated_json' | 'oversized_body' | 'rate_limited' | 'foreign_action' | 'redirect'
  /** A path prefix, e.g. `/self-service/login`. */
  route?: string
  /** Only requests with this method. */
  method?: string
  times?: number
  /** `latency`: how long to wait before answering. */
  latencyMs?: number
  /** `rate_limited`: the `Retry-After` value. @default 30 */
  retryAfterSeconds?: number
  /** `foreign_action`: the origin `ui.action` points at. */
  origin?: string
  /** `redirect`: where to. */
  location?: string
  /** `redirect`: the status. @default 302 */
  status?: number
}

/** An identity the emulator holds, with camelCase keys, as `ory-otc`'s results carry them. */
export interface Identity {
  id: string
  schemaId: string
  state?: 'active' | 'inactive'
  traits: Record<string, unknown>
  verifiableAddresses: Array<VerifiableAddress>
  metadataPublic: unknown
  createdAt?: string
  updatedAt?: string
}

/** Starts a Kratos emulator on loopback. */
export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>

export interface VerifiableAddress {
  value: string
  verified: boolean
  via: string
  status: 'pending' | 'sent' | 'completed'
}
