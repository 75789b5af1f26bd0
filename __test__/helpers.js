// Shared set-up for the Jest suites: an emulator per test file and clients pointed at it.
const { OryOtc } = require('..')
const { startEmulator } = require('ory-otc-emulator')

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SESSION_TOKEN = /^ory_st_[A-Za-z0-9]{32}$/

/** Starts an emulator before the file's tests and closes it after; returns a getter. */
function useEmulator(options) {
  const ref = { emu: undefined }
  beforeAll(async () => {
    ref.emu = await startEmulator(options)
  })
  afterAll(async () => {
    await ref.emu?.close()
  })
  return () => ref.emu
}

function clientFor(emu, options = {}) {
  return new OryOtc({ baseUrl: emu.url, ...options })
}

const ids = (messages) => messages.map((m) => m.id)

let counter = 0
/** A fresh address per test, so tests don't share accounts or flows. */
function freshEmail(prefix = 'user') {
  counter += 1
  return `${prefix}-${process.pid}-${Date.now()}-${counter}@example.com`
}

/**
 * Runs `script` in a fresh Node process with `env` added, and resolves its stdout parsed as
 * JSON. Jest's `process.env` is a copy, so tests of environment variables need a real process.
 */
function runNode(script, env = {}) {
  const { execFile } = require('node:child_process')
  const root = require('node:path').join(__dirname, '..')
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      // PATH only (and on Windows SystemRoot, without which a process cannot start its sockets).
      { cwd: root, env: { PATH: process.env.PATH, ...(process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}), ...env }, timeout: 20000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`))
        resolve(JSON.parse(stdout))
      },
    )
  })
}

/**
 * Runs a CLI as a child process. When it prints "mailed code 123456" on stderr (the emulator
 * does), the code is typed on its stdin, as a person would.
 */
function runCli(file, args, { typeCode = true, stdin, cwd } = {}) {
  const { spawn } = require('node:child_process')
  // A bin of node_modules/.bin is a .cmd shim on Windows, which only a shell starts.
  const shim = !file.endsWith('.js') && process.platform === 'win32'
  const command = file.endsWith('.js') ? process.execPath : shim ? `"${file}.cmd"` : file
  const argv = file.endsWith('.js') ? [file, ...args] : args
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: 'pipe', cwd, shell: shim })
    let stdout = ''
    let stderr = ''
    let typed = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      const m = /mailed code (\d{6})/.exec(stderr)
      if (typeCode && m && !typed) {
        typed = true
        child.stdin.end(`${m[1]}\n`)
      }
    })
    if (stdin !== undefined) child.stdin.end(stdin)
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * The error `promise` rejected with; fails the test when it resolves. The failure names only the
 * result's status: a resolved result may hold a session token.
 */
async function rejection(promise) {
  return promise.then(
    (r) => {
      throw new Error(`expected a rejection, resolved with status ${JSON.stringify(r?.status)}`)
    },
    (e) => e,
  )
}

module.exports = { useEmulator, clientFor, ids, freshEmail, runNode, runCli, rejection, UUID, SESSION_TOKEN }
