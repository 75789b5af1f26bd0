#!/usr/bin/env node
// The Kratos emulator on its own: `npx ory-otc-emulator --port 4433`.
// Prints one line with its URL, serves until Ctrl-C or SIGTERM, then closes cleanly.
'use strict'
const { parseArgs } = require('node:util')
const { startEmulator } = require('..')

const usage = `Usage: ory-otc-emulator [options]

  --port <n>                      port to listen on (default 4433; 0 picks a free one)
  --host <ip>                     address to listen on (default 127.0.0.1)
  --api-key <key>                 require "Authorization: Bearer <key>" on /admin/*
  --config <kratos.yml>           answer as the Kratos of this config file (the flags win over it)
  --kratos-version <v>            latest | v26.2.0 | v1.3.1 (default latest)
  --identity <email>              an account that exists from the start (repeatable)
  --code-lifespan-ms <ms>         default 3600000
  --flow-lifespan-ms <ms>         default 3600000
  --max-submissions <n>           code submissions per flow (default 5)
  --no-session-after-registration registration issues no session
  --no-dev                        redact codes on the admin courier API
  -h, --help`

function fail(message) {
  process.stderr.write(`ory-otc-emulator: ${message}\n\n${usage}\n`)
  process.exit(2)
}

function number(name, value) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

async function main() {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4433' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        config: { type: 'string' },
        'kratos-version': { type: 'string' },
        identity: { type: 'string', multiple: true },
        'code-lifespan-ms': { type: 'string' },
        'flow-lifespan-ms': { type: 'string' },
        'max-submissions': { type: 'string' },
        'no-session-after-registration': { type: 'boolean' },
        'no-dev': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (e) {
    fail(e.message)
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const emu = await startEmulator({
    port: number('port', values.port),
    host: values.host,
    apiKey: values['api-key'],
    config: values.config,
    kratosVersion: values['kratos-version'],
    identities: values.identity,
    codeLifespanMs: number('code-lifespan-ms', values['code-lifespan-ms']),
    flowLifespanMs: number('flow-lifespan-ms', values['flow-lifespan-ms']),
    maxSubmissions: number('max-submissions', values['max-submissions']),
    // Left out unless given, so that a --config file's hooks and defaults stand.
    sessionAfterRegistration: values['no-session-after-registration'] ? false : undefined,
    devMode: values['no-dev'] ? false : undefined,
  }).catch((e) => fail(e.message))
  process.stdout.write(`ory-otc-emulator listening on ${emu.url}\n`)

  // The server runs on the addon's threads, which hold no event-loop handle: keep one open.
  const keepAlive = setInterval(() => {}, 1 << 30)
  let closing = false
  const stop = async (signal) => {
    if (closing) return
    closing = true
    await emu.close()
    clearInterval(keepAlive)
    process.stderr.write(`ory-otc-emulator: stopped (${signal})\n`)
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main()
