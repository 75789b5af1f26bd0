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

// What the tests check when the README line is missing (STOCK_WITHOUT_WITH_ORY_OTC=1): the build
// must fail with ory-otc's own message, which names withOryOtc, not with the bundler's.
const withoutReadmeLine = process.env.STOCK_WITHOUT_WITH_ORY_OTC === '1'

export default withPayload(withoutReadmeLine ? nextConfig : withOryOtc(nextConfig), { devBundleServerPackages: false })
