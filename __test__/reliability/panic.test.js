// A panic inside ory-otc costs one call, never the process. The trigger is the hidden
// __testPanic(stage) (src/testing.rs), inert unless the process starts with ORY_OTC_TEST_PANIC=1,
// so each case runs in a child process that has it.
const path = require('node:path')
const native = require('../../native.js')
const { runNode } = require('../helpers')

const root = path.join(__dirname, '..', '..')

// Runs every stage in one child, then signs in, and prints what each did.
const script = `
const { OryOtc, isOryOtcError } = require(${JSON.stringify(root)})
const { startEmulator } = require('ory-otc-emulator')
const native = require(${JSON.stringify(path.join(root, 'native.js'))})
const describe = (e) => ({ name: e.name, code: e.code, message: e.message, ory: isOryOtcError(e) })
;(async () => {
  const out = {}
  for (const stage of ['sync', 'arguments', 'call', 'settle']) {
    let promise
    try {
      promise = native.__testPanic(stage)
    } catch (e) {
      out[stage] = { thrown: describe(e) }
      continue
    }
    out[stage] = await promise.then((v) => ({ resolved: v }), (e) => ({ rejected: describe(e) }))
  }
  // Still alive, and the addon still works.
  const emu = await startEmulator({ identities: ['after@example.com'] })
  out.after = (await new OryOtc({ baseUrl: emu.url }).sendLoginCode('after@example.com')).status
  await emu.close()
  console.log(JSON.stringify(out))
})()
`

describe('panics', () => {
  test('each panic path ends one call with an error and the process lives', async () => {
    const out = await runNode(script, { ORY_OTC_TEST_PANIC: '1' })
    const internal = {
      rejected: {
        name: 'OryOtcError',
        code: 'ERR_ORY_INTERNAL',
        message: 'internal error in ory-otc: a panic was caught; please report this bug',
        ory: true,
      },
    }
    // A panic in the body of a catch_unwind function: napi throws an Error with its message.
    expect(out.sync).toEqual({
      thrown: { name: 'Error', code: 'GenericFailure', message: "ory-otc test panic (stage 'sync')", ory: false },
    })
    // Where methods check their arguments, inside the call, and while the result is built:
    // a rejected promise, ERR_ORY_INTERNAL, and the panic's own text is not shown.
    expect(out.arguments).toEqual(internal)
    expect(out.call).toEqual(internal)
    expect(out.settle).toEqual(internal)
    expect(out.after).toBe('code_sent')
  })

  test('without ORY_OTC_TEST_PANIC=1 the trigger does nothing', async () => {
    for (const stage of ['sync', 'arguments', 'call', 'settle']) {
      await expect(native.__testPanic(stage)).resolves.toBe(false)
    }
    await expect(native.__testPanic('nope')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
  })

  test('the trigger is not part of the package API', () => {
    const api = require('../..')
    expect(api.__testPanic).toBeUndefined()
    const dts = require('node:fs').readFileSync(path.join(root, 'native.d.ts'), 'utf8')
    expect(dts).not.toMatch(/testPanic/)
  })
})
