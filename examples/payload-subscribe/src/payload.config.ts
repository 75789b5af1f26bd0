//! Payload configuration: SQLite through libSQL, an admin `users` collection, and `subscriptions`.
//!
//! Environment:
//!   PAYLOAD_SECRET  required; signs admin sessions
//!   DATABASE_URI    libSQL URL; default `file:./payload-subscribe.db`, `:memory:` in the in-process tests
//!   ORY_SDK_URL     the Ory project or emulator, read by the ory-otc addon on first use
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { buildConfig } from 'payload'

import { Subscriptions } from './collections/Subscriptions'
import { Users } from './collections/Users'

const dirname = path.dirname(fileURLToPath(import.meta.url))

export default buildConfig({
  admin: {
    user: Users.slug,
    importMap: { baseDir: dirname },
  },
  collections: [Users, Subscriptions],
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
