//! Payload's blank template (its collections declare no `access`) with the ory-otc plugin added
//! exactly as README's Payload section says. Only the database differs: PostgreSQL when
//! DATABASE_URI is a postgres:// URL, else SQLite, so that the same app is tested on both.
//!
//! Environment: PAYLOAD_SECRET, DATABASE_URI, ORY_SDK_URL (the emulator in the tests),
//! PAYLOAD_MIGRATION_DIR (where `payload migrate:create` writes; the tests use a throw-away one),
//! ORY_OTC_DEFAULT_ACCESS=any-user (the tests' run with the plugin's opt-out).
import { postgresAdapter } from '@payloadcms/db-postgres'
import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { oryOtcPlugin } from 'ory-otc/payload'
import path from 'path'
import { buildConfig } from 'payload'
import { fileURLToPath } from 'url'

import { Members } from './collections/Members'
import { Notes } from './collections/Notes'
import { Posts } from './collections/Posts'
import { Settings } from './collections/Settings'
import { Subscriptions } from './collections/Subscriptions'
import { Users } from './collections/Users'

const dirname = path.dirname(fileURLToPath(import.meta.url))
const uri = process.env.DATABASE_URI || 'file:./payload-stock.db'
const migrationDir = process.env.PAYLOAD_MIGRATION_DIR || path.resolve(dirname, 'migrations')

export default buildConfig({
  admin: {
    user: Users.slug,
    importMap: { baseDir: path.resolve(dirname) },
  },
  collections: [Users, Posts, Notes, Subscriptions, Members],
  globals: [Settings],
  plugins: [
    oryOtcPlugin({
      collection: 'subscriptions',
      users: {
        collection: 'members',
        create: true,
        ...(process.env.ORY_OTC_DEFAULT_ACCESS === 'any-user' ? { defaultAccess: 'any-user' as const } : {}),
      },
    }),
  ],
  secret: process.env.PAYLOAD_SECRET || '',
  typescript: { outputFile: path.resolve(dirname, 'payload-types.ts') },
  graphQL: { disable: true },
  telemetry: false,
  db: uri.startsWith('postgres')
    ? postgresAdapter({ pool: { connectionString: uri }, migrationDir })
    : sqliteAdapter({ client: { url: uri }, migrationDir }),
})
