// The drop-in functions, on a default client built from the environment at the first call.
// Jest's process.env is a copy, so the environment is set on a real child process.
const { completeOtcLogin, initiateOtcLogin } = require('..')
const { useEmulator, runNode, freshEmail, SESSION_TOKEN } = require('./helpers')

describe('initiateOtcLogin / completeOtcLogin', () => {
  const emulator = useEmulator()

  test('sign a user in with ORY_SDK_URL and no other configuration', async () => {
    const emu = emulator()
    const email = freshEmail('dropin')
    await emu.createIdentity(email)
    // The child sends the code, waits for it on stdin, and completes the login.
    const script = `
      const { initiateOtcLogin, completeOtcLogin } = require('.')
      ;(async () => {
        const sent = await initiateOtcLogin(${JSON.stringify(email)})
        const code = await new Promise((r) => process.stdin.once('data', (d) => r(String(d).trim())))
        const done = await completeOtcLogin(sent.flowId, code)
        console.log(JSON.stringify({ sent, done }))
        process.exit(0)
      })()`
    const { spawn } = require('node:child_process')
    const child = spawn(process.execPath, ['-e', script], {
      cwd: require('node:path').join(__dirname, '..'),
      env: { PATH: process.env.PATH, ORY_SDK_URL: emu.url },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const deadline = Date.now() + 10000
    while (!emu.codeFor(email) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    child.stdin.end(emu.codeFor(email) + '\n')
    await new Promise((resolve) => child.on('close', resolve))
    const { sent, done } = JSON.parse(out)
    expect(sent).toMatchObject({ ok: true, status: 'code_sent', flowType: 'login', identifier: email })
    expect(done).toMatchObject({ ok: true, status: 'signed_in', flowType: 'login' })
    expect(done.sessionToken).toMatch(SESSION_TOKEN)
  })

  test('without any configuration they reject with ERR_ORY_CONFIG, not throw', async () => {
    const script = `
      const { initiateOtcLogin, isOryOtcError } = require('.')
      initiateOtcLogin('a@example.com').then(
        () => console.log('null'),
        (e) => console.log(JSON.stringify({ code: e.code, ory: isOryOtcError(e) })),
      )`
    expect(await runNode(script)).toEqual({ code: 'ERR_ORY_CONFIG', ory: true })
  })

  test('check their arguments before the configuration', async () => {
    await expect(completeOtcLogin('nope', '123456')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(completeOtcLogin('0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d', 123456)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(initiateOtcLogin('')).rejects.toBeInstanceOf(TypeError)
  })
})
