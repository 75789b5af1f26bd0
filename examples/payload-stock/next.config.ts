// As Payload's blank template writes it, plus the one line README asks for (withOryOtc).
import { withPayload } from '@payloadcms/next/withPayload'
import type { NextConfig } from 'next'
import { withOryOtc } from 'ory-otc/next'
import path from 'path'
import { fileURLToPath } from 'url'

const dirname = path.dirname(fileURLToPath(import.meta.url))

const nextConfig: NextConfig = {
  turbopack: { root: path.resolve(dirname) },
  // Not in the template: this app lives inside the ory-otc repository, whose own lock file would
  // otherwise make Next trace files from the repository's root.
  outputFileTracingRoot: path.resolve(dirname),
}

export default withPayload(withOryOtc(nextConfig), { devBundleServerPackages: false })
