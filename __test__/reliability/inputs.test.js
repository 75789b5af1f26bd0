// Bad-input table (issue 7, items 2 and 3): every public method and option, given wrong types,
// null/undefined, empty strings, 1 MiB strings, control characters and NUL, flow ids carrying
// `&`, `/`, `..`, `%`, codes with letters or 100 digits, bad timeouts and base URLs. Each
// rejects with the documented TypeError code before any request (the emulator counts none),
// and no error repeats the value it refused (it may be a code or a token).
const util = require('node:util')
const path = require('node:path')
const { OryOtc, OryOtcError } = require('../..')
const { startEmulator } = require('ory-otc-emulator')
const { useEmulator, runNode, freshEmail, rejection } = require('../helpers')
const h = require('./harness')

// Not the example UUID that the flowId error message shows.
const FLOW = '6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b'
const MIB = 'a'.repeat(1 << 20)
const TYPE = 'ERR_INVALID_ARG_TYPE'
const VALUE = 'ERR_INVALID_ARG_VALUE'

function cyclic() {
  const o = { email: 'a@example.com' }
  o.self = o
  return o
}
function deep(levels) {
  const root = {}
  let o = root
  for (let i = 0; i < levels; i++) o = o.next = {}
  return root
}

// Values of the wrong type for a string argument.
const NOT_STRINGS = [
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['a boolean', true],
  ['an object', {}],
  ['an array', []],
  ['a symbol', Symbol('s')],
  ['a bigint', 10n],
  ['a function', () => {}],
]
const OPTIONAL_NOT_STRINGS = NOT_STRINGS.filter(([n]) => n !== 'undefined' && n !== 'null')

const BAD_EMAILS = [
  ['empty', ''],
  ['blank', '   '],
  ['1 MiB', `${MIB}@example.com`],
  ['321 bytes', `${'a'.repeat(309)}@example.com`],
  ['NUL', 'a\u0000@example.com'],
  ['a newline', 'a\n@example.com'],
  ['CR LF', 'a@example.com\r\nBcc: b@example.com'],
  ['a tab', 'a\t@example.com'],
  ['DEL', 'a\u007f@example.com'],
  ['a C1 control (NEL)', 'a\u0085@example.com'],
  ['an escape sequence', '\u001b[31ma@example.com'],
]

const BAD_FLOW_IDS = [
  ['empty', ''],
  ['a query (&)', `${FLOW}&x=1`],
  ['a path (/)', `${FLOW}/../../admin`],
  ['a traversal (..)', '../../admin/identities'],
  ['just ..', '..'],
  ['percent-encoding (%)', '%2e%2e%2fadmin'],
  ['a percent-encoded NUL', `${FLOW}%00`],
  ['NUL', `${FLOW}\u0000`],
  ['braces', `{${FLOW}}`],
  ['no hyphens', FLOW.replaceAll('-', '')],
  ['a URN', `urn:uuid:${FLOW}`],
  ['a leading space', ` ${FLOW}`],
  ['a non-hex letter', FLOW.replace('b', 'g')],
  ['a non-ASCII digit', FLOW.replace('6', '٦')],
  ['1 MiB', MIB],
]

const BAD_CODES = [
  ['empty', ''],
  ['letters', '12a456'],
  ['all letters', 'abcdef'],
  ['full-width digits', '１２３４５６'],
  ['Arabic-Indic digits', '١٢٣٤٥٦'],
  ['3 digits', '123'],
  ['17 digits', '1'.repeat(17)],
  ['100 digits', '1'.repeat(100)],
  ['a leading space', ' 123456'],
  ['a trailing newline', '123456\n'],
  ['NUL', '12345\u0000'],
  ['a sign', '-123456'],
  ['a decimal point', '123.456'],
  ['1 MiB of digits', '7'.repeat(1 << 20)],
]

const BAD_TOKENS = [
  ['empty', ''],
  ['a space', 'ory_st_abc def'],
  ['a newline', 'ory_st_abc\ndef'],
  ['CR LF (header injection)', 'ory_st_abc\r\nX-Admin: 1'],
  ['NUL', 'ory_st_abc\u0000'],
  ['non-ASCII', 'ory_st_tökén'],
  ['4097 characters', `ory_st_${'x'.repeat(4090)}`],
  ['1 MiB', MIB],
]

