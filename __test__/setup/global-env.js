// Jest's globalSetup: scripts/test-env.js's rules applied to the real environment of the Jest
// process before any worker starts (workers inherit it), so `npx jest` run from a shell with
// ORY_SDK_URL or a proxy set checks what `npm test` checks. See that file for why.
const { testEnv } = require('../../scripts/test-env.js')

module.exports = async () => {
  const changes = testEnv(process.env)
  if (changes.length > 0) process.stdout.write(`\n${changes.map((c) => `test environment: ${c}`).join('\n')}\n`)
}
