//! The `subscriptions` collection: one document per confirmed address. The ory-otc plugin adds
//! its endpoints and the fields `email`, `oryIdentityId` and `verifiedAt`, and writes them on
//! every verify; `verifications` is this app's own field, set by the plugin's `subscriber.data`
//! hook in payload.config.ts.
import type { CollectionConfig } from 'payload'

import { adminsOnly } from './access'

export const Subscriptions: CollectionConfig = {
  slug: 'subscriptions',
  admin: {
    useAsTitle: 'email',
    defaultColumns: ['email', 'verifiedAt', 'verifications', 'updatedAt'],
  },
  // The list holds e-mail addresses: only admins see or change it. The plugin's endpoints write
  // through the Local API, which bypasses these checks on purpose.
  access: { create: adminsOnly, read: adminsOnly, update: adminsOnly, delete: adminsOnly },
  timestamps: true,
  fields: [{ name: 'verifications', type: 'number', defaultValue: 0, admin: { readOnly: true } }],
}
