// Shared set-up for the Jest suites: an emulator per test file and clients pointed at it.
const { OryOtc, startEmulator } = require('..')

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
      { cwd: root, env: { PATH: process.env.PATH, ...env }, timeout: 20000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`))
        resolve(JSON.parse(stdout))
      },
    )
  })
}

module.exports = { useEmulator, clientFor, ids, freshEmail, runNode, UUID, SESSION_TOKEN }
