#!/usr/bin/env node
// Packs the package in napi-rs's layout, into dist/:
//   dist/ory-otc-<version>.tgz                 JS loader, types, CLIs (optionalDependencies -> the binary package)
//   dist/ory-otc-linux-x64-gnu-<version>.tgz   the release .node for linux-x64-gnu
// Run `npm run build` first: this packs the binary that build left at the root.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const dist = join(root, 'dist')
const platforms = Object.keys(pkg.optionalDependencies ?? {})

function fail(message) {
  console.error(`pack: ${message}`)
  process.exit(1)
}

rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)

for (const name of platforms) {
  const suffix = name.slice(`${pkg.name}-`.length) // linux-x64-gnu
  const dir = join(root, 'npm', suffix)
  const sub = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (sub.version !== pkg.version || pkg.optionalDependencies[name] !== pkg.version) {
    fail(`${name} is at ${sub.version}, optionalDependencies says ${pkg.optionalDependencies[name]}, ory-otc is at ${pkg.version}`)
  }
  const binary = join(root, sub.main)
  if (!existsSync(binary)) fail(`${sub.main} is missing: run 'npm run build' first`)
  copyFileSync(binary, join(dir, sub.main))
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] })
  rmSync(join(dir, sub.main))
}
execFileSync('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
