#!/usr/bin/env node
// Packs the packages in napi-rs's layout, into dist/:
//   dist/ory-otc-<version>.tgz                          JS loader, types, CLI; optionalDependencies name the binaries
//   dist/ory-otc-linux-x64-gnu-<version>.tgz            the release .node for linux-x64-gnu (one per npm/<target>/)
//   dist/ory-otc-emulator-<version>.tgz                 the emulator package, the same way (packages/emulator)
//   dist/ory-otc-emulator-linux-x64-gnu-<version>.tgz   its binaries, one per packages/emulator/npm/<target>/
// As `napi prepublish` does, optionalDependencies are written into the packed package.json only:
// the repository's own package.json cannot list packages that are not published yet (npm ci
// would need them in the lockfile). Run `npm run build` first: this packs the binaries it left.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
/** The napi packages: the client, and the emulator users install as a devDependency. */
const PACKAGES = [root, join(root, 'packages', 'emulator')]

function fail(message) {
  console.error(`pack: ${message}`)
  process.exit(1)
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))
const pack = (dir) =>
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] })

/** Packs one napi package: its binary packages, then itself with optionalDependencies naming them. */
function packPackage(dir) {
  const pkg = readJson(join(dir, 'package.json'))
  const optionalDependencies = {}
  for (const target of readdirSync(join(dir, 'npm'))) {
    const targetDir = join(dir, 'npm', target)
    const sub = readJson(join(targetDir, 'package.json'))
    if (sub.version !== pkg.version) fail(`${sub.name} is at ${sub.version}, ${pkg.name} at ${pkg.version}`)
    const binary = join(dir, sub.main)
    if (!existsSync(binary)) fail(`${join(dir, sub.main)} is missing: run 'npm run build' first`)
    copyFileSync(binary, join(targetDir, sub.main))
    try {
      pack(targetDir)
    } finally {
      rmSync(join(targetDir, sub.main))
    }
    optionalDependencies[sub.name] = sub.version
  }

  const stage = join(dist, `stage-${pkg.name}`)
  mkdirSync(stage)
  for (const file of [...pkg.files, 'README.md', 'LICENSE']) {
    const from = existsSync(join(dir, file)) ? join(dir, file) : join(root, file)
    if (existsSync(from)) cpSync(from, join(stage, file), { recursive: true })
  }
  const { devDependencies, scripts, workspaces, ...published } = pkg
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...published, optionalDependencies }, null, 2)}\n`)
  pack(stage)
  rmSync(stage, { recursive: true })
}

const { version } = readJson(join(root, 'package.json'))
for (const dir of PACKAGES) {
  const pkg = readJson(join(dir, 'package.json'))
  if (pkg.version !== version) fail(`${pkg.name} is at ${pkg.version}, ory-otc at ${version}`)
}
rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)
for (const dir of PACKAGES) packPackage(dir)
