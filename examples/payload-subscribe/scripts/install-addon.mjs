#!/usr/bin/env node
// Installs the ory-otc addon into this example from the tarballs that `npm run pack` writes at
// the repository root, then checks that the native binding loads.
//
// Run with: npm run install:addon          (after `npm ci`; reads ../../dist)
//           ORY_OTC_DIST=/some/dir npm run install:addon
//           node scripts/install-addon.mjs ../payload-stock   (another example app of this repository)
//
// Why tarballs and `--no-save`: Next.js can only leave `ory-otc` to Node's require (the
// `serverExternalPackages` entry) when it is a real folder in node_modules, so `npm link` and
// `file:` folder deps are out. A `file:` tarball dep would put the tarball's hash in
// package-lock.json, and every rebuild of the addon changes it, so `npm ci` would fail. Keeping
// the addon out of package.json and the lock avoids both; this script is the one place that
// adds it, and `npm ci` removes it again (so run this after every `npm ci`).
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'))
const dist = path.resolve(root, process.env.ORY_OTC_DIST ?? '../../dist')

function fail(message) {
  console.error(`install-addon: ${message}`)
  process.exit(1)
}

if (!existsSync(dist)) fail(`${dist} does not exist; run \`npm run build && npm run pack -- --dev\` at the repository root first`)
const files = readdirSync(dist).filter((f) => f.endsWith('.tgz'))

// For each package (the client, and the emulator the tests use): `<name>-0.1.0.tgz`, its JS,
// and `<name>-linux-x64-gnu-0.1.0.tgz`, this platform's binary.
const libc = process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl') : ''
const target = `${process.platform}-${process.arch}${libc}`
const tarballs = []
for (const name of ['ory-otc', 'ory-otc-emulator']) {
  const version = /^-\d+\.\d+\.\d+.*\.tgz$/
  const main = files.filter((f) => f.startsWith(name) && version.test(f.slice(name.length)))
  const native = files.filter((f) => f.startsWith(`${name}-${target}`) && version.test(f.slice(`${name}-${target}`.length)))
  if (main.length !== 1) fail(`expected one ${name}-<version>.tgz in ${dist}, found ${main.length}: ${main.join(', ')}`)
  if (native.length !== 1) fail(`expected one ${name}-${target}-<version>.tgz in ${dist}, found ${native.length}: ${native.join(', ')}`)
  tarballs.push(...[...main, ...native].map((f) => path.join(dist, f)))
}
console.log(`install-addon: installing ${tarballs.map((t) => path.relative(root, t)).join(' ')}`)
execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...tarballs], { cwd: root, stdio: 'inherit' })

const installed = path.join(root, 'node_modules', 'ory-otc')
if (lstatSync(installed).isSymbolicLink()) fail(`${installed} is a symlink; Next cannot externalize it`)

// Load them the way the server and the tests will: a missing or mismatched binary fails here,
// not at the first request.
const check = `for (const [pkg, names] of [['ory-otc', ['OryOtc', 'isOryOtcError']], ['ory-otc-emulator', ['startEmulator']]]) {
  const m = require(pkg)
  for (const name of names) {
    if (typeof m[name] !== 'function') { console.error(pkg + ' does not export ' + name); process.exit(1) }
  }
  console.log('install-addon: ' + pkg + ' ' + require(pkg + '/package.json').version + ' loads')
}`
execFileSync(process.execPath, ['-e', check], { cwd: root, stdio: 'inherit' })
