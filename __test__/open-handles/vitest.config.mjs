// Vitest over the open-handle fixtures, as a Payload app's tests would run (see README.md here).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..', '..')

export default defineConfig({
  test: {
    root,
    include: ['__test__/open-handles/*.fixture.js', 'examples/readme/emulator.test.js'],
    globals: true,
    // A hanging process must show up as a failure, not wait for the outer test's timeout.
    teardownTimeout: 5000,
  },
  resolve: { alias: { 'ory-otc': path.join(root, 'index.js') } },
})
