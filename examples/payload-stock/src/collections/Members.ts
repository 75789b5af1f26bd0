// The people who sign in with a code, written as README's Payload section has it: no `access`.
import type { CollectionConfig } from 'payload'

export const Members: CollectionConfig = {
  slug: 'members',
  admin: { useAsTitle: 'email' },
  auth: { disableLocalStrategy: true },
  fields: [{ name: 'nickname', type: 'text' }],
}
