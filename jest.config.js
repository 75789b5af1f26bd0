// Jest runs the JS-surface tests in __test__/ against the real addon and the emulator.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__test__'],
  testMatch: ['**/*.test.js'],
  // A file that starts an emulator gets a fresh one; the addon itself is shared per worker.
  testTimeout: 30000,
  // Fail when a test leaves a handle open (a server, a timer) rather than hang the run.
  detectOpenHandles: false,
  forceExit: false,
}
