// The JS contract has one source, the Rust types: these tests fail when a hand-kept list
// drifts from what `napi build` generated. Error codes come from `OryOtcErrorCode` (src/error.rs);
// option and parameter keys from the Rust field names (the `js_object!` readers).
const fs = require('node:fs')
const path = require('node:path')
const native = require('../native.js')
const { OryOtc, isOryOtcError, OryOtcError } = require('..')
const { startEmulator } = require('ory-otc-emulator')
const { rejection } = require('./helpers')

const FLOW_ID = '6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b'

const root = path.join(__dirname, '..')

/** The keys of `export interface <name> { … }` in a generated .d.ts. */
function interfaceKeys(dts, name) {
  const body = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(dts)
  if (!body) throw new Error(`no interface ${name}`)
  return [...body[1].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1])
}

describe('error codes', () => {
  const codes = Object.values(native.OryOtcErrorCode)

  test('the binding lists the OryOtcError codes, as native.d.ts types them', () => {
    const dts = fs.readFileSync(path.join(root, 'native.d.ts'), 'utf8')
    const union = /export type OryOtcErrorCode = (.*)/.exec(dts)[1]
    expect([...union.matchAll(/'(\w+)'/g)].map((m) => m[1])).toEqual(codes)
    expect(codes).toContain('ERR_ORY_TIMEOUT')
  })

  test('isOryOtcError and instanceof recognise every code of the binding, and no other', () => {
    for (const code of codes) {
      const e = new OryOtcError('x', { code, retryable: false })
      expect(isOryOtcError(e)).toBe(true)
      expect(e).toBeInstanceOf(OryOtcError)
    }
    expect(isOryOtcError(new OryOtcError('x', { code: 'ERR_ORY_NOPE', retryable: false }))).toBe(false)
  })

  test("README's table of errors lists exactly these codes and Node's two argument codes", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## API\n'))
    const listed = [...section.matchAll(/^\| `\w+` \| `(ERR_\w+)` \|/gm)].map((m) => m[1])
    expect([...listed].sort()).toEqual([...codes, 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE'].sort())
  })
})

describe('option and parameter keys are the generated ones', () => {
  const dts = fs.readFileSync(path.join(root, 'native.d.ts'), 'utf8')
  const emulatorDts = fs.readFileSync(path.join(root, 'packages', 'emulator', 'native.d.ts'), 'utf8')
  const ory = new OryOtc({ baseUrl: 'http://127.0.0.1:1' })
  // A symbol is the wrong type for every key: each must be read, and named in the TypeError.
  const wrong = Symbol('wrong')

  const expectNamed = (err, name) => {
    expect(err).toBeInstanceOf(TypeError)
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(err.message).toContain(`"${name}"`)
  }

  test.each(interfaceKeys(dts, 'OryOtcOptions'))('new OryOtc({ %s }) reads that key', (key) => {
    let err
    try {
      new OryOtc({ baseUrl: 'http://127.0.0.1:1', [key]: wrong })
    } catch (e) {
      err = e
    }
    expectNamed(err, `options.${key}`)
  })

  const params = {
    VerifyLoginCodeParams: (p) => ory.verifyLoginCode({ flowId: FLOW_ID, code: '123456', identifier: 'a@example.com', ...p }),
    VerifyRegistrationCodeParams: (p) => ory.verifyRegistrationCode({ flowId: FLOW_ID, code: '123456', traits: {}, ...p }),
    VerifyCodeParams: (p) => ory.verifyCode({ flowId: FLOW_ID, flowType: 'login', code: '123456', ...p }),
    ResendCodeParams: (p) => ory.resendCode({ flowId: FLOW_ID, flowType: 'login', ...p }),
  }
  const cases = Object.entries(params).flatMap(([name, call]) => interfaceKeys(dts, name).map((key) => [name, key, call]))
  test.each(cases)('%s: the key %s is read', async (_name, key, call) => {
    expectNamed(await rejection(call({ [key]: wrong })), `params.${key}`)
  })

  test.each(interfaceKeys(emulatorDts, 'EmulatorOptions'))('startEmulator({ %s }) reads that key', async (key) => {
    expectNamed(await rejection(startEmulator({ [key]: wrong })), `options.${key}`)
  })

  test('setFault reads every key of FaultOptions', async () => {
    const emu = await startEmulator()
    try {
      for (const key of interfaceKeys(emulatorDts, 'FaultOptions')) {
        let err
        try {
          emu.setFault({ kind: 'hang', [key]: wrong })
        } catch (e) {
          err = e
        }
        expectNamed(err, `fault.${key}`)
      }
    } finally {
      await emu.close()
    }
  })
})
