// Type-checked by run-ci.mjs (tsc --noEmit), never run: the plugin's access exports and options as
// an app writes them. Every `@ts-expect-error` line must be an error, or tsc fails.
import { adminsOnly, isAdmin, isMember, oryOtcPlugin } from 'ory-otc/payload'
import type { CollectionConfig } from 'payload'

export const Drafts: CollectionConfig = {
  slug: 'drafts',
  access: {
    read: adminsOnly,
    // A member edits their own drafts; an admin edits any.
    update: ({ req }) => isAdmin(req) || (isMember(req) && { author: { equals: req.user?.id } }),
  },
  fields: [{ name: 'author', type: 'text' }],
}

export const plugins = [
  oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', editableFields: ['nickname'] } }),
  oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', defaultAccess: 'any-user' } }),
  // @ts-expect-error defaultAccess is 'refuse-members' or 'any-user'
  oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', defaultAccess: 'everyone' } }),
  // @ts-expect-error editableFields lists field names
  oryOtcPlugin({ collection: 'subscriptions', users: { collection: 'members', editableFields: 'nickname' } }),
]
