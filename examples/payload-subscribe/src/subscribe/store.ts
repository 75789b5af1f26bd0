//! Reads and writes of the `subscriptions` collection done by the endpoints, through the Local
//! API (which skips the admins-only access rules on purpose).
import type { PayloadRequest } from 'payload'

import type { Subscription } from '../payload-types'

const collection = 'subscriptions' as const

type CodeSent = { email: string; flowId: string; flowType: 'login' | 'registration' }

/**
 * Records that a code went out: creates a pending subscription for a new address, or points an
 * existing one at the new flow. A confirmed subscriber who asks again stays confirmed.
 */
export async function recordCodeSent(req: PayloadRequest, sent: CodeSent): Promise<Subscription> {
  const data = { flowId: sent.flowId, flowType: sent.flowType, codeSentAt: new Date().toISOString() }
  const existing = await findOne(req, { email: { equals: sent.email } })
  if (existing) return update(req, existing.id, data)
  try {
    return await req.payload.create({ collection, req, data: { email: sent.email, status: 'pending', ...data } })
  } catch (err) {
    // Two requests for the same new address at once: the unique index let one through.
    const raced = await findOne(req, { email: { equals: sent.email } })
    if (!raced) throw err
    return update(req, raced.id, data)
  }
}

type Confirmation = { flowId: string; identityId: string; email?: string }

/**
 * Marks the subscription of a verified flow confirmed. It is found by flow id, else by the
 * identity's e-mail trait; a flow started elsewhere for a verified address gets a new row.
 */
export async function confirmSubscription(req: PayloadRequest, c: Confirmation): Promise<Subscription> {
  const existing =
    (await findOne(req, { flowId: { equals: c.flowId } })) ??
    (c.email ? await findOne(req, { email: { equals: c.email } }) : undefined)
  const now = new Date().toISOString()
  if (existing) {
    return update(req, existing.id, {
      status: 'confirmed',
      identityId: c.identityId,
      confirmedAt: existing.confirmedAt ?? now,
    })
  }
  if (!c.email) throw new Error('verified identity has no e-mail trait and no known flow')
  return req.payload.create({
    collection,
    req,
    data: { email: c.email, status: 'confirmed', flowId: c.flowId, identityId: c.identityId, confirmedAt: now },
  })
}

async function findOne(
  req: PayloadRequest,
  where: Record<string, { equals: string }>,
): Promise<Subscription | undefined> {
  const found = await req.payload.find({ collection, req, where, limit: 1, depth: 0, pagination: false })
  return found.docs[0]
}

function update(req: PayloadRequest, id: Subscription['id'], data: Partial<Subscription>): Promise<Subscription> {
  return req.payload.update({ collection, req, id, data, depth: 0 })
}