const BAD_CALL_OPTIONS = [
  ['a number', 5, TYPE],
  ['a string', 'x', TYPE],
  ['an array', [], TYPE],
  ['signal: a number', { signal: 5 }, TYPE],
  ['signal: a string', { signal: 'x' }, TYPE],
  ['signal: {}', { signal: {} }, TYPE],
  ['signal: no addEventListener', { signal: { aborted: false } }, TYPE],
  ['signal: aborted not a boolean', { signal: { aborted: 'no', addEventListener() {} } }, TYPE],
]

const BAD_TRAITS = [
  ['a number', 5, TYPE],
  ['a string', 'x', TYPE],
  ['an array', [], TYPE],
  ['a boolean', true, TYPE],
  ['a function', () => {}, TYPE],
  ['a symbol', Symbol('t'), TYPE],
  ['a cycle', cyclic(), VALUE],
  ['nested 10,000 deep', deep(10000), VALUE],
]

const BAD_FLOW_TYPES = [
  ['missing', undefined, TYPE],
  ['a number', 1, TYPE],
  ['empty', '', VALUE],
  ['upper case', 'LOGIN', VALUE],
  ['another flow', 'recovery', VALUE],
  ['NUL', 'login\u0000', VALUE],
]

// [label, (ory) => promise, code, the refused value (checked not to appear in the error)]
const rows = []
const add = (method, label, call, code, value) => rows.push([`${method}(${label})`, code, call, value])

for (const [m, call] of [
  ['sendLoginCode', (o, email, opts) => o.sendLoginCode(email, opts)],
  ['sendRegistrationCode', (o, email, opts) => o.sendRegistrationCode(email, undefined, opts)],
  ['sendCode', (o, email, opts) => o.sendCode(email, null, opts)],
]) {
  for (const [n, v] of NOT_STRINGS) add(m, `email: ${n}`, (o) => call(o, v), TYPE)
  for (const [n, v] of BAD_EMAILS) add(m, `email: ${n}`, (o) => call(o, v), VALUE, v)
  for (const [n, v, code] of BAD_CALL_OPTIONS) add(m, `options: ${n}`, (o) => call(o, 'a@example.com', v), code)
}
for (const m of ['sendRegistrationCode', 'sendCode']) {
  for (const [n, v, code] of BAD_TRAITS) add(m, `traits: ${n}`, (o) => o[m]('a@example.com', v), code)
}

