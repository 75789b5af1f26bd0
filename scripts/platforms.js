'use strict'
// The napi packages of this repository and the targets they are built for. Every script that
// builds, packs, checks or runs the binaries (scripts/build-all.mjs, scripts/pack.mjs,
// scripts/test-platforms.mjs, __test__/binaries.test.js) goes through this file: a new napi
// package is one more entry in PACKAGES, with its targets in its package.json's napi.targets.
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')

/** dir: from the repository root; binaryName: napi.binaryName in its package.json; name: on npm. */
const PACKAGES = [
  { dir: '.', binaryName: 'ory-otc', name: 'ory-otc' },
  { dir: 'packages/emulator', binaryName: 'ory-otc-emulator', name: 'ory-otc-emulator' },
]

/**
 * How each Rust target is built here and what its binary must be.
 *   zig      build with `napi build -x` (cargo-zigbuild); a string is the glibc version to link against
 *   macos    the minimum macOS version (MACOSX_DEPLOYMENT_TARGET)
 *   mingw    build with plain cargo and the mingw-w64 gcc from Debian (napi's -x refuses windows-gnu)
 *   buildsOn the only host OS that builds it (MSVC needs Windows' own toolchain); elsewhere the
 *            scripts that build or pack every target leave it out and say so
 *   publish  false for a target built for local checks only, never published to npm
 * win32: MSVC is what is published (what napi-rs ships and Node itself is built with); the mingw
 * (gnu) build stays for checks from Linux (scripts/build-all.mjs, wine in test-platforms.mjs).
 */
const TARGETS = {
  'x86_64-unknown-linux-gnu': { platform: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc', format: 'elf', machine: 'x86-64', zig: '2.17' },
  'aarch64-unknown-linux-gnu': { platform: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc', format: 'elf', machine: 'aarch64', zig: '2.17' },
  'x86_64-unknown-linux-musl': { platform: 'linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl', format: 'elf', machine: 'x86-64', zig: true },
  'aarch64-unknown-linux-musl': { platform: 'linux-arm64-musl', os: 'linux', cpu: 'arm64', libc: 'musl', format: 'elf', machine: 'aarch64', zig: true },
  'aarch64-apple-darwin': { platform: 'darwin-arm64', os: 'darwin', cpu: 'arm64', format: 'macho', machine: 'aarch64', zig: true, macos: '11.0' },
  'x86_64-apple-darwin': { platform: 'darwin-x64', os: 'darwin', cpu: 'x64', format: 'macho', machine: 'x86-64', zig: true, macos: '10.15' },
  'x86_64-pc-windows-msvc': { platform: 'win32-x64-msvc', os: 'win32', cpu: 'x64', format: 'pe', machine: 'x86-64', buildsOn: 'win32' },
  'x86_64-pc-windows-gnu': { platform: 'win32-x64-gnu', os: 'win32', cpu: 'x64', format: 'pe', machine: 'x86-64', mingw: true, publish: false },
}

/** The newest glibc symbol version a gnu binary may need: napi-rs's own baseline. */
const GLIBC_MAX = '2.17'

/** PACKAGES with their package.json, absolute dir and targets (each with its TARGETS entry). */
function packages() {
  return PACKAGES.map((pkg) => {
    const root = path.join(ROOT, pkg.dir)
    const json = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
    if (json.name !== pkg.name || json.napi?.binaryName !== pkg.binaryName) {
      throw new Error(`${pkg.dir}/package.json names ${json.name} (binary ${json.napi?.binaryName}); scripts/platforms.js expects ${pkg.name} (${pkg.binaryName})`)
    }
    const targets = (json.napi.targets ?? []).map((triple) => {
      if (!TARGETS[triple]) throw new Error(`${pkg.name} lists the target ${triple}, which scripts/platforms.js does not know how to build`)
      return { triple, ...TARGETS[triple] }
    })
    return { ...pkg, root, json, targets }
  })
}

/**
 * The target of the Node running this script (null when none is built for it): the name index.js's
 * loader tries first. On Windows that is the published MSVC build.
 */
function hostPlatform() {
  const { platform, arch } = process
  const libc = platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl') : undefined
  const fits = Object.values(TARGETS).filter((t) => t.os === platform && t.cpu === arch && t.libc === libc)
  return (fits.find((t) => t.publish !== false) ?? fits[0])?.platform ?? null
}

/** Whether this machine can build `target` (see buildsOn). */
function buildableHere(target) {
  return !target.buildsOn || target.buildsOn === process.platform
}

/** The platform names of the targets published to npm (every napi package lists the same). */
function publishedPlatforms() {
  return [...new Set(packages().flatMap((pkg) => pkg.targets.filter((t) => t.publish !== false).map((t) => t.platform)))]
}

/** The binary of a package for a target, where scripts/build-all.mjs leaves it. */
function binaryPath(pkg, target) {
  return path.join(pkg.root, 'npm', target.platform, `${pkg.binaryName}.${target.platform}.node`)
}

/**
 * The targets named by ORY_OTC_TARGETS (or `spec`): a comma-separated list of napi platform names
 * (linux-x64-gnu) or Rust triples, where `host` is the platform this Node loads. Unset: null,
 * meaning every target.
 */
function selectedTargets(spec = process.env.ORY_OTC_TARGETS) {
  if (spec === undefined || spec.trim() === '') return null
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean)
  const known = Object.entries(TARGETS)
  const selected = new Set()
  for (const name of names) {
    if (name === 'host') {
      const host = hostPlatform()
      if (!host) throw new Error(`ORY_OTC_TARGETS=host: no target is built for ${process.platform}-${process.arch}`)
      selected.add(host)
      continue
    }
    const found = known.find(([triple, t]) => triple === name || t.platform === name)
    if (!found) throw new Error(`ORY_OTC_TARGETS names ${name}, which is none of: ${known.map(([, t]) => t.platform).join(', ')}`)
    selected.add(found[1].platform)
  }
  return selected
}

/** Compares dotted versions: negative, zero or positive. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

module.exports = { ROOT, PACKAGES, TARGETS, GLIBC_MAX, packages, hostPlatform, buildableHere, publishedPlatforms, binaryPath, selectedTargets, compareVersions }
