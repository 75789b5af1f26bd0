// What rejects, and with what: bad arguments (TypeError, before any request) and failures to
// reach or understand Ory (OryOtcError). Outcomes Kratos expects never reject.
const util = require('node:util')
const { OryOtc, OryOtcError, isOryOtcError } = require('..')
const { useEmulator, clientFor, freshEmail, runNode, rejection } = require('./helpers')

const FLOW = '0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d'

describe('bad arguments', () => {
  const emulator = useEmulator()

  const cases = [
    ['sendLoginCode(undefined)', (o) => o.sendLoginCode(undefined), 'ERR_INVALID_ARG_TYPE', /"email" argument must be of type string. Received undefined/],
    ['sendLoginCode(42)', (o) => o.sendLoginCode(42), 'ERR_INVALID_ARG_TYPE', /Received type number/],
    ['sendLoginCode("")', (o) => o.sendLoginCode(''), 'ERR_INVALID_ARG_VALUE', /must not be empty/],
    ['sendLoginCode(1 MiB)', (o) => o.sendLoginCode('a'.repeat(1 << 20) + '@x.io'), 'ERR_INVALID_ARG_VALUE', /at most 320/],
    ['sendLoginCode(NUL)', (o) => o.sendLoginCode('a\u0000@x.io'), 'ERR_INVALID_ARG_VALUE', /control characters/],
    ['verifyLoginCode(null)', (o) => o.verifyLoginCode(null), 'ERR_INVALID_ARG_TYPE', /"params" argument must be of type object/],
    ['verifyLoginCode(flowId with &)', (o) => o.verifyLoginCode({ flowId: `${FLOW}&x=1`, code: '123456' }), 'ERR_INVALID_ARG_VALUE', /flowId/],
    ['verifyLoginCode(flowId ../)', (o) => o.verifyLoginCode({ flowId: '../../admin/identities', code: '123456' }), 'ERR_INVALID_ARG_VALUE', /flowId/],
    ['verifyLoginCode(code letters)', (o) => o.verifyLoginCode({ flowId: FLOW, code: '12ab56' }), 'ERR_INVALID_ARG_VALUE', /"code" argument must be 4 to 16 digits/],
    ['verifyLoginCode(code 100 digits)', (o) => o.verifyLoginCode({ flowId: FLOW, code: '1'.repeat(100) }), 'ERR_INVALID_ARG_VALUE', /"code"/],
    ['verifyLoginCode(code number)', (o) => o.verifyLoginCode({ flowId: FLOW, code: 123456 }), 'ERR_INVALID_ARG_TYPE', /"params.code"/],
    ['verifyCode(flowType)', (o) => o.verifyCode({ flowId: FLOW, flowType: 'signup', code: '123456' }), 'ERR_INVALID_ARG_VALUE', /'login' or 'registration'/],
    ['sendRegistrationCode(traits array)', (o) => o.sendRegistrationCode('a@x.io', []), 'ERR_INVALID_ARG_TYPE', /"traits"/],
    ['whoami("")', (o) => o.whoami(''), 'ERR_INVALID_ARG_VALUE', /"sessionToken"/],
    ['logout({})', (o) => o.logout({}), 'ERR_INVALID_ARG_TYPE', /"sessionToken"/],
    ['signal: 5', (o) => o.sendLoginCode('a@x.io', { signal: 5 }), 'ERR_INVALID_ARG_TYPE', /"options.signal"/],
  ]

  test.each(cases)('%s rejects with a TypeError before any request', async (_name, call, code, message) => {
    const emu = emulator()
    const ory = clientFor(emu)
    const before = emu.requestCount
    const promise = call(ory)
    expect(util.types.isPromise(promise)).toBe(true)
    const err = await rejection(promise)
    expect(err).toBeInstanceOf(TypeError)
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
    expect(emu.requestCount).toBe(before)
  })

  test('a wrong code is never echoed in the error', async () => {
    const ory = clientFor(emulator())
    const err = await ory.verifyLoginCode({ flowId: FLOW, code: '98765x' }).catch((e) => e)
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE')
    expect(util.inspect(err)).not.toContain('98765')
  })
})