const verifiers = [
  ['verifyLoginCode', (p) => ({ identifier: 'a@example.com', ...p })],
  ['verifyRegistrationCode', (p) => p],
  ['verifyCode', (p) => ({ flowType: 'login', ...p })],
]
for (const [m, params] of verifiers) {
  for (const [n, v] of NOT_STRINGS) add(m, `params: ${n}`, (o) => o[m](v), TYPE)
  for (const [n, v] of NOT_STRINGS) add(m, `params.flowId: ${n}`, (o) => o[m](params({ flowId: v, code: '123456' })), TYPE)
  for (const [n, v] of NOT_STRINGS) add(m, `params.code: ${n}`, (o) => o[m](params({ flowId: FLOW, code: v })), TYPE)
  for (const [n, v] of BAD_FLOW_IDS) add(m, `params.flowId: ${n}`, (o) => o[m](params({ flowId: v, code: '123456' })), VALUE, v)
  for (const [n, v] of BAD_CODES) add(m, `params.code: ${n}`, (o) => o[m](params({ flowId: FLOW, code: v })), VALUE, v)
  for (const [n, v, code] of BAD_CALL_OPTIONS) add(m, `options: ${n}`, (o) => o[m](params({ flowId: FLOW, code: '123456' }), v), code)
}
for (const m of ['verifyLoginCode', 'verifyCode']) {
  const base = { flowId: FLOW, code: '123456', flowType: 'login' }
  for (const [n, v] of OPTIONAL_NOT_STRINGS) add(m, `params.identifier: ${n}`, (o) => o[m]({ ...base, identifier: v }), TYPE)
  for (const [n, v] of BAD_EMAILS) add(m, `params.identifier: ${n}`, (o) => o[m]({ ...base, identifier: v }), VALUE, v)
}
for (const [n, v, code] of BAD_TRAITS) {
  add('verifyRegistrationCode', `params.traits: ${n}`, (o) => o.verifyRegistrationCode({ flowId: FLOW, code: '123456', traits: v }), code)
}
for (const m of ['verifyCode', 'resendCode']) {
  for (const [n, v, code] of BAD_FLOW_TYPES) add(m, `params.flowType: ${n}`, (o) => o[m]({ flowId: FLOW, code: '123456', flowType: v }), code)
}
for (const [n, v] of NOT_STRINGS) add('resendCode', `params: ${n}`, (o) => o.resendCode(v), TYPE)
for (const [n, v] of NOT_STRINGS) add('resendCode', `params.flowId: ${n}`, (o) => o.resendCode({ flowId: v, flowType: 'login' }), TYPE)
for (const [n, v] of BAD_FLOW_IDS) add('resendCode', `params.flowId: ${n}`, (o) => o.resendCode({ flowId: v, flowType: 'registration' }), VALUE, v)
for (const [n, v] of OPTIONAL_NOT_STRINGS) add('resendCode', `params.identifier: ${n}`, (o) => o.resendCode({ flowId: FLOW, flowType: 'login', identifier: v }), TYPE)
for (const [n, v] of BAD_EMAILS) add('resendCode', `params.identifier: ${n}`, (o) => o.resendCode({ flowId: FLOW, flowType: 'login', identifier: v }), VALUE, v)
for (const [n, v, code] of BAD_CALL_OPTIONS) add('resendCode', `options: ${n}`, (o) => o.resendCode({ flowId: FLOW, flowType: 'login' }, v), code)
for (const m of ['whoami', 'logout']) {
  for (const [n, v] of NOT_STRINGS) add(m, `sessionToken: ${n}`, (o) => o[m](v), TYPE)
  for (const [n, v] of BAD_TOKENS) add(m, `sessionToken: ${n}`, (o) => o[m](v), VALUE, v)
  for (const [n, v, code] of BAD_CALL_OPTIONS) add(m, `options: ${n}`, (o) => o[m]('ory_st_abc', v), code)
}

/** A refused value must not come back in the error, whole or as its first 16 characters. */
function echoes(error, value) {
  if (typeof value !== 'string' || value.trim().length < 4) return []
  return h.leaks(error, { whole: value, head: value.slice(0, 16) })
}

