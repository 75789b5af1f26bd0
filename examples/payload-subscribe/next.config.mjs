import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { withPayload } from '@payloadcms/next/withPayload'

const dirname = path.dirname(fileURLToPath(import.meta.url))

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The addon loads a native `.node` file at run time: Next must leave it to Node's `require`
  // instead of bundling it. Without this line `next build` fails, with Turbopack and with
  // webpack alike (README, "Next.js and the native addon").
  serverExternalPackages: ['ory-otc'],
  // This app lives inside the ory-otc repository, whose own package-lock.json would otherwise
  // make Next take the repository as the workspace root.
  turbopack: { root: dirname },
  outputFileTracingRoot: dirname,
}

export default withPayload(nextConfig)
