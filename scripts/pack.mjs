#!/usr/bin/env node
// Packs every napi package of scripts/platforms.js (ory-otc, ory-otc-emulator) in napi-rs's
// layout, into dist/:
//   dist/<package>-<version>.tgz              JS loader, types, CLI; optionalDependencies name the binaries
//   dist/<package>-<platform>-<version>.tgz   one per target: its .node (<package dir>/npm/<platform>/)
// As `napi prepublish` does, optionalDependencies are written into the packed package.json only:
// the repository's own package.json cannot list packages that are not published yet (npm ci
// would need them in the lockfile).
//
//   npm run pack               every target in napi.targets, from npm/<platform>/ (npm run build:all);
//                              a missing binary fails (except an MSVC one off Windows: left out).
//                              ORY_OTC_TARGETS packs those targets only (a missing binary fails).
//   npm run pack -- --dev      this platform only, from the development build beside index.js
//                              (npm run build): what `npm test` installs.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const { ROOT, packages, binaryPath, selectedTargets, buildableHere } = require('./platforms.js')

const dev = process.argv.includes('--dev')
const dist = join(ROOT, 'dist')

function fail(message) {
  console.error(`pack: ${message}`)
  process.exit(1)
}

const pack = (dir) =>
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] })

const selected = selectedTargets(dev ? 'host' : undefined)
const all = packages()
rmSync(dist, { recursive: true, force: true })
mkdirSync(dist)

for (const pkg of all) {
  // Every target unless ORY_OTC_TARGETS says which (the release does, naming the published ones);
  // a target only another OS builds (MSVC) is packed when its binary is there, else left out, saying so.
  const unbuilt = (t) => !dev && !selected && !buildableHere(t) && !existsSync(binaryPath(pkg, t))
  for (const t of pkg.targets.filter(unbuilt)) console.log(`pack: ${pkg.name}-${t.platform} left out: built on ${t.buildsOn} only, and not here`)
  const targets = pkg.targets.filter((t) => (selected ? selected.has(t.platform) : !unbuilt(t)))
  if (targets.length === 0) fail(`${pkg.name}: ORY_OTC_TARGETS selects none of its targets`)

  // The binary packages, one per target.
  const optionalDependencies = {}
  for (const target of targets) {
    const dir = join(pkg.root, 'npm', target.platform)
    const sub = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    if (sub.version !== pkg.json.version) fail(`${sub.name} is at ${sub.version}, ${pkg.name} at ${pkg.json.version}`)
    if (sub.name !== `${pkg.name}-${target.platform}` || sub.main !== `${pkg.binaryName}.${target.platform}.node`) {
      fail(`${dir}/package.json must name ${pkg.name}-${target.platform} with main ${pkg.binaryName}.${target.platform}.node`)
    }
    // Staged in dist/, so that npm/<platform>/ (build:all's output) is never written to.
    const binary = dev ? join(pkg.root, sub.main) : binaryPath(pkg, target)
    if (!existsSync(binary)) {
      fail(
        dev
          ? `${binary} is missing: run 'npm run build' first`
          : `${binary} is missing: run 'npm run build:all' (or 'npm run pack -- --dev' for this platform's development build)`,
      )
    }
    const stage = join(dist, `stage-${sub.name}`)
    mkdirSync(stage)
    for (const file of readdirSync(dir).filter((f) => !f.endsWith('.node'))) copyFileSync(join(dir, file), join(stage, file))
    copyFileSync(binary, join(stage, sub.main))
    pack(stage)
    rmSync(stage, { recursive: true })
    optionalDependencies[sub.name] = sub.version
  }

  // The main package, staged with its optionalDependencies.
  const stage = join(dist, `stage-${pkg.binaryName}`)
  mkdirSync(stage)
  for (const file of [...pkg.json.files, 'README.md', 'LICENSE']) {
    const from = existsSync(join(pkg.root, file)) ? join(pkg.root, file) : join(ROOT, file)
    if (existsSync(from)) cpSync(from, join(stage, file), { recursive: true })
  }
  const { devDependencies, scripts, workspaces, ...published } = pkg.json
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...published, optionalDependencies }, null, 2)}\n`)
  pack(stage)
  rmSync(stage, { recursive: true })
}