describe('configuration', () => {
  // The addon reads the real environment, which Jest's process.env does not change: a child
  // process whose environment holds no Ory variable at all (runNode passes PATH only).
  test('throws ERR_ORY_CONFIG when no URL is configured', async () => {
    const script = `const { OryOtc, OryOtcError, isOryOtcError } = require('.')
      try { new OryOtc(); console.log('"built"') }
      catch (e) { console.log(JSON.stringify({ ory: isOryOtcError(e), instance: e instanceof OryOtcError, code: e.code, retryable: e.retryable, message: e.message })) }`
    const err = await runNode(script, {})
    expect(err).toMatchObject({ ory: true, instance: true, code: 'ERR_ORY_CONFIG', retryable: false })
    expect(err.message).toMatch(/ORY_SDK_URL/)
  })

  test('takes the URL from ORY_SDK_URL, then ORY_PROJECT_SLUG', async () => {
    const script = `const { OryOtc } = require('.'); console.log(JSON.stringify(new OryOtc().origin))`
    expect(await runNode(script, { ORY_SDK_URL: 'https://example.projects.oryapis.com/' })).toBe(
      'https://example.projects.oryapis.com',
    )
    expect(await runNode(script, { ORY_PROJECT_SLUG: 'eager-bell-123' })).toBe('https://eager-bell-123.projects.oryapis.com')
  })

  test.each([
    [{ baseUrl: 'http://kratos.internal' }, 'ERR_ORY_CONFIG'],
    [{ baseUrl: 'https://user:secret@x.example' }, 'ERR_ORY_CONFIG'],
    [{ baseUrl: 'not a url' }, 'ERR_INVALID_ARG_VALUE'],
    [{ baseUrl: 42 }, 'ERR_INVALID_ARG_TYPE'],
    [{ baseUrl: 'https://x.example', timeoutMs: -1 }, 'ERR_INVALID_ARG_VALUE'],
    [{ baseUrl: 'https://x.example', timeoutMs: 1e12 }, 'ERR_INVALID_ARG_VALUE'],
    [{ baseUrl: 'https://x.example', timeoutMs: NaN }, 'ERR_INVALID_ARG_VALUE'],
    [{ baseUrl: 'https://x.example', allowHttp: 'yes' }, 'ERR_INVALID_ARG_TYPE'],
    ['https://x.example', 'ERR_INVALID_ARG_TYPE'],
  ])('new OryOtc(%p) throws %s', (options, code) => {
    expect(() => new OryOtc(options)).toThrow(expect.objectContaining({ code }))
    try {
      new OryOtc(options)
    } catch (e) {
      expect(e.message).not.toContain('secret')
    }
  })

  test('plain http is accepted off loopback only with allowHttp', () => {
    expect(new OryOtc({ baseUrl: 'http://kratos.internal:4433', allowHttp: true }).origin).toBe('http://kratos.internal:4433')
  })

  // Linux's platform verifier reads the CA bundle SSL_CERT_FILE and SSL_CERT_DIR name: pointed at
  // nothing, the system has no trust store, as a slim container without ca-certificates.
  const linux = process.platform === 'linux' ? describe : describe.skip
  if (process.platform !== 'linux') {
    console.log(`"on a system without a CA bundle" skipped: SSL_CERT_FILE/SSL_CERT_DIR decide the trust store on Linux only; this is ${process.platform}`)
  }
  linux('on a system without a CA bundle', () => {
    const emulator = useEmulator()
    const noTrustStore = { SSL_CERT_FILE: '/nonexistent/ca.pem', SSL_CERT_DIR: '/nonexistent' }

    test('an http:// URL, which never needs TLS, still signs in', async () => {
      const script = `const { OryOtc } = require('.')
        new OryOtc({ baseUrl: ${JSON.stringify(emulator().url)} }).sendLoginCode('nobody@example.com')
          .then((r) => console.log(JSON.stringify(r.status)), (e) => console.log(JSON.stringify(e.code + ' ' + e.message)))`
      expect(await runNode(script, noTrustStore)).toBe('account_not_found')
    })

    test('an https:// URL is ERR_ORY_CONFIG, saying TLS cannot be set up', async () => {
      const script = `const { OryOtc } = require('.')
        try { new OryOtc({ baseUrl: 'https://x.example' }); console.log('"built"') }
        catch (e) { console.log(JSON.stringify(e.code + ' ' + e.message)) }`
      expect(await runNode(script, noTrustStore)).toMatch(/^ERR_ORY_CONFIG .*cannot set up TLS/)
    })
  })
})

