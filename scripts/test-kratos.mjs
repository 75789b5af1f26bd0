#!/usr/bin/env node
// `npm run test:kratos -- <public URL> [<admin URL>]`: runs __test__/scenarios.test.js (the
// sign-in scenarios of both modes, which `npm test` runs against the emulator) against a real
// Kratos. Kratos must run with --dev (codes on the admin courier API), the code method
// passwordless and a session after registration: crates/ory-otc-emulator/tests/kratos/kratos.yml.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [publicUrl, adminUrl = publicUrl] = process.argv.slice(2)
if (!publicUrl) {
  console.error('usage: npm run test:kratos -- <public URL> [<admin URL>]')
  process.exit(2)
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js')
const run = spawnSync(process.execPath, [jest, '--ci', '__test__/scenarios.test.js'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, KRATOS_PUBLIC_URL: publicUrl, KRATOS_ADMIN_URL: adminUrl },
})
process.exit(run.status ?? 1)
