import { withPayload } from '@payloadcms/next/withPayload'

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The addon loads a native `.node` file at run time: Next must leave it to Node's `require`
  // instead of bundling it. This only works for a package installed as real files in
  // node_modules (from the tarballs), not for a symlinked one (`npm link`, `file:` folders).
  serverExternalPackages: ['ory-otc'],
}

export default withPayload(nextConfig)
