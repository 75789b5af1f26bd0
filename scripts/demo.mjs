#!/usr/bin/env node
// `npm run demo`: installs and builds what is missing (scripts/run.mjs setup), then runs
// examples/demo.js, a full sign-up and sign-in against the embedded Kratos emulator.
import { ROOT, run, setup } from './run.mjs'
import { join } from 'node:path'

try {
  setup()
} catch (e) {
  console.error(`demo: ${e.message}`)
  process.exit(1)
}
process.exit(run(process.execPath, [join(ROOT, 'examples', 'demo.js')]))
