// The emulator's JS handle, as users' own tests use it.
const net = require('node:net')
const { OryOtc } = require('..')
const { startEmulator } = require('ory-otc-emulator')
const { freshEmail } = require('./helpers')

async function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

describe('startEmulator', () => {
  test('listens on a free loopback port and frees it on close', async () => {
    const emu = await startEmulator()
    const { hostname, port } = new URL(emu.url)
    expect(hostname).toBe('127.0.0.1')
    expect(Number(port)).toBeGreaterThan(0)
    expect(await portIsFree(Number(port))).toBe(false)
    await emu.close()
    expect(await portIsFree(Number(port))).toBe(true)
  })

  test('seeds identities, reports codes and courier messages newest first', async () => {
    const email = freshEmail('seed')
    const emu = await startEmulator({ identities: [email] })
    try {
      const ory = new OryOtc({ baseUrl: emu.url })
      expect(emu.codeFor(email)).toBeNull()
      await ory.sendLoginCode(email)
      const first = emu.codeFor(email)
      await ory.sendLoginCode(email)
      const messages = emu.messages()
      expect(messages).toHaveLength(2)
      expect(messages[0]).toMatchObject({ recipient: email, templateType: 'login_code_valid', status: 'queued' })
      expect(messages[0].subject).toBe(`Use code ${emu.codeFor(email)} to log in`)
      expect(messages[1].body).toContain(first)
    } finally {
      await emu.close()
    }
  })

  test('createIdentity refuses a duplicate', async () => {
    const emu = await startEmulator()
    try {
      const email = freshEmail('dup')
      const identity = emu.createIdentity(email, { newsletter: true })
      expect(identity.traits).toEqual({ email, newsletter: true })
      expect(() => emu.createIdentity(email)).toThrow(/exists/)
    } finally {
      await emu.close()
    }
  })

  test('an api key guards the admin routes', async () => {
    const emu = await startEmulator({ apiKey: 'test-key' })
    try {
      expect(emu.apiKey).toBe('test-key')
      const denied = await fetch(`${emu.url}/admin/courier/messages`)
      expect(denied.status).toBe(401)
      const allowed = await fetch(`${emu.url}/admin/courier/messages`, { headers: { authorization: 'Bearer test-key' } })
      expect(allowed.status).toBe(200)
      expect(await allowed.json()).toEqual([])
    } finally {
      await emu.close()
    }
  })

  test('a fault limited to one request applies once', async () => {
    const emu = await startEmulator()
    try {
      emu.setFault({ kind: 'bad_gateway', route: '/self-service/login/api', times: 1 })
      const first = await fetch(`${emu.url}/self-service/login/api`, { headers: { accept: 'application/json' } })
      expect(first.status).toBe(502)
      const second = await fetch(`${emu.url}/self-service/login/api`, { headers: { accept: 'application/json' } })
      expect(second.status).toBe(200)
    } finally {
      await emu.close()
    }
  })

  test.each([
    [{ port: -1 }, 'ERR_INVALID_ARG_VALUE'],
    [{ port: 'x' }, 'ERR_INVALID_ARG_TYPE'],
    [{ kratosVersion: 'v9' }, 'ERR_INVALID_ARG_VALUE'],
    [{ maxSubmissions: 0 }, 'ERR_INVALID_ARG_VALUE'],
    [{ identities: 'a@b.c' }, 'ERR_INVALID_ARG_TYPE'],
  ])('startEmulator(%p) rejects with %s', async (options, code) => {
    await expect(startEmulator(options)).rejects.toMatchObject({ name: 'TypeError', code })
  })

  test.each([
    [{ kind: 'nope' }, 'ERR_INVALID_ARG_VALUE'],
    [{ kind: 'latency' }, 'ERR_INVALID_ARG_VALUE'],
    [{}, 'ERR_INVALID_ARG_TYPE'],
  ])('setFault(%p) throws %s', async (fault, code) => {
    const emu = await startEmulator()
    try {
      expect(() => emu.setFault(fault)).toThrow(expect.objectContaining({ code }))
    } finally {
      await emu.close()
    }
  })
})
