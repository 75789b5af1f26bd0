//! The session cookie set after a successful sign-in.

/** Name of the cookie that carries the Ory session token. */
export const SESSION_COOKIE = 'ory_session_token'

export type SessionCookieOptions = {
  /** Adds `Secure`; set it whenever the client came over https. */
  secure: boolean
  /** Seconds until the Ory session ends; without it the cookie lasts for the browser session. */
  maxAgeSeconds?: number
}

/**
 * Serializes the `Set-Cookie` value. HttpOnly keeps the token away from page scripts;
 * SameSite=Lax keeps it off cross-site POSTs while a link from the e-mail still works.
 */
export function sessionCookie(token: string, { secure, maxAgeSeconds }: SessionCookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`)
  if (secure) parts.push('Secure')
  return parts.join('; ')
}

/** Seconds left until `expiresAt` (an ISO date), or undefined when it is missing or past. */
export function secondsUntil(expiresAt: unknown, now = Date.now()): number | undefined {
  if (typeof expiresAt !== 'string') return undefined
  const ms = Date.parse(expiresAt) - now
  if (!Number.isFinite(ms) || ms <= 0) return undefined
  return Math.floor(ms / 1000)
}
