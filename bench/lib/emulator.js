// Starts the Kratos emulator as a separate process (fault injection off: no fault is ever set),
// optionally pinned to a core, with the benchmark's identities seeded from the command line.
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')

/** The emulator to run: the release binary, else a debug one, else the addon's JS CLI (smoke). */
function emulatorCommand(preferred) {
  const candidates = [
    preferred,
    path.join(ROOT, 'target', 'release', 'ory-otc-emulator'),
    path.join(ROOT, 'target', 'debug', 'ory-otc-emulator'),
  ].filter(Boolean)
  const bin = candidates.find((p) => fs.existsSync(p))
  if (bin) return { command: bin, args: [], kind: path.relative(ROOT, bin) }
  return { command: process.execPath, args: [path.join(ROOT, 'packages', 'emulator', 'bin', 'ory-otc-emulator.js')], kind: 'packages/emulator/bin/ory-otc-emulator.js' }
}

/** `user-<i>@bench.example`: one account per sign-in of a batch. */
const email = (i) => `user-${i}@bench.example`

/**
 * Starts an emulator with `identities` accounts on a free port. `cpu` pins it (taskset).
 * Resolves `{ url, pid, stop() }` once it printed its address.
 */
function startEmulator({ identities, cpu, bin }) {
  const { command, args } = emulatorCommand(bin)
  const argv = [...args, '--port', '0']
  for (let i = 0; i < identities; i++) argv.push('--identity', email(i))
  const [cmd, full] = cpu === undefined ? [command, argv] : ['taskset', ['-c', String(cpu), command, ...argv]]
  const child = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the emulator did not start within 30 s\n${stderr}`))
    }, 30000)
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      resolve({ url: m[1], pid: child.pid, stop: () => stop(child) })
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited (${code ?? signal}) before listening\n${stderr}`))
    })
  })
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

module.exports = { startEmulator, emulatorCommand, email }
