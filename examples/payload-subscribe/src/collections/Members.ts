//! `members`: the people who signed in with an e-mailed code. No password login of their own
//! (`disableLocalStrategy`): the ory-otc plugin's auth strategy signs them in from their Ory
//! session, creates the document on first sight and adds `email` and `oryIdentityId`.
import type { Access, CollectionConfig } from 'payload'

import { adminsOnly, isAdmin } from './access'

// A member reads their own document (what `GET /api/members/me` shows); admins read them all.
const selfOrAdmin: Access = ({ req }) => {
  if (isAdmin(req.user)) return true
  if (req.user?.collection === 'members') return { id: { equals: req.user.id } }
  return false
}

export const Members: CollectionConfig = {
  slug: 'members',
  admin: { useAsTitle: 'email' },
  auth: { disableLocalStrategy: true },
  access: { read: selfOrAdmin, create: adminsOnly, update: adminsOnly, delete: adminsOnly },
  timestamps: true,
  fields: [],
}
