//! Payload configuration: SQLite through libSQL, admins (`users`), the newsletter list
//! (`subscriptions`) and the people who signed in with an e-mailed code (`members`), tied to Ory
//! by the `ory-otc/payload` plugin.
//!
//! Environment:
//!   PAYLOAD_SECRET  required; signs admin sessions
//!   DATABASE_URI    libSQL URL; default `file:./payload-subscribe.db`, `:memory:` in the in-process tests
//!   ORY_SDK_URL     the Ory project or emulator; read when Payload starts (a missing one stops the start)
//!   ORY_API_KEY     Ory Network only, read by the ory-otc client
//!   ORY_OTC_MODE    `browser`: Kratos's browser flows, its own cookies in the browser; else API flows
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { oryOtcPlugin } from 'ory-otc/payload'
import { buildConfig } from 'payload'

import { Members } from './collections/Members'
import { Subscriptions } from './collections/Subscriptions'
import { Users } from './collections/Users'

const dirname = path.dirname(fileURLToPath(import.meta.url))

export default buildConfig({
  admin: {
    user: Users.slug,
    importMap: { baseDir: dirname },
  },
  collections: [Users, Subscriptions, Members],
  plugins: [
    oryOtcPlugin({
      collection: 'subscriptions', // POST /api/subscriptions/{subscribe,resend,verify,logout}
      mode: process.env.ORY_OTC_MODE === 'browser' ? 'browser' : 'api',
      users: { collection: 'members', create: true }, // the Ory session signs in a member
      subscriber: { data: ({ doc }) => ({ verifications: Number(doc?.verifications ?? 0) + 1 }) },
    }),
  ],
  secret: process.env.PAYLOAD_SECRET || '',
  typescript: { outputFile: path.resolve(dirname, 'payload-types.ts') },
  // No GraphQL route is mounted (app/ has only the REST route), so its schema is not built.
  graphQL: { disable: true },
  telemetry: false,
  db: sqliteAdapter({
    client: { url: process.env.DATABASE_URI || 'file:./payload-subscribe.db' },
    migrationDir: path.resolve(dirname, 'migrations'),
  }),
})
