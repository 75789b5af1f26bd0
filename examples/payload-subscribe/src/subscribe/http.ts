//! Reading the JSON body of an endpoint request and writing JSON answers.
import type { PayloadRequest } from 'payload'

/** Bodies larger than this are refused with 413 before parsing; ours are a few dozen bytes. */
export const MAX_BODY_BYTES = 16 * 1024

/** The body of every error answer. `error` is a stable machine code, `message` is for people. */
export type ErrorBody = {
  error: string
  message: string
  field?: string
  retryAfterSeconds?: number
}

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers)
  h.set('Cache-Control', 'no-store')
  return Response.json(body, { status, headers: h })
}

export function errorResponse(status: number, body: ErrorBody, headers?: HeadersInit): Response {
  return json(body, status, headers)
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response }

/**
 * Reads the request body as a JSON object. Bad or missing JSON is the caller's mistake, so it
 * answers 400 rather than letting the parse error become a 500.
 */
export async function readJsonObject(req: PayloadRequest): Promise<Parsed<Record<string, unknown>>> {
  const text = req.text ? await req.text() : ''
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return fail(413, { error: 'body_too_large', message: 'The request body is too large.' })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail(400, { error: 'invalid_json', message: 'The request body must be valid JSON.' })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(400, { error: 'invalid_json', message: 'The request body must be a JSON object.' })
  }
  return { ok: true, value: value as Record<string, unknown> }
}

/** A required, non-empty string field; surrounding whitespace is removed. */
export function requireString(body: Record<string, unknown>, field: string): Parsed<string> {
  const value = body[field]
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return fail(400, { error: 'missing_field', field, message: `The field "${field}" is required.` })
  }
  if (typeof value !== 'string') {
    return fail(400, { error: 'invalid_field', field, message: `The field "${field}" must be a string.` })
  }
  return { ok: true, value: value.trim() }
}

/** A required string field that must be one of `allowed`. */
export function requireOneOf<T extends string>(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
): Parsed<T> {
  const parsed = requireString(body, field)
  if (!parsed.ok) return parsed
  if (!(allowed as readonly string[]).includes(parsed.value)) {
    return fail(400, {
      error: 'invalid_field',
      field,
      message: `The field "${field}" must be one of: ${allowed.join(', ')}.`,
    })
  }
  return { ok: true, value: parsed.value as T }
}

function fail(status: number, body: ErrorBody): { ok: false; response: Response } {
  return { ok: false, response: errorResponse(status, body) }
}

/**
 * True when the client reached us over https, directly or through a proxy that says so in
 * `X-Forwarded-Proto`. Either is enough: a wrong `Secure` only costs the cookie, a missing one
 * would send the token in clear.
 */
export function isHttps(req: PayloadRequest): boolean {
  const forwarded = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https' || new URL(req.url ?? 'http://localhost').protocol === 'https:'
}
