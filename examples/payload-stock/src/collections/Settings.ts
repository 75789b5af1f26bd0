// A global with no `access`: Payload's default lets any logged-in user read and change it.
import type { GlobalConfig } from 'payload'

export const Settings: GlobalConfig = {
  slug: 'settings',
  fields: [{ name: 'siteName', type: 'text' }],
}
