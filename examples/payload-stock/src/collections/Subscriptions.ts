// The plugin's collection, written as README's Payload section has it: no `access`.
import type { CollectionConfig } from 'payload'

export const Subscriptions: CollectionConfig = {
  slug: 'subscriptions',
  admin: { useAsTitle: 'email' },
  fields: [],
}
