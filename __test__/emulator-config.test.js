// The emulator with a project's own identity schema and Kratos config (startEmulator options
// identitySchema and config): traits validated as Kratos validates them, with Kratos's messages
// (docs/kratos-protocol.md §3, §7). The schema and config are the ones the conformance fixtures
// were recorded with from real Kratos builds (crates/ory-otc-emulator/tests/kratos/).
const fs = require('node:fs')
const path = require('node:path')
const { startEmulator } = require('ory-otc-emulator')
const { useEmulator, clientFor, ids, freshEmail, runNode, SESSION_TOKEN } = require('./helpers')

const KRATOS_DIR = path.join(__dirname, '..', 'crates', 'ory-otc-emulator', 'tests', 'kratos')
const SCHEMA = fs.readFileSync(path.join(KRATOS_DIR, 'identity.schema.json'), 'utf8')

describe('a custom identity schema', () => {
  const emulator = useEmulator({ identitySchema: SCHEMA })
  let ory
  beforeAll(() => {
    ory = clientFor(emulator())
  })

  test('registers with a required name, an optional boolean and a nested object', async () => {
    const email = freshEmail('custom')
    const traits = { name: 'Ada', newsletter: true, address: { city: 'Berlin', zip: '10115' } }
    const sent = await ory.sendRegistrationCode(email, traits)
    expect(sent).toMatchObject({ ok: true, status: 'code_sent', flowType: 'registration' })
    const r = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emulator().codeFor(email) })
    expect(r).toMatchObject({ ok: true, status: 'signed_in', flowType: 'registration' })
    expect(r.sessionToken).toMatch(SESSION_TOKEN)
    expect(r.identity.traits).toEqual({ email, ...traits })
  })

  test('refuses a missing required trait with 4000002 and mails nothing', async () => {
    const email = freshEmail('custom')
    const before = emulator().messages().length
    const r = await ory.sendRegistrationCode(email, { newsletter: false })
    expect(r.ok).toBe(false)
    expect(r.status).not.toBe('code_sent')
    expect(r.messages).toContainEqual(
      expect.objectContaining({ id: 4000002, text: 'Property name is missing.', context: { property: 'name' } }),
    )
    expect(emulator().messages().length).toBe(before)
  })

  test('refuses wrong values with the validator texts Kratos shows', async () => {
    const email = freshEmail('custom')
    const r = await ory.sendRegistrationCode(email, { name: '', newsletter: 'yes', address: { zip: '12' } })
    expect(r.ok).toBe(false)
    expect(ids(r.messages)).toEqual(expect.arrayContaining([4000003, 4000026, 4000004]))
    expect(r.messages).toContainEqual(
      expect.objectContaining({ id: 4000026, text: 'expected boolean, but got string' }),
    )
  })

  test('refuses a trait the schema does not declare (additionalProperties: false)', async () => {
    const r = await ory.sendRegistrationCode(freshEmail('custom'), { name: 'Bea', nick: 'b' })
    expect(r.ok).toBe(false)
    expect(r.messages).toContainEqual(
      expect.objectContaining({ id: 4000001, text: 'additionalProperties "nick" not allowed' }),
    )
  })

  test('createIdentity validates traits against the schema too', () => {
    expect(() => emulator().createIdentity(freshEmail('custom'))).toThrow(/missing properties: "name"/)
    const email = freshEmail('custom')
    expect(emulator().createIdentity(email, { name: 'Cy' }).traits).toEqual({ email, name: 'Cy' })
  })
})

describe('a Kratos config file', () => {
  test('answers with its UI URLs and schema, on its own port, and takes kratosVersion v1.3.1', async () => {
    const emu = await startEmulator({ config: path.join(KRATOS_DIR, 'kratos.yml'), kratosVersion: 'v1.3.1' })
    try {
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${emu.url}/self-service/login/browser`, { redirect: 'manual' })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:4455\/login\?flow=/)
      const ory = clientFor(emu)
      const email = freshEmail('cfg')
      const sent = await ory.sendRegistrationCode(email, { name: 'Dee' })
      expect(sent).toMatchObject({ ok: true, status: 'code_sent' })
      // v1.3.1's mail template: no code in the subject.
      expect(emu.messages()[0].subject).toBe('Complete your account registration')
    } finally {
      await emu.close()
    }
  })

  test('names keys it does not model in one process warning', async () => {
    // In a child process: Jest's sandboxed `process` does not see the real process's warnings.
    const script = `
      const { startEmulator } = require('ory-otc-emulator')
      const warnings = []
      process.on('warning', (w) => warnings.push(w.message))
      startEmulator({ config: { selfservice: { methods: { password: { enabled: false }, code: { passwordless_enabled: true } } }, oauth2_provider: { url: 'http://hydra.test' } } })
        .then((emu) => emu.close())
        .then(() => setImmediate(() => console.log(JSON.stringify(warnings))))`
    const warnings = await runNode(script)
    expect(warnings).toEqual([expect.stringContaining('oauth2_provider.url')])
  })

  test('refuses a config that cannot be read with a TypeError naming options.config', async () => {
    await expect(startEmulator({ config: path.join(KRATOS_DIR, 'missing.yml') })).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining('options.config'),
    })
    await expect(startEmulator({ config: 42 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})
