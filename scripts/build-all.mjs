#!/usr/bin/env node
// Builds every napi package (scripts/platforms.js: ory-otc, ory-otc-emulator) for every target in
// its package.json's napi.targets, one build at a time, leaves each binary in <package>/npm/<platform>/, then runs
// the structural checks (__test__/binaries.test.js) on what it built.
//
//   npm run build:all                          every target
//   ORY_OTC_TARGETS=host,<platform>,... npm run build:all    some: platform names or Rust triples of scripts/platforms.js, `host` for this one
//
// How each kind of target is built here (Linux x64 host, no macOS SDK, no Windows SDK):
//   linux gnu     napi build -x (cargo-zigbuild) for <triple>.2.17: links against glibc 2.17's symbols
//   linux musl    napi build -x
//   darwin        on a Mac: plain napi build with Apple's toolchain (the release workflow). Elsewhere:
//                 napi build -x; rustls-platform-verifier links Apple's Security and CoreFoundation
//                 frameworks, and zig has no macOS SDK, so the link reads the text stubs in
//                 scripts/macos-link-stubs/ (their install names and the symbols used). At run time
//                 dyld loads the real frameworks, which every Mac has.
//   windows msvc  not here: MSVC is Windows' own toolchain (the workflows build it on windows-latest)
//   windows gnu   plain napi build with Debian's mingw-w64 gcc (napi's -x refuses windows-gnu). The
//                 addon looks Node-API up in node.exe at load (napi's dyn-symbols, see Cargo.toml), so
//                 napi-build's required libnode.dll is an empty library here (target/libnode-stub/).
// Needs: rustup, `pip install ziglang cargo-zigbuild`, `apt-get install gcc-mingw-w64-x86-64`.
// The host's own binary is also copied beside index.js, so `require('.')` loads it.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const { ROOT, packages, hostPlatform, binaryPath, selectedTargets, compareVersions, buildableHere } = require('./platforms.js')
const { readBinary } = require('./binary-info.js')

function fail(message) {
  console.error(`build-all: ${message}`)
  process.exit(1)
}

function has(cmd, args = ['--version']) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
}

const selected = selectedTargets()
const plan = packages().flatMap((pkg) => pkg.targets.filter((t) => !selected || selected.has(t.platform)).map((target) => ({ pkg, target })))
if (plan.length === 0) fail(`ORY_OTC_TARGETS=${process.env.ORY_OTC_TARGETS} selects no target`)
// A target only another OS can build (MSVC: Windows): left out of "every target" with a line
// saying so, and an error when ORY_OTC_TARGETS asks for it.
for (const { pkg, target } of plan.filter(({ target }) => !buildableHere(target))) {
  if (selected) fail(`${pkg.name} ${target.platform}: built on ${target.buildsOn} only (this is ${process.platform})`)
  console.log(`build-all: ${pkg.name} ${target.platform} left out: it is built on ${target.buildsOn} only (the CI and release workflows do)`)
}
plan.splice(0, plan.length, ...plan.filter(({ target }) => buildableHere(target)))

// Tools, checked before the first (slow) build.
if (plan.some(({ target }) => useZig(target)) && !(has('cargo-zigbuild') && (has('zig', ['version']) || has('python3', ['-m', 'ziglang', 'version'])))) {
  fail('zig targets need cargo-zigbuild and zig: pip install ziglang cargo-zigbuild')
}
if (plan.some(({ target }) => target.mingw) && !has('x86_64-w64-mingw32-gcc')) {
  fail('windows-gnu needs the mingw-w64 gcc: apt-get install gcc-mingw-w64-x86-64')
}
const installed = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' }).split('\n')
const missing = [...new Set(plan.map(({ target }) => target.triple))].filter((t) => !installed.includes(t))
if (missing.length > 0) execFileSync('rustup', ['target', 'add', ...missing], { stdio: 'inherit' })

const napiCli = join(ROOT, 'node_modules', '@napi-rs', 'cli', JSON.parse(readFileSync(join(ROOT, 'node_modules', '@napi-rs', 'cli', 'package.json'), 'utf8')).bin.napi)

/**
 * Whether `target` is built with zig. On a Mac, Apple's own toolchain builds both darwin targets
 * (with the real SDK, no link stubs), as napi-rs packages do on their macOS runners. A function
 * declaration (hoisted), not a const: the tool check above calls it before this line runs.
 */
