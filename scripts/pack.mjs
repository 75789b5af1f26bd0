#!/usr/bin/env node
// Packs the package in napi-rs's layout, into dist/:
//   dist/ory-otc-<version>.tgz                 JS loader, types, CLIs; optionalDependencies name the binaries
//   dist/ory-otc-linux-x64-gnu-<version>.tgz   the release .node for linux-x64-gnu (one per npm/<target>/)
// As `napi prepublish` does, optionalDependencies are written into the packed package.json only:
// the repository's own package.json cannot list packages that are not published yet (npm ci
// would need them in the lockfile). Run `npm run build` first: this packs the binary it left.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const dist = join(root, 'dist')

function fail(message) {
  console.error(`pack: ${message}`)
  process.exit(1)
}

const pack = (dir) =>
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] })

rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)

// The binary packages, one per npm/<target>/.
const optionalDependencies = {}
for (const target of readdirSync(join(root, 'npm'))) {
  const dir = join(root, 'npm', target)
  const sub = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (sub.version !== pkg.version) fail(`${sub.name} is at ${sub.version}, ory-otc at ${pkg.version}`)
  const binary = join(root, sub.main)
  if (!existsSync(binary)) fail(`${sub.main} is missing: run 'npm run build' first`)
  copyFileSync(binary, join(dir, sub.main))
  try {
    pack(dir)
  } finally {
    rmSync(join(dir, sub.main))
  }
  optionalDependencies[sub.name] = sub.version
}

// The main package, staged with its optionalDependencies.
const stage = join(dist, 'stage')
mkdirSync(stage)
for (const file of [...pkg.files, 'README.md', 'LICENSE']) {
  if (existsSync(join(root, file))) cpSync(join(root, file), join(stage, file), { recursive: true })
}
const { devDependencies, scripts, ...published } = pkg
writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...published, optionalDependencies }, null, 2)}\n`)
pack(stage)
rmSync(stage, { recursive: true })
