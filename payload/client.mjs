// @ts-check
// ory-otc/payload/client: the browser side of the plugin's endpoints, over `fetch`, with no
// framework and no dependency (it runs in React, Vue, Svelte or a plain <script type="module">).
// Every answer is a value: the endpoint's refusals (`{ error, message }`, see outcomes.mjs) and a
// failed request alike. Only an abort through `signal` throws, as `fetch` does.
//
//   import { subscribe, verify } from 'ory-otc/payload/client'
//   const sent = await subscribe('ada@example.com')
//   if (sent.ok) { const done = await verify({ ...sent, code }) }
//
// The types are in client.d.ts; the bodies it reads are in wire.d.ts, which the server side uses too.

/** @typedef {import('./client.js').ClientOptions} ClientOptions */
/** @typedef {import('./client.js').RequestOptions} RequestOptions */
/** @typedef {import('./client.js').Failure} Failure */
/** @typedef {import('./client.js').CodeSent} CodeSent */

/** The plugin's 429 always has Retry-After; this stands in only if a proxy dropped it (outcomes.mjs's default). */
const DEFAULT_RETRY_AFTER_SECONDS = 60

const NETWORK_MESSAGE = 'The server could not be reached. Check your connection and try again.'
const UNEXPECTED_MESSAGE = 'The server gave an answer this page does not understand. Please try again shortly.'

/**
 * A client for the endpoints of one collection.
 * @param {ClientOptions} [options]
 * @returns {import('./client.js').SubscriptionClient}
 */
export function subscriptionClient(options = {}) {
  const base = (options.url ?? '/api/subscriptions').replace(/\/+$/, '')
  const credentials = options.credentials ?? 'same-origin'

  /**
   * POSTs `body` as JSON to `<base>/<endpoint>`. Resolves the 200 body, or a `Failure`.
   * @param {string} endpoint
   * @param {object} body
   * @param {RequestOptions} [request]
   * @returns {Promise<{ ok: true, body: any } | Failure>}
   */
  async function post(endpoint, body, request = {}) {
    const fetch = options.fetch ?? globalThis.fetch
    let res
    try {
      res = await fetch(`${base}/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        credentials,
        signal: request.signal,
      })
    } catch (err) {
      // The caller's own abort is not a failure of the request: rethrown, as fetch does.
      if (request.signal?.aborted) throw err
      return { ok: false, status: 'network_error', message: NETWORK_MESSAGE }
    }
    const json = await res.json().catch(() => undefined)
    if (res.ok && isObject(json)) return { ok: true, body: json }
    if (!res.ok && isObject(json) && typeof json.error === 'string' && typeof json.message === 'string') {
      const failure = /** @type {Failure} */ ({ ok: false, status: json.error, message: json.message, httpStatus: res.status })
      if (failure.status === 'rate_limited') failure.retryAfterSeconds = retryAfter(res.headers.get('retry-after'))
      return failure
    }
    // Not the plugin's JSON: a proxy's error page, a 404 for a wrong `url`, a crashed server.
    return { ok: false, status: 'unexpected_response', message: UNEXPECTED_MESSAGE, httpStatus: res.status }
  }

  /**
   * @param {any} body
   * @returns {CodeSent | Failure}
   */
  const codeSent = (body) =>
    typeof body.flowId === 'string' && (body.flowType === 'login' || body.flowType === 'registration')
      ? { ok: true, status: 'code_sent', flowId: body.flowId, flowType: body.flowType }
      : unexpected()

  return {
    async subscribe(email, request) {
      const r = await post('subscribe', { email }, request)
      return r.ok ? codeSent(r.body) : r
    },
    async resend({ flowId, flowType, email }, request) {
      const r = await post('resend', { flowId, flowType, email }, request)
      return r.ok ? codeSent(r.body) : r
    },
    async verify({ flowId, flowType, code }, request) {
      const r = await post('verify', { flowId, flowType, code }, request)
      if (!r.ok) return r
      if (typeof r.body.signedIn !== 'boolean') return unexpected()
      const email = typeof r.body.email === 'string' ? r.body.email : undefined
      return { ok: true, status: r.body.signedIn ? 'signed_in' : 'registered', email }
    },
    async logout(request) {
      const r = await post('logout', {}, request)
      return r.ok ? { ok: true, status: 'logged_out' } : r
    },
  }
}

/** The endpoints of `/api/subscriptions` on this page's origin, the example's and README's collection. */
export const { subscribe, resend, verify, logout } = subscriptionClient()

/** @returns {Failure} */
function unexpected() {
  return { ok: false, status: 'unexpected_response', message: UNEXPECTED_MESSAGE, httpStatus: 200 }
}

/** @param {unknown} value @returns {value is Record<string, any>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Seconds to wait, from a Retry-After of seconds or an HTTP date (RFC 9110 §10.2.3).
 * @param {string | null} header
 */
function retryAfter(header) {
  const value = header?.trim() ?? ''
  if (/^\d+$/.test(value)) return Number(value)
  const date = Date.parse(value)
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000))
  return DEFAULT_RETRY_AFTER_SECONDS
}
