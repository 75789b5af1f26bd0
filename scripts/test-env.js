'use strict'
// The environment the tests run in, made the same whatever the shell that started them had set.
// Used by scripts/test.mjs for every step it runs and by jest.config.js (its globalSetup) for a
// plain `npx jest`, so that both see the same thing.
//
// Why the tests need this: the addon reads its configuration from the real process environment
// (Rust's std::env), not from Jest's copy of process.env, so a variable in the shell reaches every
// client a test makes. Two kinds matter:
//   - ORY_SDK_URL, ORY_PROJECT_SLUG, ORY_API_KEY: a developer's own Ory project. They are removed:
//     a test that is about them sets them itself, in a child process (see __test__/helpers.js
//     runNode), and no test may send a code through a developer's real project.
//   - HTTP(S)_PROXY, ALL_PROXY: a developer's proxy. They are kept, because npm needs them to
//     reach the registry (package.test.js installs tarballs, the Payload example runs npm ci),
//     but the test servers are on loopback and the DNS failure rows use an `.invalid` name: NO_PROXY
//     gets both, so that the client reaches them directly and a test checks the client, not the
//     proxy. How the client uses a proxy is tested in crates/ory-otc-core/tests/proxy.rs, which
//     sets these variables itself.

/** Variables that point the client at an Ory project: removed for the tests. */
const ORY_VARS = ['ORY_SDK_URL', 'ORY_PROJECT_SLUG', 'ORY_API_KEY']

/** Hosts the tests reach without a proxy: loopback servers, and `.invalid` (RFC 6761) names. */
const DIRECT = ['localhost', '127.0.0.1', '::1', '.invalid']

/**
 * Applies the rules above to `env` (changed in place) and returns what changed, as sentences that
 * name variables but never their values (a proxy URL can carry a password).
 */
function testEnv(env = process.env) {
  const changes = []
  // On Windows the keys of process.env are case-insensitive; elsewhere both spellings can exist.
  for (const name of ORY_VARS) {
    if (env[name] !== undefined) {
      delete env[name]
      changes.push(`${name} unset (the tests set it themselves where they need it)`)
    }
  }
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'].some((k) => env[k])
  if (proxied) {
    for (const name of ['NO_PROXY', 'no_proxy']) {
      const listed = (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean)
      const missing = DIRECT.filter((host) => !listed.includes(host))
      if (missing.length === 0) continue
      env[name] = [...listed, ...missing].join(',')
      changes.push(`${name} += ${missing.join(',')} (a proxy is set: the test servers are reached directly)`)
    }
  }
  return changes
}

module.exports = { ORY_VARS, DIRECT, testEnv }
