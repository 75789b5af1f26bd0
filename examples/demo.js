// The demo behind `npm run demo`: a subscriber signs up, then comes back and signs in, against
// the embedded Kratos emulator. Every step prints the structured result the library returns.
'use strict'
const { OryOtc } = require('..')
const { startEmulator } = require('ory-otc-emulator')

function show(step, result) {
  const shown = { ...result }
  if (shown.sessionToken) shown.sessionToken = `${shown.sessionToken.slice(0, 7)}…` // a secret, even here
  if (shown.session) shown.session = { id: shown.session.id, active: shown.session.active, expiresAt: shown.session.expiresAt }
  if (shown.identity) shown.identity = { id: shown.identity.id, traits: shown.identity.traits }
  console.log(`\n${step}\n${JSON.stringify(shown, null, 2)}`)
}

async function signIn(ory, emu, email, who) {
  console.log(`\n=== ${who}: ${email}`)
  const sent = await ory.sendCode(email)
  show(`sendCode → ${sent.status} (Kratos answered HTTP 400 with state sent_email: that is success)`, sent)
  if (!sent.ok) throw new Error(`unexpected ${sent.status}`)

  const code = emu.codeFor(email)
  console.log(`\n(the emulator mailed code ${code})`)
  const verified = await ory.verifyCode({ flowId: sent.flowId, flowType: sent.flowType, code, identifier: sent.identifier })
  show(`verifyCode → ${verified.status}`, verified)
  if (verified.status !== 'signed_in') throw new Error(`unexpected ${verified.status}`)

  show('whoami →', await ory.whoami(verified.sessionToken))
  show('logout →', await ory.logout(verified.sessionToken))
  show('whoami after logout →', await ory.whoami(verified.sessionToken))
}

async function main() {
  const emu = await startEmulator()
  console.log(`Kratos emulator listening on ${emu.url}`)
  try {
    const ory = new OryOtc({ baseUrl: emu.url })
    const email = 'ada@example.com'
    await signIn(ory, emu, email, 'new subscriber (registration)')
    await signIn(ory, emu, email, 'returning subscriber (login)')

    const wrong = await ory.sendCode('not-an-email')
    show('sendCode("not-an-email") →', wrong)
    console.log('\ndemo finished: every outcome above was a value, nothing threw')
  } finally {
    await emu.close()
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
