//! The `subscriptions` collection: one row per e-mail address, plus the two public endpoints
//! (`POST /api/subscriptions/subscribe` and `POST /api/subscriptions/verify`).
import type { Access, CollectionConfig } from 'payload'

import { subscriptionEndpoints } from '../subscribe/endpoints'

export const SUBSCRIPTION_STATUSES = ['pending', 'confirmed'] as const
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number]

// The list holds e-mail addresses: only signed-in admins see or change it. The public endpoints
// write through the Local API, which bypasses these checks on purpose.
const adminsOnly: Access = ({ req }) => Boolean(req.user)

export const Subscriptions: CollectionConfig = {
  slug: 'subscriptions',
  admin: {
    useAsTitle: 'email',
    defaultColumns: ['email', 'status', 'confirmedAt', 'updatedAt'],
  },
  access: { create: adminsOnly, read: adminsOnly, update: adminsOnly, delete: adminsOnly },
  // createdAt and updatedAt
  timestamps: true,
  fields: [
    // Stored lower-cased and trimmed, as Kratos stores code addresses.
    { name: 'email', type: 'email', required: true, unique: true, index: true },
    {
      name: 'status',
      type: 'select',
      required: true,
      defaultValue: 'pending',
      options: SUBSCRIPTION_STATUSES.map((value) => ({ label: value, value })),
    },
    // The Ory flow of the newest code sent to this address.
    { name: 'flowId', type: 'text', index: true, admin: { readOnly: true } },
    {
      name: 'flowType',
      type: 'select',
      options: [
        { label: 'registration', value: 'registration' },
        { label: 'login', value: 'login' },
      ],
      admin: { readOnly: true },
    },
    { name: 'identityId', label: 'Ory identity id', type: 'text', index: true, admin: { readOnly: true } },
    { name: 'codeSentAt', type: 'date', admin: { readOnly: true } },
    { name: 'confirmedAt', type: 'date', admin: { readOnly: true } },
  ],
  endpoints: subscriptionEndpoints,
}
