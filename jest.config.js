// Jest runs the JS-surface tests in __test__/ against the real addon and the emulator, and the
// README's Jest example in examples/readme/ as written.
module.exports = {
  testEnvironment: 'node',
  // For a plain `npx jest`. `npm test` (scripts/test.mjs) passes --roots for every folder that
  // holds a *.test.js, so that a test file is run wherever it is.
  roots: ['<rootDir>/__test__', '<rootDir>/examples/readme'],
  testMatch: ['**/*.test.js'],
  // The structural checks of cross-built binaries run from `npm run build:all` (see the file).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/__test__/binaries.test.js'],
  // The README example imports the package by name, as a user's test does.
  moduleNameMapper: { '^ory-otc$': '<rootDir>/index.js', '^ory-otc/next$': '<rootDir>/next/index.js' },
  testTimeout: 30000,
  // The same environment whatever the shell set (ORY_SDK_URL, proxies): scripts/test-env.js.
  globalSetup: '<rootDir>/__test__/setup/global-env.js',
}
