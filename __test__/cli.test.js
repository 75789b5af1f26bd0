// The CLIs end to end: `ory-otc` signs in against an in-process emulator, reading the code from
// stdin; `ory-otc-emulator` serves until SIGTERM. Both run as real child processes.
const path = require('node:path')
const { spawn } = require('node:child_process')
const { runCli } = require('./helpers')

const BIN = path.join(__dirname, '..', 'bin')
const EMULATOR_BIN = path.join(__dirname, '..', 'packages', 'emulator', 'bin')

const run = (bin, args, opts) => runCli(path.join(bin === 'ory-otc-emulator.js' ? EMULATOR_BIN : BIN, bin), args, opts)

describe('ory-otc CLI', () => {
  test('subscribe signs a new address in and hides the token', async () => {
    const r = await run('ory-otc.js', ['subscribe', 'ada@example.com', '--emulator'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^send: code_sent\nverify: signed_in\nsigned in as ada@example.com \(registration\)/)
    expect(r.stdout).toMatch(/token {5}ory_st_… \(hidden/)
    expect(r.stdout).not.toMatch(/ory_st_[A-Za-z0-9]{32}/)
  })

  test('login --json prints one JSON document, and --show-token the whole token', async () => {
    const r = await run('ory-otc.js', ['login', 'bob@example.com', '--emulator', '--json', '--show-token'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ exitCode: 0, send: { status: 'code_sent', flowType: 'login' }, verify: { status: 'signed_in' } })
    expect(out.verify.sessionToken).toMatch(/^ory_st_[A-Za-z0-9]{32}$/)
  })

  test('a wrong code exits 1 with the status', async () => {
    // The emulator mails six digits, so a seven-digit code is always wrong.
    const r = await run('ory-otc.js', ['login', 'carol@example.com', '--emulator', '--code', '0000000'], { typeCode: false })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/verify: invalid_code/)
  })

  test.each([
    [[], 2, /a command is required/],
    [['frobnicate', 'a@b.c'], 2, /unknown command "frobnicate"/],
    [['login'], 2, /login needs an e-mail address/],
    [['login', 'a@b.c', '--code', '12ab'], 2, /--code must be 4 to 16 digits/],
    [['login', 'a@b.c', '--bogus'], 2, /Unknown option '--bogus'/],
    [['login', '', '--emulator'], 2, /login needs an e-mail address/],
    [['login', '   ', '--emulator'], 2, /login needs an e-mail address/],
    [['login', 'a\u0001@b.c', '--base-url', 'http://127.0.0.1:1'], 2, /"email" argument must not contain control characters/],
    [['login', 'a@b.c', '--base-url', 'http://127.0.0.1:1', '--code', '123456'], 3, /ERR_ORY_NETWORK/],
    [['login', 'a@b.c', '--base-url', 'http://example.com', '--code', '123456'], 3, /ERR_ORY_CONFIG/],
  ])('ory-otc %p exits %i', async (args, code, message) => {
    const r = await run('ory-otc.js', args, { typeCode: false })
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(message)
  })

  test('a closed stdin instead of a code exits 2', async () => {
    const r = await run('ory-otc.js', ['login', 'dan@example.com', '--emulator'], { typeCode: false, stdin: '' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/no code given/)
  })
})

describe('ory-otc-emulator CLI', () => {
  test('prints its URL, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(EMULATOR_BIN, 'ory-otc-emulator.js'), '--port', '0', '--identity', 'a@example.com'])
    let stdout = ''
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d
        const m = /^ory-otc-emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)
        if (m) resolve(m[1])
      })
      child.on('exit', () => reject(new Error(`exited early: ${stdout}`)))
    })
    const flow = await fetch(`${url}/self-service/login/api`, { headers: { accept: 'application/json' } })
    expect(flow.status).toBe(200)
    expect((await flow.json()).state).toBe('choose_method')
    child.kill('SIGTERM')
    const [code] = await new Promise((resolve) => child.on('exit', (...a) => resolve(a)))
    expect(code).toBe(0)
    await expect(fetch(`${url}/health/alive`)).rejects.toThrow()
  })

  test('refuses a bad flag with exit 2', async () => {
    const r = await run('ory-otc-emulator.js', ['--port', 'abc'], { typeCode: false })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--port must be a whole number/)
  })
})
