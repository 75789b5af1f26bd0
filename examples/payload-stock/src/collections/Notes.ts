// A collection whose `access` the app wrote, the way many apps do: "any logged-in user may read".
// With the plugin a member is a logged-in user too, so ory-otc names this rule in a warning when
// Payload starts (the plugin leaves the app's own rules as they are).
import type { CollectionConfig } from 'payload'

export const Notes: CollectionConfig = {
  slug: 'notes',
  access: { read: ({ req }) => Boolean(req.user) },
  fields: [{ name: 'text', type: 'text' }],
}
