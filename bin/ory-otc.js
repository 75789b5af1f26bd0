#!/usr/bin/env node
// Sign in with an e-mailed one-time code from the terminal:
//   npx ory-otc login <email>       an existing account
//   npx ory-otc register <email>    a new account
//   npx ory-otc subscribe <email>   login, or registration when there is no account
// Against ORY_SDK_URL (or --base-url), or an in-process emulator (ory-otc-emulator) with --emulator.
'use strict'
const readline = require('node:readline')
const { parseArgs } = require('node:util')
const { OryOtc, isOryOtcError } = require('..')

/** The emulator package, a devDependency: only `--emulator` needs it. */
function loadEmulator() {
  try {
    return require('ory-otc-emulator')
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e
    throw new UsageError('--emulator needs the package ory-otc-emulator: npm install --save-dev ory-otc-emulator')
  }
}

const EXIT = {
  ok: 0, // signed in (or registered)
  refused: 1, // Kratos refused: unknown account, wrong code, expired flow, rate limit, …
  usage: 2, // bad command line or bad input
  unavailable: 3, // Ory could not be reached or answered unexpectedly (OryOtcError)
  internal: 4, // a bug in this CLI or the addon
  interrupted: 130,
}

const usage = `Usage: ory-otc <login|register|subscribe> <email> [options]

Sends a one-time code, asks for it, and prints the session.

  --base-url <url>   Ory's URL (default: $ORY_SDK_URL, or https://$ORY_PROJECT_SLUG.projects.oryapis.com)
  --emulator         use an in-process Kratos emulator (ory-otc-emulator); prints the code it mailed
  --code <digits>    the code, instead of asking for it
  --timeout-ms <ms>  per call (default 10000)
  --json             print machine-readable JSON
  --show-token       print the whole session token (it is a secret)
  -h, --help

Exit codes: 0 signed in, 1 refused by Ory (see the status), 2 bad input, 3 Ory unreachable or
unexpected, 4 internal error, 130 interrupted.`

class UsageError extends Error {}

function parse(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'base-url': { type: 'string' },
        emulator: { type: 'boolean' },
        code: { type: 'string' },
        'timeout-ms': { type: 'string' },
        json: { type: 'boolean' },
        'show-token': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new UsageError(e.message)
  }
  const { values, positionals } = parsed
  if (values.help) return { help: true }
  const [command, email, ...rest] = positionals
  if (!['login', 'register', 'subscribe'].includes(command)) {
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'a command is required')
  }
  if (!email?.trim()) throw new UsageError(`${command} needs an e-mail address`)
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`)
  if (values.code !== undefined && !/^\d{4,16}$/.test(values.code)) throw new UsageError('--code must be 4 to 16 digits')
  if (values['timeout-ms'] !== undefined && !/^\d+$/.test(values['timeout-ms'])) {
    throw new UsageError('--timeout-ms must be a whole number')
  }
  return { command, email, ...values }
}

/** Asks for the code on a terminal; reads one line from a pipe. */
async function askCode(prompt) {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined })
  try {
    const line = await new Promise((resolve) => {
      rl.once('close', () => resolve(null))
      if (process.stdin.isTTY) rl.question(prompt, resolve)
      else rl.once('line', resolve)
    })
    if (line === null) throw new UsageError('no code given (stdin closed)')
    const code = line.trim()
    if (!/^\d{4,16}$/.test(code)) throw new UsageError('the code must be 4 to 16 digits')
    return code
  } finally {
    rl.close()
  }
}

function redact(token, show) {
  if (!token) return undefined
  return show ? token : `${token.slice(0, 7)}… (hidden; --show-token prints it)`
}

function summary(result, showToken) {
  const out = { ...result }
  if ('sessionToken' in out) out.sessionToken = redact(out.sessionToken, showToken)
  return out
}

async function run(opts, print) {
  let emu
  try {
    let baseUrl = opts['base-url']
    if (opts.emulator) {
      emu = await loadEmulator().startEmulator()
      baseUrl = emu.url
      if (opts.command === 'login') emu.createIdentity(opts.email) // an account to sign in to
      print.info(`emulator listening on ${emu.url}`)
    }
    const ory = new OryOtc({ baseUrl, timeoutMs: opts['timeout-ms'] ? Number(opts['timeout-ms']) : undefined })
    const send = { login: 'sendLoginCode', register: 'sendRegistrationCode', subscribe: 'sendCode' }[opts.command]
    const sent = await ory[send](opts.email)
    print.step('send', sent)
    if (!sent.ok) return EXIT.refused
    if (emu) print.info(`emulator mailed code ${emu.codeFor(opts.email)} to ${sent.identifier}`)

    const code = opts.code ?? (await askCode(`Code sent to ${sent.identifier}. Code: `))
    const verified = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code, identifier: sent.identifier })
    print.step('verify', summary(verified, opts['show-token']))
    if (!verified.ok) return EXIT.refused
    print.done(verified, opts['show-token'])
    return EXIT.ok
  } finally {
    await emu?.close()
  }
}

function printer(json) {
  const steps = {}
  return {
    // Progress goes to stderr in both modes, so stdout stays one JSON document with --json.
    info: (line) => process.stderr.write(`${line}\n`),
    step: (name, result) => {
      steps[name] = result
      if (json) return
      process.stdout.write(`${name}: ${result.status}${result.ok ? '' : ` ${JSON.stringify(result)}`}\n`)
    },
    done: (v, showToken) => {
      if (json) return
      const s = v.session
      const lines = [
        `signed in as ${v.identity.traits.email ?? v.identity.id} (${v.flowType})`,
        `  identity  ${v.identity.id}`,
        s && `  session   ${s.id}, expires ${s.expiresAt}`,
        v.sessionToken && `  token     ${redact(v.sessionToken, showToken)}`,
      ]
      process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`)
    },
    flush: (exit, error) => {
      if (json) process.stdout.write(`${JSON.stringify({ exitCode: exit, ...steps, ...(error ? { error } : {}) })}\n`)
    },
  }
}

async function main() {
  let opts
  try {
    opts = parse(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`ory-otc: ${e.message}\n\n${usage}\n`)
    return EXIT.usage
  }
  if (opts.help) {
    process.stdout.write(`${usage}\n`)
    return EXIT.ok
  }
  const print = printer(opts.json)
  process.on('SIGINT', () => process.exit(EXIT.interrupted))
  try {
    const exit = await run(opts, print)
    print.flush(exit)
    return exit
  } catch (e) {
    const exit = e instanceof UsageError || e?.name === 'TypeError' ? EXIT.usage : isOryOtcError(e) ? EXIT.unavailable : EXIT.internal
    const error = { name: e?.name, code: e?.code, message: e?.message }
    if (opts.json) print.flush(exit, error)
    else process.stderr.write(`ory-otc: ${e?.message ?? e}${e?.code ? ` (${e.code})` : ''}\n`)
    return exit
  }
}

main().then((code) => {
  process.exitCode = code
})
