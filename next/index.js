'use strict'
// `ory-otc/next`: the Next.js setting the addon needs. ory-otc loads a native `.node` file at run
// time; Next's bundlers (Turbopack and webpack) cannot place one in a server chunk, so the
// package must stay outside the bundle and be loaded by Node's own `require`. That is what
// `serverExternalPackages` says. Without it every route answers 500 in `next dev` and
// `next build` fails ("… (node addon) is not placeable in ESM chunks").
//
//   // next.config.ts (or .mjs)
//   import { withPayload } from '@payloadcms/next/withPayload'
//   import { withOryOtc } from 'ory-otc/next'
//   export default withPayload(withOryOtc(nextConfig))

/** The packages of this project that hold a native addon. */
const NATIVE_PACKAGES = ['ory-otc', 'ory-otc-emulator']

/**
 * `nextConfig` with ory-otc (and ory-otc-emulator, for apps that start it in-process) in
 * `serverExternalPackages`. Takes a config object or a config function (`(phase, ctx) => config`,
 * sync or async) and returns the same kind; the app's own entries are kept.
 */
function withOryOtc(nextConfig = {}) {
  if (typeof nextConfig === 'function') {
    return async (...args) => withOryOtc(await nextConfig(...args))
  }
  if (nextConfig === null || typeof nextConfig !== 'object') {
    const err = new TypeError('ory-otc/next: withOryOtc takes a Next.js config object or function')
    err.code = 'ERR_INVALID_ARG_TYPE'
    throw err
  }
  const external = nextConfig.serverExternalPackages ?? []
  return {
    ...nextConfig,
    serverExternalPackages: [...external, ...NATIVE_PACKAGES.filter((name) => !external.includes(name))],
  }
}

exports.withOryOtc = withOryOtc
