// Types of `ory-otc/payload`, the Payload CMS 3 plugin (payload/index.mjs).
import type { Access, AuthCollectionSlug, CollectionSlug, Config, Payload, PayloadRequest } from 'payload'
import type { FlowType, Identity, OryOtcOptions } from '../index.js'
import type { Refusal } from './wire.js'

/**
 * Adds to a Payload config:
 * - on `collection`: `POST /api/<collection>/subscribe`, `/resend`, `/verify` and `/logout`, and
 *   (unless `subscriber: false`) the fields `email`, `oryIdentityId` and `verifiedAt`, written on
 *   every successful verify;
 * - on `users.collection` (when given): an auth strategy that maps the Ory session to the user
 *   whose `oryIdentityId` is the session's identity (the field is added), and an `afterLogout`
 *   hook so Payload's own logout ends the Ory session too;
 * - access rules so that members (people signed in by code) reach nothing only admins may: see
 *   `UsersOptions.defaultAccess`; at start-up, a warning names each rule the app wrote that lets
 *   any signed-in member in;
 * - an `onInit` that creates the Ory client, so a missing Ory URL stops Payload's start.
 *
 * Throws a `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) for a bad option, and
 * an `OryOtcError` `ERR_ORY_CONFIG` when a named collection is not in the config.
 */
export declare function oryOtcPlugin(options: OryOtcPluginOptions): (config: Config) => Config

export type OryOtcPluginOptions = ApiModeOptions | BrowserModeOptions

interface CommonOptions {
  /** The collection that gets the endpoints and, unless `subscriber: false`, the subscriber documents. */
  collection: CollectionSlug
  /**
   * Options of the `OryOtc` client (`flow` comes from `mode`).
   * @default {} (so `baseUrl` is ORY_SDK_URL, read when Payload starts)
   */
  ory?: Omit<OryOtcOptions, 'flow' | 'cookieDomain'>
  /**
   * Whether a verify writes the subscriber document (`email`, `oryIdentityId`, `verifiedAt`), or
   * how: `data` returns more fields to store.
   * @default true
   */
  subscriber?: boolean | SubscriberOptions
  /** The auth collection an Ory session signs in to. Without it the plugin adds no auth strategy. */
  users?: UsersOptions
  /**
   * How long this server trusts a `whoami` answer, per session, in seconds (0 to 3600; 0: ask Ory
   * on every request). A logout through the plugin drops the entry at once on the server that
   * handled it; a session ended anywhere else (another server, another device, Ory's admin API)
   * still signs requests in here for up to this long.
   * @default 10
   */
  sessionCacheSeconds?: number
}

/** API mode: the plugin keeps Ory's session token in an HttpOnly cookie of its own. */
export interface ApiModeOptions extends CommonOptions {
  /** @default 'api' */
  mode?: 'api'
  /** The session token's cookie. */
  cookie?: SessionCookieOptions
  sessionCookie?: never
  cookieDomain?: never
}

/** Browser mode: Kratos's own cookies (session and CSRF) pass between the browser and Ory. */
export interface BrowserModeOptions extends CommonOptions {
  mode: 'browser'
  /**
   * The name of Kratos's session cookie.
   * @default `ory_kratos_session`, or any `ory_session_<slug>` (Ory Network)
   */
  sessionCookie?: string
  /**
   * Rewrites the `Domain` of every cookie Kratos sets ('' removes it, so the cookie belongs to
   * this app's host).
   * @default as Kratos set it
   */
  cookieDomain?: string
  cookie?: never
}

export interface SessionCookieOptions {
  /** @default 'ory_session_token' */
  name?: string
  /**
   * Whether the cookie is `Secure`.
   * @default true when the request came over https or with `X-Forwarded-Proto: https`
   */
  secure?: boolean
}

export interface SubscriberOptions {
  /** More fields for the subscriber document; `doc` is the existing one, if any. */
  data?: (args: {
    identity: Identity
    flowType: FlowType
    doc: Record<string, unknown> | undefined
    req: PayloadRequest
  }) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>
}

export interface UsersOptions {
  /** An auth collection (`auth: true`, or `auth: { disableLocalStrategy: true }` for Ory-only users). */
  collection: AuthCollectionSlug
  /**
   * Create the user on the first request of an Ory identity it does not know yet. Otherwise
   * the session signs in only a user whose `oryIdentityId` is already set.
   * @default false
   */
  create?: boolean
  /** More fields for a user being created (besides `email` and `oryIdentityId`). */
  data?: (args: { identity: Identity; payload: Payload }) =>
    | Record<string, unknown>
    | undefined
    | Promise<Record<string, unknown> | undefined>
  /**
   * What a member (anyone signed in by the plugin) may do where the app wrote no access rule.
   * `'refuse-members'`: nothing on any collection or global whose `access` the app did not write
   * (everyone else keeps Payload's default). `'any-user'`: Payload's default, "any logged-in
   * user", members included. The plugin's own rules (subscriber documents for admins only, a
   * member's own document, the admin panel) apply either way.
   * @default 'refuse-members'
   */
  defaultAccess?: 'refuse-members' | 'any-user'
  /**
   * The fields of their own document in `collection` that a member may change
   * (`PATCH /api/<collection>/<id>`); never `email`, `oryIdentityId` or `password`.
   * @default [] (a member changes nothing)
   */
  editableFields?: string[]
}

/**
 * Whether `req.user` is a member: signed in by the plugin's strategy, or a user of the plugin's
 * users collection (however they signed in).
 */
export declare function isMember(req: Pick<PayloadRequest, 'user' | 'payload'> | undefined): boolean

/** Whether `req.user` is an admin: a user of the admin collection (`admin.user`) who is not a member. */
export declare function isAdmin(req: Pick<PayloadRequest, 'user' | 'payload'> | undefined): boolean

/** An access rule for admins only (`isAdmin`): use it where a rule said `Boolean(req.user)`. */
export declare const adminsOnly: Access

// The endpoints' JSON bodies, shared with `ory-otc/payload/client` (wire.d.ts).
export type { CodeSentBody, EndpointError, ErrorBody, LoggedOutBody, Refusal, VerifiedBody } from './wire.js'

/**
 * The plugin's answer to a refusal: JSON `{ error: <status>, message }` with 400
 * (`invalid_identifier`, `account_not_found`, `invalid_code`, `rejected`), 409
 * (`session_already_available`, `account_exists`), 410 (`code_expired`, `too_many_attempts`,
 * `flow_expired`, `flow_not_found`) or 429 with `Retry-After` (`rate_limited`).
 */
export declare function refusalResponse(result: Refusal): Response

/**
 * The plugin's answer to a rejected ory-otc call: 400 `invalid_request` for a bad argument, 503
 * `auth_unavailable` when a retry may help, else 502. `logger` gets the error's code, HTTP status
 * and `retryable`, never its text. Any other error is thrown again.
 */
export declare function failureResponse(err: unknown, logger?: { error(obj: object, msg: string): void }): Response
