// What scripts/test.mjs, scripts/demo.mjs and scripts/release.mjs share: running a command the
// same way on Linux, macOS and Windows, and getting the repository ready (npm packages installed,
// the addon built).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const WINDOWS = process.platform === 'win32'

/**
 * The command that runs npm: this npm's own script under this Node when npm started us (no
 * shell needed, on Windows either), else `npm` from PATH (npm.cmd on Windows, which only a shell
 * can start).
 */
export function npm(args) {
  const cli = process.env.npm_execpath
  if (cli && /npm-cli\.c?js$/.test(cli)) return [process.execPath, [cli, ...args]]
  return ['npm', args]
}

/** A tool of node_modules/.bin run by this Node from its JS entry point (no .cmd shim on Windows). */
export function nodeTool(pkg, bin) {
  const json = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
  const rel = typeof json.bin === 'string' ? json.bin : json.bin[bin ?? pkg]
  return join(ROOT, 'node_modules', pkg, rel)
}

/**
 * Runs a command with its output on ours; returns its exit status (a signal counts as failure).
 * On Windows a bare `npm`/`npx`/`cargo`-style name may be a .cmd, which needs the shell.
 */
export function run(cmd, args, options = {}) {
  const shell = WINDOWS && !cmd.includes('\\') && !cmd.includes('/') && cmd !== process.execPath && !/\.exe$/i.test(cmd)
  const r = spawnSync(cmd, shell ? args.map(quoteForCmd) : args, { stdio: 'inherit', cwd: ROOT, ...options, shell })
  if (r.error) {
    console.error(`${cmd}: ${r.error.message}`)
    return 1
  }
  return r.status ?? 1
}

/** Like run, but returns the output (stdout and stderr) as well as the status. */
export function capture(cmd, args, options = {}) {
  const shell = WINDOWS && !cmd.includes('\\') && !cmd.includes('/') && cmd !== process.execPath && !/\.exe$/i.test(cmd)
  const r = spawnSync(cmd, shell ? args.map(quoteForCmd) : args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 28, ...options, shell })
  return { status: r.error ? 1 : (r.status ?? 1), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? r.error.message : '') }
}

// cmd.exe quoting for the few arguments the scripts pass (paths, flags): quotes when needed.
function quoteForCmd(arg) {
  return /^[\w@%+=:,./\\-]+$/.test(arg) ? arg : `"${arg.replaceAll('"', '""')}"`
}

/** Whether `cmd` runs (`cmd --version` exits 0). */
export function has(cmd, args = ['--version']) {
  return capture(cmd, args).status === 0
}

/**
 * Makes the repository ready, as the old scripts/setup.sh did: rustup's cargo on PATH when a non-login
 * shell lacks it; `npm ci` when node_modules is missing or older than package-lock.json; the
 * addon built (release; ORY_OTC_PROFILE=debug for a faster compile; SKIP_BUILD=1 reuses a build).
 */
export function setup({ build = true } = {}) {
  const cargoBin = join(homedir(), '.cargo', 'bin')
  if (!has('cargo') && existsSync(cargoBin)) process.env.PATH = `${cargoBin}${delimiter}${process.env.PATH}`
  for (const tool of ['npm', 'cargo']) {
    if (!has(tool)) throw new Error(`${tool} is not installed (need Node.js >= 18.17 and Rust)`)
  }
  const lock = join(ROOT, 'package-lock.json')
  const installed = join(ROOT, 'node_modules', '.package-lock.json')
  if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
    console.log('== npm ci')
    const [cmd, args] = npm(['ci', '--no-audit', '--no-fund'])
    if (run(cmd, args) !== 0) throw new Error('npm ci failed')
  }
  if (!build || process.env.SKIP_BUILD === '1') return
  const debug = process.env.ORY_OTC_PROFILE === 'debug'
  console.log(`== napi build (${debug ? 'debug' : 'release'})`)
  const [cmd, args] = npm(['run', '--silent', debug ? 'build:debug' : 'build'])
  if (run(cmd, args) !== 0) throw new Error('the build failed')
}

/** Like capture, but the output is also shown as it comes (cargo test takes minutes). */
export function tee(cmd, args, options = {}) {
  const shell = WINDOWS && !cmd.includes('\\') && !cmd.includes('/') && cmd !== process.execPath && !/\.exe$/i.test(cmd)
  return new Promise((resolve) => {
    const child = spawn(cmd, shell ? args.map(quoteForCmd) : args, { cwd: ROOT, ...options, shell, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.stderr.on('data', (d) => {
      out += d
      process.stderr.write(d)
    })
    child.on('error', (e) => resolve({ status: 1, output: `${out}${e.message}` }))
    child.on('close', (code) => resolve({ status: code ?? 1, output: out }))
  })
}