describe('bad arguments reject before any request', () => {
  const emulator = useEmulator()

  test.each(rows)('%s rejects with %s', async (_label, code, call, value) => {
    const emu = emulator()
    const ory = new OryOtc({ baseUrl: emu.url })
    const before = emu.requestCount
    const promise = call(ory)
    expect(util.types.isPromise(promise)).toBe(true)
    const err = await rejection(promise)
    expect(err).toBeInstanceOf(TypeError)
    expect(err.code).toBe(code)
    expect(emu.requestCount).toBe(before)
    expect(echoes(err, value)).toEqual([])
  })

  // A getter or method of the caller's object that throws leaves a JS exception pending; the
  // call must still return a promise, rejected with the documented TypeError.
  const boom = () => {
    throw new Error('boom from a getter')
  }
  test.each([
    ['a params getter', (ory) => ory.verifyLoginCode({ get flowId() { return boom() }, code: '123456' })],
    ['a signal whose aborted getter', (ory) => ory.sendLoginCode('a@example.com', { signal: { get aborted() { return boom() }, addEventListener() {} } })],
    ['a signal whose addEventListener', (ory) => ory.sendLoginCode('a@example.com', { signal: { aborted: false, addEventListener: boom } })],
    ['an options getter', (ory) => ory.whoami('ory_st_abc', { get signal() { return boom() } })],
  ])('%s that throws: a rejected promise, no request', async (_label, call) => {
    const emu = emulator()
    const ory = new OryOtc({ baseUrl: emu.url })
    const before = emu.requestCount
    let promise
    expect(() => {
      promise = call(ory)
    }).not.toThrow()
    expect(util.types.isPromise(promise)).toBe(true)
    const err = await rejection(promise)
    expect(err).toBeInstanceOf(TypeError)
    expect(err.code).toBe(TYPE)
    expect(emu.requestCount).toBe(before)
  })

  test('a signal whose removeEventListener throws: the call still settles, nothing uncaught', async () => {
    const emu = emulator()
    const out = await runNode(`
      const { OryOtc } = require('.')
      let uncaught = null
      process.on('uncaughtException', (e) => { uncaught = e.message })
      const signal = { aborted: false, addEventListener() {}, removeEventListener() { throw new Error('boom') } }
      new OryOtc({ baseUrl: process.env.URL }).sendLoginCode('nobody@example.com', { signal })
        .then((r) => r.status, (e) => 'rejected ' + e.code)
        .then((settled) => setTimeout(() => console.log(JSON.stringify({ settled, uncaught })), 50))
    `, { URL: emu.url })
    expect(out).toEqual({ settled: 'account_not_found', uncaught: null })
  })

  test('the table covers every method of OryOtc', () => {
    const methods = Object.entries(Object.getOwnPropertyDescriptors(OryOtc.prototype))
      .filter(([n, d]) => typeof d.value === 'function' && n !== 'constructor')
      .map(([n]) => n)
    expect(methods.length).toBe(9)
    const covered = new Set(rows.map(([label]) => label.split('(')[0]))
    expect(methods.filter((m) => !covered.has(m))).toEqual([])
    // README and docs/reliability.md say "more than 450 cases" of bad arguments to the methods.
    expect(rows.length).toBeGreaterThan(450)
  })
})

describe('values the API accepts and passes to Kratos to judge', () => {
  const emulator = useEmulator()

  test.each([
    ['a non-ASCII address', (o) => o.sendLoginCode('ädä@exämple.com'), 'account_not_found'],
    ['an address with U+2028', (o) => o.sendLoginCode('a\u2028b@example.com'), 'account_not_found'],
    ['an address with a lone surrogate', (o) => o.sendLoginCode('a\ud800@example.com'), 'account_not_found'],
    ['a 320-byte address', (o) => o.sendLoginCode(`${'a'.repeat(308)}@example.com`), 'account_not_found'],
    ['an upper-case flow id', (o) => o.verifyLoginCode({ flowId: FLOW.toUpperCase(), code: '123456', identifier: 'a@example.com' }), 'flow_not_found'],
    ['a 4-digit code', (o) => o.verifyLoginCode({ flowId: FLOW, code: '1234', identifier: 'a@example.com' }), 'flow_not_found'],
    ['a 16-digit code', (o) => o.verifyLoginCode({ flowId: FLOW, code: '1'.repeat(16), identifier: 'a@example.com' }), 'flow_not_found'],
    ['a 1 MiB trait', (o) => o.sendRegistrationCode(freshEmail('big'), { name: MIB }), 'code_sent'],
    ['a 4096-character token', (o) => o.whoami(`ory_st_${'x'.repeat(4089)}`), 'unauthorized'],
    ['signal: null', (o) => o.whoami('ory_st_abc', { signal: null }), 'unauthorized'],
  ])('%s: a result from Kratos, not a TypeError', async (_label, call, status) => {
    const emu = emulator()
    const before = emu.requestCount
    const r = await call(new OryOtc({ baseUrl: emu.url }))
    expect(r.status).toBe(status)
    expect(emu.requestCount).toBeGreaterThan(before)
  })
})

