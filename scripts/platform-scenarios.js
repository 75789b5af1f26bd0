'use strict'
// The sign-in scenarios that scripts/test-platforms.mjs runs on each platform, with that
// platform's Node, in a project where the packed ory-otc and its binary package are installed:
// the loader's choice, login, registration, the outcomes that are not errors, and the errors.
// The emulator is the package ory-otc-emulator (its binary for the same platform), on 127.0.0.1.
//
//   node platform-scenarios.js [expected-platform]
// Prints one line per check and "scenarios: N/N passed"; exits 1 when a check fails.
const assert = require('node:assert/strict')

const expectedPlatform = process.argv[2]
const checks = []
const check = (name, fn) => checks.push({ name, fn })

let ory
let emu
let lib
let emulator

check('require("ory-otc") and require("ory-otc-emulator") load this platform\'s binary packages', () => {
  lib = require('ory-otc')
  emulator = require('ory-otc-emulator')
  for (const name of ['OryOtc', 'OryOtcError', 'isOryOtcError', 'initiateOtcLogin', 'completeOtcLogin']) {
    assert.ok(lib[name], `missing export ${name}`)
  }
  assert.equal(typeof emulator.startEmulator, 'function')
  if (expectedPlatform) {
    for (const name of [`ory-otc-${expectedPlatform}`, `ory-otc-emulator-${expectedPlatform}`]) {
      const binary = require.resolve(name)
      assert.ok(Object.keys(require.cache).includes(binary), `the binary loaded is not ${binary}`)
    }
  }
})

check('import("ory-otc") gives the same exports (ESM)', async () => {
  const esm = await import('ory-otc')
  assert.equal(esm.OryOtc, lib.OryOtc)
})

check('startEmulator serves on 127.0.0.1', async () => {
  emu = await emulator.startEmulator({ identities: ['known@example.com'] })
  assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  ory = new lib.OryOtc({ baseUrl: emu.url })
})

check('login: code_sent, then signed_in with a session token', async () => {
  const sent = await ory.sendLoginCode('known@example.com')
  assert.equal(sent.status, 'code_sent')
  const done = await ory.verifyLoginCode({ flowId: sent.flowId, code: emu.codeFor('known@example.com'), identifier: sent.identifier })
  assert.equal(done.status, 'signed_in')
  assert.ok(done.sessionToken.length > 20)
  const me = await ory.whoami(done.sessionToken)
  assert.equal(me.status, 'active')
  assert.equal((await ory.logout(done.sessionToken)).status, 'logged_out')
})

check('login: a wrong code is invalid_code, not an error', async () => {
  const sent = await ory.sendLoginCode('known@example.com')
  const code = emu.codeFor('known@example.com')
  const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0')
  const r = await ory.verifyLoginCode({ flowId: sent.flowId, code: wrong, identifier: sent.identifier })
  assert.equal(r.status, 'invalid_code')
})

check('login: an unknown address is account_not_found', async () => {
  assert.equal((await ory.sendLoginCode('nobody@example.com')).status, 'account_not_found')
})

check('registration: code_sent, then signed_in', async () => {
  const sent = await ory.sendRegistrationCode('new@example.com')
  assert.equal(sent.status, 'code_sent')
  const done = await ory.verifyRegistrationCode({ flowId: sent.flowId, code: emu.codeFor('new@example.com') })
  assert.equal(done.status, 'signed_in')
})

check('sendCode picks registration for a new address and login for a known one', async () => {
  assert.equal((await ory.sendCode('another@example.com')).flowType, 'registration')
  assert.equal((await ory.sendCode('known@example.com')).flowType, 'login')
})

check('a bad argument throws a TypeError', async () => {
  await assert.rejects(ory.sendLoginCode(42), TypeError)
})

check('an aborted call rejects with ERR_ORY_ABORTED', async () => {
  const controller = new AbortController()
  controller.abort()
  await assert.rejects(ory.sendLoginCode('known@example.com', { signal: controller.signal }), (e) => e instanceof lib.OryOtcError && e.code === 'ERR_ORY_ABORTED')
})

check('a closed server rejects with ERR_ORY_NETWORK, an OryOtcError', async () => {
  const url = emu.url
  await emu.close()
  emu = undefined
  const offline = new lib.OryOtc({ baseUrl: url, timeoutMs: 5000 })
  await assert.rejects(offline.sendLoginCode('known@example.com'), (e) => lib.isOryOtcError(e) && e.code === 'ERR_ORY_NETWORK')
})

check('an https client is set up (TLS roots found)', () => {
  assert.ok(new lib.OryOtc({ baseUrl: 'https://auth.example.com' }))
})

;(async () => {
  let passed = 0
  const started = Date.now()
  for (const { name, fn } of checks) {
    try {
      await fn()
      passed++
      console.log(`ok - ${name}`)
    } catch (error) {
      console.log(`not ok - ${name}: ${error?.stack ?? error}`)
    }
  }
  if (emu) await emu.close()
  console.log(`scenarios: ${passed}/${checks.length} passed (${process.platform}-${process.arch}, Node ${process.version}, ${Date.now() - started} ms)`)
  process.exitCode = passed === checks.length ? 0 : 1
})()
