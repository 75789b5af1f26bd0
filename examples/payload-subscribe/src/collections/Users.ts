//! Admin users: who may sign in to /admin and read the subscription list. A signed-in member is a
//! `req.user` too, so each rule asks for an admin rather than for any user.
import type { CollectionConfig } from 'payload'

import { adminsOnly } from './access'

export const Users: CollectionConfig = {
  slug: 'users',
  admin: { useAsTitle: 'email' },
  auth: true,
  access: { read: adminsOnly, create: adminsOnly, update: adminsOnly, delete: adminsOnly },
  fields: [],
}