describe('failures to reach or understand Ory', () => {
  const emulator = useEmulator()
  afterEach(() => emulator().clearFaults())

  async function failure(promise) {
    const err = await rejection(promise)
    expect(isOryOtcError(err)).toBe(true)
    expect(err).toBeInstanceOf(OryOtcError)
    expect(err).toBeInstanceOf(Error)
    return err
  }

  test('a server that never answers: ERR_ORY_TIMEOUT within timeoutMs', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'hang' })
    const ory = clientFor(emu, { timeoutMs: 400 })
    const started = Date.now()
    const err = await failure(ory.sendLoginCode('a@example.com'))
    const ms = Date.now() - started
    expect(err.code).toBe('ERR_ORY_TIMEOUT')
    expect(err.retryable).toBe(true)
    // The server hangs for good: only the timeout ends the call. The upper bound leaves a loaded
    // machine 4 s and stays below the default timeout (10 s), so the 400 ms is what ended it.
    expect(ms).toBeGreaterThanOrEqual(400 - 1)
    expect(ms).toBeLessThan(400 + 4000)
  })

  /** A plain HTTP server answering every request with `status` and an HTML page; counts them by method. */
  async function answering(status) {
    const http = require('node:http')
    const requests = { GET: 0, POST: 0, DELETE: 0 }
    const server = http.createServer((req, res) => {
      requests[req.method] += 1
      res.writeHead(status, { 'content-type': 'text/html' }).end(`<html>${status}</html>`)
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    return {
      url: `http://127.0.0.1:${server.address().port}`,
      requests,
      close: () => {
        // The client keeps idle connections for reuse; close() alone would wait for them.
        server.closeAllConnections()
        return new Promise((r) => server.close(r))
      },
    }
  }

  test.each([
    [500, false, 1],
    [501, false, 1],
    [502, true, 3],
    [503, true, 3],
    [504, true, 3],
  ])('a %i: ERR_ORY_SERVER, retryable %s, a GET tried %i time(s), a DELETE once', async (status, retryable, gets) => {
    const server = await answering(status)
    try {
      const ory = new OryOtc({ baseUrl: server.url })
      const get = await failure(ory.whoami('ory_st_abc'))
      expect(get).toMatchObject({ code: 'ERR_ORY_SERVER', status, retryable })
      const del = await failure(ory.logout('ory_st_abc'))
      expect(del).toMatchObject({ code: 'ERR_ORY_SERVER', status, retryable })
      expect(server.requests).toEqual({ GET: gets, POST: 0, DELETE: 1 })
    } finally {
      await server.close()
    }
  })

  // A failure to connect is retried by a GET. A refused connection cannot be counted from the
  // server side, so the attempts are counted on a listener that accepts each connection and
  // closes it at once: over https:// the TLS handshake then fails, which is a failure to connect
  // of the same kind ("connection failed").
  test('a connection that fails to open: ERR_ORY_NETWORK, a GET tried 3 times, a POST or DELETE once', async () => {
    const net = require('node:net')
    let accepted = 0
    const server = net.createServer((socket) => {
      accepted += 1
      socket.destroy()
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    try {
      const ory = new OryOtc({ baseUrl: `https://127.0.0.1:${server.address().port}` })
      // Waits a little after each call, so a stray extra attempt would be counted.
      const attempts = async (call) => {
        const before = accepted
        const err = await failure(call())
        await new Promise((r) => setTimeout(r, 400))
        expect(err).toMatchObject({ code: 'ERR_ORY_NETWORK', retryable: true })
        expect(err.message).toMatch(/connection failed/)
        return accepted - before
      }
      expect({
        whoami: await attempts(() => ory.whoami('ory_st_abc')),
        logout: await attempts(() => ory.logout('ory_st_abc')),
        verify: await attempts(() => ory.verifyLoginCode({ flowId: FLOW, code: '123456', identifier: 'a@example.com' })),
      }).toEqual({ whoami: 3, logout: 1, verify: 1 })
    } finally {
      await new Promise((r) => server.close(r))
    }
  })

  // A refused connection is the same failure ("connection failed"), so a GET pauses twice
  // between its 3 attempts: at least 50 + 100 ms (the jittered backoff never goes below half
  // its 100 and 200 ms bases). Two attempts could not take that long.
  test('a refused connection: ERR_ORY_NETWORK, retryable; a GET waits out the two pauses of its 3 attempts', async () => {
    const net = require('node:net')
    const server = net.createServer()
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${server.address().port}`
    await new Promise((r) => server.close(r))
    const started = Date.now()
    const err = await failure(new OryOtc({ baseUrl: url }).whoami('ory_st_abc'))
    const ms = Date.now() - started
    expect(err).toMatchObject({ code: 'ERR_ORY_NETWORK', retryable: true })
    expect(err.message).toMatch(/connection failed/)
    expect(ms).toBeGreaterThanOrEqual(150 - 1) // less 1 ms of Date.now() granularity
  })

  test('a proxy 502 page: ERR_ORY_SERVER with status 502, retryable', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'bad_gateway' })
    const err = await failure(clientFor(emu).sendLoginCode('a@example.com'))
    expect(err).toMatchObject({ code: 'ERR_ORY_SERVER', status: 502, retryable: true })
  })

  test('truncated JSON and a body over 1 MiB: ERR_ORY_PROTOCOL', async () => {
    const emu = emulator()
    const ory = clientFor(emu)
    emu.setFault({ kind: 'truncated_json', route: '/self-service/login/api' })
    expect((await failure(ory.sendLoginCode('a@example.com'))).code).toBe('ERR_ORY_PROTOCOL')
    emu.clearFaults()
    emu.setFault({ kind: 'oversized_body' })
    const err = await failure(ory.sendLoginCode('a@example.com'))
    expect(err.code).toBe('ERR_ORY_PROTOCOL')
    expect(err.message).toMatch(/1 MiB/)
  })

  test('a 429 is a result, rate_limited, with the delay Ory asked for', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'rate_limited', retryAfterSeconds: 7 })
    const r = await clientFor(emu).sendLoginCode('a@example.com')
    expect(r).toEqual({ ok: false, status: 'rate_limited', retryAfterSeconds: 7, messages: [] })
  })

  test('a ui.action on another origin: ERR_ORY_PROTOCOL and nothing is posted', async () => {
    const emu = emulator()
    const email = freshEmail('foreign')
    await emu.createIdentity(email)
    emu.setFault({ kind: 'foreign_action', origin: 'http://127.0.0.2:9', route: '/self-service/login/api' })
    const before = emu.requestCount
    const err = await failure(clientFor(emu).sendLoginCode(email))
    expect(err.code).toBe('ERR_ORY_PROTOCOL')
    expect(err.message).toMatch(/another origin/)
    expect(emu.requestCount - before).toBe(1)
    expect(emu.codeFor(email)).toBeNull()
  })

  test('an AbortSignal cancels a call in flight: ERR_ORY_ABORTED', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'latency', latencyMs: 5000 })
    const controller = new AbortController()
    const started = Date.now()
    const promise = clientFor(emu).sendLoginCode('a@example.com', { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const err = await failure(promise)
    expect(err.code).toBe('ERR_ORY_ABORTED')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  test('an already aborted signal rejects without a request', async () => {
    const emu = emulator()
    const before = emu.requestCount
    const err = await failure(clientFor(emu).sendLoginCode('a@example.com', { signal: AbortSignal.abort() }))
    expect(err.code).toBe('ERR_ORY_ABORTED')
    expect(emu.requestCount).toBe(before)
  })

  test('a reused signal does not collect listeners', async () => {
    const emu = emulator()
    const controller = new AbortController()
    const ory = clientFor(emu)
    for (let i = 0; i < 20; i++) {
      await ory.sendLoginCode(freshEmail('sig'), { signal: controller.signal })
    }
    const { getEventListeners } = require('node:events')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  test('a session token never appears in an error', async () => {
    const emu = emulator()
    emu.setFault({ kind: 'bad_gateway' })
    const token = 'ory_st_' + 'S3cr3t'.repeat(5) + 'ab'
    const err = await failure(clientFor(emu).whoami(token))
    for (const text of [err.message, err.stack, util.inspect(err), JSON.stringify(err)]) {
      expect(text).not.toContain(token)
      expect(text).not.toContain('S3cr3t')
    }
  })
})