function useZig(target) {
  return Boolean(target.zig) && !(target.os === 'darwin' && process.platform === 'darwin')
}

/** The environment of one target's build. */
function buildEnv(target) {
  const env = { ...process.env }
  if (target.macos) env.MACOSX_DEPLOYMENT_TARGET = target.macos
  if (target.macos && useZig(target)) {
    env[`CARGO_TARGET_${target.triple.toUpperCase().replaceAll('-', '_')}_RUSTFLAGS`] = `-L framework=${join(ROOT, 'scripts', 'macos-link-stubs')}`
  }
  if (target.mingw) {
    // napi-build (2.6) insists on a libnode.dll to link for windows-gnu, in LIBNODE_PATH. With
    // dyn-symbols nothing is imported from it: an empty archive satisfies the linker, and a build
    // that did need a Node-API import would fail to link instead of importing from a stub.
    const dir = join(ROOT, 'target', 'libnode-stub')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'libnode.dll'), '!<arch>\n')
    env.LIBNODE_PATH = dir
  }
  return env
}

/** The arguments of `napi build` in the package's own `build` script, up to its first `&&`. */
function ownBuildArgs(pkg) {
  const words = (pkg.json.scripts?.build ?? '').split('&&')[0].trim().split(/\s+/)
  if (words[0] !== 'napi' || words[1] !== 'build') fail(`${pkg.name}: its build script does not start with "napi build"`)
  return words.slice(1)
}

const results = []
const started = Date.now()
for (const { pkg, target } of plan) {
  const cargoTarget = useZig(target) && typeof target.zig === 'string' ? `${target.triple}.${target.zig}` : target.triple
  // The flags of each package's own `build` script (its profile included), for one target.
  const args = [...ownBuildArgs(pkg), '--target', cargoTarget, ...(useZig(target) ? ['-x'] : [])]
  console.log(`\n== ${pkg.name} ${target.platform}: napi ${args.join(' ')}`)
  const t0 = Date.now()
  // napi's JS entry point under this Node: node_modules/.bin/napi is a .cmd shim on Windows.
  const r = spawnSync(process.execPath, [napiCli, ...args], { cwd: pkg.root, env: buildEnv(target), stdio: 'inherit' })
  if (r.status !== 0) fail(`${pkg.name} ${target.platform}: the build failed (exit ${r.status ?? r.signal})`)
  const built = join(pkg.root, `${pkg.binaryName}.${target.platform}.node`)
  if (!existsSync(built)) fail(`${pkg.name} ${target.platform}: the build left no ${built}`)
  const dest = binaryPath(pkg, target)
  mkdirSync(join(dest, '..'), { recursive: true })
  if (target.platform === hostPlatform()) copyFileSync(built, dest)
  else renameSync(built, dest)
  results.push({ pkg, target, seconds: Math.round((Date.now() - t0) / 1000) })
}

// A generated binding that depends on the target would differ between hosts: it must not.
for (const pkg of packages()) {
  const diff = spawnSync('git', ['diff', '--quiet', '--', 'native.js', 'native.d.ts'], { cwd: pkg.root })
  if (diff.status !== 0) fail(`${pkg.name}: a target build changed native.js/native.d.ts (git diff shows how)`)
}

console.log(`\nbuilt ${results.length} binaries in ${Math.round((Date.now() - started) / 1000)} s:`)
console.log('| package | target | bytes | max GLIBC | build s |\n|---|---|---|---|---|')
for (const { pkg, target, seconds } of results) {
  const file = binaryPath(pkg, target)
  const info = readBinary(file)
  const glibc = info.glibcVersions?.length ? info.glibcVersions.sort(compareVersions).at(-1) : '-'
  console.log(`| ${pkg.name} | ${target.platform} | ${statSync(file).size} | ${glibc} | ${seconds} |`)
}

// The structural checks, told which targets were built.
const built = [...new Set(results.map(({ target }) => target.platform))].join(',')
console.log(`\n== structural checks (ORY_OTC_TARGETS=${built})`)
const jest = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--testPathIgnorePatterns', '/node_modules/', '--runTestsByPath', '__test__/binaries.test.js'], {
  cwd: ROOT,
  env: { ...process.env, ORY_OTC_TARGETS: built },
  stdio: 'inherit',
})
if (jest.status !== 0) fail('the structural checks failed')
