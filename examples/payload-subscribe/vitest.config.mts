import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // One Payload instance and one emulator per file; files run one after another.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // A file that finds no test fails the run instead of passing quietly.
    passWithNoTests: false,
  },
})
