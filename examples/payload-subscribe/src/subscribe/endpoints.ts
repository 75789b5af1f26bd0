//! The two public endpoints of the `subscriptions` collection, written as plain handlers over an
//! injected Ory client so tests can call them with a stub or through Payload's router.
//!
//!   POST /api/subscriptions/subscribe  { email }                   -> 200 { flowId, flowType }
//!   POST /api/subscriptions/verify     { flowId, flowType, code }  -> 200 { email, status, signedIn }
//!
//! Every refusal is a 4xx JSON `{ error, message }` (see outcomes.ts). Codes and session tokens
//! are never logged and never put in a body.
import type { Endpoint, PayloadHandler, PayloadRequest } from 'payload'
import type { VerifyCodeResult } from 'ory-otc'

import { secondsUntil, sessionCookie } from './cookie'
import { isHttps, json, readJsonObject, requireOneOf, requireString } from './http'
import { sharedOry, type OryPort } from './ory'
import { sendCodeFailure, thrownFailure, verifyCodeFailure } from './outcomes'
import { confirmSubscription, recordCodeSent } from './store'

export const FLOW_TYPES = ['registration', 'login'] as const

export type EndpointDeps = {
  /** Returns the Ory client; called once per request, after the body was checked. */
  ory: () => OryPort
}

const defaultDeps: EndpointDeps = { ory: sharedOry }

/** `POST /api/subscriptions/subscribe`: mails a code and records a pending subscription. */
export function createSubscribeHandler(deps: EndpointDeps = defaultDeps): PayloadHandler {
  return async (req) => {
    const body = await readJsonObject(req)
    if (!body.ok) return body.response
    const email = requireString(body.value, 'email')
    if (!email.ok) return email.response
    const address = email.value.toLowerCase()

    let result
    try {
      result = await deps.ory().sendCode(address, undefined, { signal: req.signal })
    } catch (err) {
      return thrownFailure(err, req)
    }

    switch (result.status) {
      // Kratos answered 400 with a `sent_email` flow: that is the success case.
      case 'code_sent':
        await recordCodeSent(req, { email: address, flowId: result.flowId, flowType: result.flowType })
        return json({ flowId: result.flowId, flowType: result.flowType })
      case 'account_not_found':
      case 'invalid_identifier':
      case 'session_already_available':
      // Only a resend on an old flow gives these two; sendCode always starts a new flow.
      case 'flow_expired':
      case 'flow_not_found':
      case 'rate_limited':
      case 'rejected':
        return sendCodeFailure(result)
    }
  }
}

/** `POST /api/subscriptions/verify`: checks the code, confirms the subscription, sets the cookie. */
export function createVerifyHandler(deps: EndpointDeps = defaultDeps): PayloadHandler {
  return async (req) => {
    const body = await readJsonObject(req)
    if (!body.ok) return body.response
    const flowId = requireString(body.value, 'flowId')
    if (!flowId.ok) return flowId.response
    const flowType = requireOneOf(body.value, 'flowType', FLOW_TYPES)
    if (!flowType.ok) return flowType.response
    const code = requireString(body.value, 'code')
    if (!code.ok) return code.response

    let result
    try {
      result = await deps
        .ory()
        .verifyCode({ flowId: flowId.value, flowType: flowType.value, code: code.value }, { signal: req.signal })
    } catch (err) {
      return thrownFailure(err, req)
    }

    switch (result.status) {
      case 'signed_in':
      case 'registered':
        return confirmed(req, flowId.value, result)
      case 'invalid_code':
      case 'code_expired':
      case 'too_many_attempts':
      case 'account_exists':
      case 'flow_expired':
      case 'flow_not_found':
      case 'rate_limited':
      case 'rejected':
        return verifyCodeFailure(result)
    }
  }
}

async function confirmed(
  req: PayloadRequest,
  flowId: string,
  result: Extract<VerifyCodeResult, { ok: true }>,
): Promise<Response> {
  // Traits follow the project's identity schema; this example's schema has `email`.
  const traitEmail = result.identity.traits.email
  const subscription = await confirmSubscription(req, {
    flowId,
    identityId: result.identity.id,
    email: typeof traitEmail === 'string' ? traitEmail.toLowerCase() : undefined,
  })
  // A registration without the `session` after-hook ends with no session: the subscriber is
  // confirmed but not signed in, and there is no cookie to set.
  const headers = new Headers()
  const signedIn = result.status === 'signed_in' && Boolean(result.sessionToken)
  if (result.status === 'signed_in' && result.sessionToken) {
    const maxAgeSeconds = secondsUntil(result.session.expiresAt)
    headers.append('Set-Cookie', sessionCookie(result.sessionToken, { secure: isHttps(req), maxAgeSeconds }))
  }
  return json({ email: subscription.email, status: subscription.status, signedIn }, 200, headers)
}

export const subscriptionEndpoints: Endpoint[] = [
  { path: '/subscribe', method: 'post', handler: createSubscribeHandler() },
  { path: '/verify', method: 'post', handler: createVerifyHandler() },
]
