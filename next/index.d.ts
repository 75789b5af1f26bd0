// Types of `ory-otc/next` (next/index.js).

/**
 * The Next.js config with `ory-otc` and `ory-otc-emulator` in `serverExternalPackages`, so that
 * Next leaves the native addon to Node's `require` instead of bundling it. Compose it with
 * Payload's: `export default withPayload(withOryOtc(nextConfig))`. A config function stays a
 * function. Throws a `TypeError` (`ERR_INVALID_ARG_TYPE`) for anything else.
 */
export declare function withOryOtc<C extends { serverExternalPackages?: string[] }>(nextConfig?: C): C
export declare function withOryOtc<C extends { serverExternalPackages?: string[] }, A extends unknown[]>(
  nextConfig: (...args: A) => C | Promise<C>,
): (...args: A) => Promise<C>