describe('new OryOtc(options) throws at once', () => {
  const url = 'http://127.0.0.1:4433'
  const cases = [
    ['options: a string', 'x', TYPE],
    ['options: a number', 42, TYPE],
    ['options: an array', [], TYPE],
    ['options: a function', () => {}, TYPE],
    ...OPTIONAL_NOT_STRINGS.map(([n, v]) => [`baseUrl: ${n}`, { baseUrl: v }, TYPE]),
    ['baseUrl: empty', { baseUrl: '' }, VALUE],
    ['baseUrl: blank', { baseUrl: '  ' }, VALUE],
    ['baseUrl: not a URL', { baseUrl: 'not a url' }, VALUE],
    ['baseUrl: an unclosed IPv6 host', { baseUrl: 'http://[::1' }, VALUE],
    ['baseUrl: a space in the host', { baseUrl: 'https://exa mple.com' }, VALUE],
    ['baseUrl: port 99999', { baseUrl: 'https://x.example:99999' }, VALUE],
    ['baseUrl: javascript:', { baseUrl: 'javascript:alert(1)' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: file:', { baseUrl: 'file:///etc/passwd' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: credentials', { baseUrl: 'https://user:hunter2@x.example' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: a query', { baseUrl: 'https://x.example/?flow=1' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: a fragment', { baseUrl: 'https://x.example/#x' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: plain http off loopback', { baseUrl: 'http://kratos.internal' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: localhost as a subdomain', { baseUrl: 'http://localhost.evil.example' }, 'ERR_ORY_CONFIG'],
    ['baseUrl: an IPv4-mapped IPv6 loopback', { baseUrl: 'http://[::ffff:127.0.0.1]' }, 'ERR_ORY_CONFIG'],
    ...['timeoutMs', 'connectTimeoutMs'].flatMap((k) => [
      [`${k}: a string`, { baseUrl: url, [k]: '1000' }, TYPE],
      [`${k}: a bigint`, { baseUrl: url, [k]: 1000n }, TYPE],
      [`${k}: a boolean`, { baseUrl: url, [k]: true }, TYPE],
      [`${k}: -1`, { baseUrl: url, [k]: -1 }, VALUE],
      [`${k}: 0`, { baseUrl: url, [k]: 0 }, VALUE],
      [`${k}: 0.5`, { baseUrl: url, [k]: 0.5 }, VALUE],
      [`${k}: NaN`, { baseUrl: url, [k]: NaN }, VALUE],
      [`${k}: Infinity`, { baseUrl: url, [k]: Infinity }, VALUE],
      [`${k}: -Infinity`, { baseUrl: url, [k]: -Infinity }, VALUE],
      [`${k}: 600001`, { baseUrl: url, [k]: 600001 }, VALUE],
      [`${k}: 1e12`, { baseUrl: url, [k]: 1e12 }, VALUE],
      [`${k}: Number.MAX_VALUE`, { baseUrl: url, [k]: Number.MAX_VALUE }, VALUE],
    ]),
    ...OPTIONAL_NOT_STRINGS.map(([n, v]) => [`apiKey: ${n}`, { baseUrl: url, apiKey: v }, TYPE]),
    ['apiKey: empty', { baseUrl: url, apiKey: '' }, VALUE],
    ['apiKey: CR LF', { baseUrl: url, apiKey: 'ory_pat_a\r\nX-Evil: 1' }, VALUE],
    ['apiKey: NUL', { baseUrl: url, apiKey: 'ory_pat_a\u0000' }, VALUE],
    ['apiKey: non-ASCII', { baseUrl: url, apiKey: 'ory_pat_ключ' }, VALUE],
    ...OPTIONAL_NOT_STRINGS.map(([n, v]) => [`userAgent: ${n}`, { baseUrl: url, userAgent: v }, TYPE]),
    ['userAgent: empty', { baseUrl: url, userAgent: '' }, VALUE],
    ['userAgent: CR LF', { baseUrl: url, userAgent: 'a\r\nX-Evil: 1' }, VALUE],
    ['userAgent: 1 MiB', { baseUrl: url, userAgent: MIB }, VALUE],
    ['allowHttp: a string', { baseUrl: url, allowHttp: 'yes' }, TYPE],
    ['allowHttp: a number', { baseUrl: url, allowHttp: 1 }, TYPE],
  ]

  test.each(cases)('%s: %s', (_label, options, code) => {
    let thrown
    try {
      new OryOtc(options)
    } catch (e) {
      thrown = e
    }
    expect(thrown?.code).toBe(code)
    if (code === 'ERR_ORY_CONFIG') expect(thrown).toBeInstanceOf(OryOtcError)
    else expect(thrown).toBeInstanceOf(TypeError)
    // A credential or key in the refused value is not repeated.
    expect(h.leaks(thrown, { password: 'hunter2', key: 'ory_pat_' })).toEqual([])
  })

  test('the table has more than 70 cases, as README and docs/reliability.md say', () => {
    expect(cases.length).toBeGreaterThan(70)
  })

  // In child processes: the addon reads the real environment, not Jest's copy of it.
  test('null and undefined options fall back to the environment: ERR_ORY_CONFIG without ORY_SDK_URL, its origin with it', async () => {
    const script = `const { OryOtc } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
      console.log(JSON.stringify([undefined, null, {}].map((o) => { try { return new OryOtc(o).origin } catch (e) { return e.code } })))`
    expect(await runNode(script, {})).toEqual(['ERR_ORY_CONFIG', 'ERR_ORY_CONFIG', 'ERR_ORY_CONFIG'])
    const url = 'https://fallback.projects.oryapis.com'
    expect(await runNode(script, { ORY_SDK_URL: url })).toEqual([url, url, url])
  })
})

describe('the drop-ins check their arguments before the environment and before any request', () => {
  const emulator = useEmulator()

  test('initiateOtcLogin and completeOtcLogin with bad arguments', async () => {
    const emu = emulator()
    const script = `
      const { initiateOtcLogin, completeOtcLogin } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
      const FLOW = ${JSON.stringify(FLOW)}
      const MIB = 'a'.repeat(1 << 20)
      const TYPE = 'ERR_INVALID_ARG_TYPE', VALUE = 'ERR_INVALID_ARG_VALUE'
      const calls = {
        'initiateOtcLogin(undefined)': [() => initiateOtcLogin(undefined), TYPE],
        'initiateOtcLogin(42)': [() => initiateOtcLogin(42), TYPE],
        'initiateOtcLogin("")': [() => initiateOtcLogin(''), VALUE],
        'initiateOtcLogin(1 MiB)': [() => initiateOtcLogin(MIB), VALUE],
        'initiateOtcLogin(NUL)': [() => initiateOtcLogin('a\\u0000@example.com'), VALUE],
        'initiateOtcLogin(options: 5)': [() => initiateOtcLogin('a@example.com', 5), TYPE],
        'initiateOtcLogin(signal: {})': [() => initiateOtcLogin('a@example.com', { signal: {} }), TYPE],
        'completeOtcLogin(flowId: undefined)': [() => completeOtcLogin(undefined, '123456'), TYPE],
        'completeOtcLogin(flowId: &)': [() => completeOtcLogin(FLOW + '&x=1', '123456'), VALUE],
        'completeOtcLogin(flowId: ..)': [() => completeOtcLogin('../../admin', '123456'), VALUE],
        'completeOtcLogin(flowId: %)': [() => completeOtcLogin('%2e%2e', '123456'), VALUE],
        'completeOtcLogin(code: 42)': [() => completeOtcLogin(FLOW, 42), TYPE],
        'completeOtcLogin(code: letters)': [() => completeOtcLogin(FLOW, '12a456'), VALUE],
        'completeOtcLogin(code: 100 digits)': [() => completeOtcLogin(FLOW, '1'.repeat(100)), VALUE],
        'completeOtcLogin(options: [])': [() => completeOtcLogin(FLOW, '123456', []), TYPE],
      }
      ;(async () => {
        const out = {}
        for (const [label, [call, expected]] of Object.entries(calls)) {
          out[label] = await call().then(
            (r) => ({ resolved: r.status }),
            (e) => ({ typeError: e instanceof TypeError, asExpected: e.code === expected, echoes: /12a456|1111111111|\\.\\.\\/|%2e/.test(e.message) }),
          )
        }
        console.log(JSON.stringify(out))
      })()
    `
    const before = emu.requestCount
    const out = await runNode(script, { ORY_SDK_URL: emu.url })
    expect(emu.requestCount).toBe(before)
    expect(Object.keys(out)).toHaveLength(15)
    for (const [label, got] of Object.entries(out)) {
      expect({ label, ...got }).toEqual({ label, typeError: true, asExpected: true, echoes: false })
    }
  })
})

describe('startEmulator and the emulator handle check their arguments', () => {
  const emulator = useEmulator()

  test.each([
    ['a string', 'x', TYPE],
    ['port: -1', { port: -1 }, VALUE],
    ['port: 65536', { port: 65536 }, VALUE],
    ['port: 1.5', { port: 1.5 }, VALUE],
    ['port: a string', { port: '80' }, TYPE],
    ['host: not an IP', { host: 'localhost' }, VALUE],
    ['host: empty', { host: '' }, VALUE],
    ['kratosVersion: unknown', { kratosVersion: 'v9' }, VALUE],
    ['maxSubmissions: 0', { maxSubmissions: 0 }, VALUE],
    ['maxSubmissions: 256', { maxSubmissions: 256 }, VALUE],
    ['codeLifespanMs: 0', { codeLifespanMs: 0 }, VALUE],
    ['codeLifespanMs: NaN', { codeLifespanMs: NaN }, VALUE],
    ['flowLifespanMs: 1e300', { flowLifespanMs: 1e300 }, VALUE],
    ['sessionLifespanMs: Infinity', { sessionLifespanMs: Infinity }, VALUE],
    ['identities: a string', { identities: 'x' }, TYPE],
    ['identities: [42]', { identities: [42] }, VALUE],
    ['registrationStyle: unknown', { registrationStyle: 'x' }, VALUE],
    ['devMode: a string', { devMode: 'yes' }, TYPE],
    ['apiKey: a number', { apiKey: 42 }, TYPE],
  ])('startEmulator(%s) rejects with %s', async (_label, options, code) => {
    const err = await rejection(startEmulator(options))
    expect(err).toBeInstanceOf(TypeError)
    expect(err.code).toBe(code)
  })

  test.each([
    ['codeFor(42)', (e) => e.codeFor(42), TYPE],
    ['codeFor()', (e) => e.codeFor(), TYPE],
    ['createIdentity(42)', (e) => e.createIdentity(42), TYPE],
    ['createIdentity(email, traits: [])', (e) => e.createIdentity('t@example.com', []), TYPE],
    ['advanceTime("1")', (e) => e.advanceTime('1'), TYPE],
    ['advanceTime(-1)', (e) => e.advanceTime(-1), VALUE],
    ['advanceTime(NaN)', (e) => e.advanceTime(NaN), VALUE],
    ['advanceTime(1e300)', (e) => e.advanceTime(1e300), VALUE],
    ['setFault(null)', (e) => e.setFault(null), TYPE],
    ['setFault("hang")', (e) => e.setFault('hang'), TYPE],
    ['setFault({ kind: "nope" })', (e) => e.setFault({ kind: 'nope' }), VALUE],
    ['setFault({ kind: 42 })', (e) => e.setFault({ kind: 42 }), TYPE],
    ['setFault(latency without latencyMs)', (e) => e.setFault({ kind: 'latency' }), VALUE],
    ['setFault(latencyMs: -5)', (e) => e.setFault({ kind: 'latency', latencyMs: -5 }), VALUE],
    ['setFault(latencyMs: 1e300)', (e) => e.setFault({ kind: 'latency', latencyMs: 1e300 }), VALUE],
    ['setFault(redirect without location)', (e) => e.setFault({ kind: 'redirect' }), VALUE],
    ['setFault(times: -1)', (e) => e.setFault({ kind: 'hang', times: -1 }), VALUE],
    ['setFault(retryAfterSeconds: 1e9)', (e) => e.setFault({ kind: 'rate_limited', retryAfterSeconds: 1e9 }), VALUE],
    ['removeFault("1")', (e) => e.removeFault('1'), TYPE],
  ])('%s throws a TypeError %s', (_label, call, code) => {
    const emu = emulator()
    let thrown
    try {
      call(emu)
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown.code).toBe(code)
    emu.clearFaults()
  })

  test('removeFault of an id that names no fault is false', () => {
    const emu = emulator()
    for (const id of [-1, 0, 1.5, 2 ** 40, NaN]) expect(emu.removeFault(id)).toBe(false)
  })
})
