// The subscribe page (src/app/(frontend)/) in a real browser: Debian's Chromium driven by
// playwright-core, against the built app under `next start` and the ory-otc emulator, once per
// mode of the plugin (API mode: its own session cookie; browser mode: Kratos's session and CSRF
// cookies). Each test gets a fresh browser context, so no cookie or storage leaks between tests.
// The emulator runs in this process: the tests read the codes it mails and force outcomes with it
// (an expired flow by moving its clock, a rate limit or a failing Ory by a fault).
//
// Run with: npm run test:browser
//   CHROMIUM_PATH=/path     the browser (default /usr/bin/chromium: `apt-get install chromium`;
//                           run-ci.sh installs it when missing)
//   UPDATE_SCREENSHOTS=1    write the screenshots README shows into docs/screenshots/ (otherwise
//                           into a temporary folder: they are taken on every run all the same)
//   E2E_REUSE_BUILD=1, E2E_SERVER_PIDFILE=f   as for test/e2e.test.mjs (test/support/servers.mjs)
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'

import { chromium } from 'playwright-core'

import { App, buildUnlessReused, loadAddon, root } from './support/servers.mjs'

const require = createRequire(import.meta.url)
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const AXE = require.resolve('axe-core/axe.min.js')
const SESSION_COOKIE = { api: 'ory_session_token', browser: 'ory_kratos_session' }

let emu
let emuNoSession // a Kratos without the `session` hook after registration, as Kratos is by default
let tmp
let browser
let shots
const apps = {} // mode -> App
const secrets = [] // every code typed and session cookie value seen; none may reach a server's output

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  const { startEmulator } = loadAddon('ory-otc-emulator')
  emu = await startEmulator()
  tmp = mkdtempSync(path.join(tmpdir(), 'payload-subscribe-browser-'))
  shots = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs/screenshots') : path.join(tmp, 'screenshots')
  mkdirSync(shots, { recursive: true })
  await buildUnlessReused(tmp)
  apps.api = await new App('api', { emu, tmp }).start()
  apps.browser = await new App('browser', { emu, tmp }).start()
  emuNoSession = await startEmulator({ sessionAfterRegistration: false })
  apps.noSession = await new App('api', { emu: emuNoSession, tmp, name: 'no-session' }).start()
  // --no-sandbox: Chromium's sandbox refuses to run as root, which sessions and CI are.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, { timeout: 900_000 })

after(async () => {
  try {
    await browser?.close()
    await Promise.all(Object.values(apps).map((app) => app.stop()))
  } finally {
    await emu?.close()
    await emuNoSession?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  }
})

const newEmail = () => `page-${randomUUID().slice(0, 8)}@example.com`
const wrongCode = (code) => (code === '000000' ? '111111' : '000000')

/** The newest code the emulator (`from`, default the main one) mailed to `email`. */
function codeFor(email, from = emu) {
  const code = from.codeFor(email)
  assert.match(code ?? '', /^\d{6}$/, `the emulator mailed no code to ${email}`)
  secrets.push(code)
  return code
}

/**
 * Runs `fn(page, context)` on `/` of `app` in a new browser context (a new profile: no cookies,
 * no storage), then checks that the page threw nothing and closes the context.
 */
async function withPage(app, fn) {
  const context = await browser.newContext({ baseURL: app.url, viewport: { width: 720, height: 620 } })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (err) => errors.push(err.message))
  try {
    await page.goto('/')
    await heading(page, 'Subscribe') // hydrated, and `GET /api/members/me` said: nobody signed in
    await fn(page, context)
    assert.deepEqual(errors, [], 'the page threw')
  } finally {
    await context.close()
  }
}

/** Waits for the form's heading to read `name`: the page is on that step. */
const heading = (page, name) => page.getByRole('heading', { level: 2, name, exact: true }).waitFor()

// The page's two live regions (Next adds a role="alert" of its own, the route announcer).
const errorRegion = (page) => page.locator('#form-error[role="alert"]')
const noticeRegion = (page) => page.locator('#form-notice[role="status"]')

/** Waits for `text` in the error region (role="alert": screen readers read it out as it changes). */
const alert = (page, text) => errorRegion(page).filter({ hasText: text }).waitFor()

/** Waits for `text` in the notice region (role="status"). */
const notice = (page, text) => noticeRegion(page).filter({ hasText: text }).waitFor()

const emailField = (page) => page.getByLabel('E-mail address')
const codeField = (page) => page.getByLabel('Code', { exact: true })
const button = (page, name) => page.getByRole('button', { name, exact: true })
const focusedId = (page) => page.evaluate(() => document.activeElement?.id)

/**
 * Clicks `name` and waits until the page has handled the answer of `POST /api/subscriptions/<endpoint>`:
 * the answer came, and the form is no longer busy (so the next click is not ignored as a double submit).
 */
async function submit(page, name, endpoint) {
  const answered = page.waitForResponse((r) => r.url().endsWith(`/api/subscriptions/${endpoint}`))
  await button(page, name).click()
  await answered
  await page.locator('section[aria-busy="false"]').waitFor()
}

async function sendCode(page, email) {
  await emailField(page).fill(email)
  await submit(page, 'Send me a code', 'subscribe')
  await heading(page, 'Check your e-mail')
}

async function typeCode(page, code) {
  await codeField(page).fill(code)
  await submit(page, 'Confirm', 'verify')
}

/** E-mail step to signed in, through the page; `title` is the heading it ends on. */
async function signUp(page, email, title = 'You are subscribed') {
  await sendCode(page, email)
  await typeCode(page, codeFor(email))
  await heading(page, title)
}

/** The member `GET /api/members/me` sees for this page's cookies (the page's own fetch). */
const member = (page) => page.evaluate(() => fetch('/api/members/me').then((r) => r.json()).then((b) => b.user?.email ?? null))

async function sessionCookie(context, mode) {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE[mode])
  if (cookie) secrets.push(decodeURIComponent(cookie.value))
  return cookie
}

/** Loads axe-core into the page and fails on any serious or critical violation. */
async function checkAccessibility(page, where) {
  await page.addScriptTag({ path: AXE })
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe-core on ${where}`,
  )
}

for (const mode of ['api', 'browser']) {
  const app = () => apps[mode]
  // README's screenshots come from API mode (the page looks the same in both).
  const screenshot = (page, name) => mode === 'api' && page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true })

  describe(`${mode} mode: the subscribe page in Chromium`, { timeout: 120_000 }, () => {
    it('a new subscriber: the e-mail step, the code step with the focus in the code field, then subscribed and signed in', async () => {
      await withPage(app(), async (page, context) => {
        // What browsers and password managers need to fill the fields, and phones to show a number pad.
        const email = mode === 'api' ? 'ada@example.com' : newEmail()
        assert.equal(await emailField(page).getAttribute('autocomplete'), 'email')
        assert.equal(await emailField(page).getAttribute('type'), 'email')
        await emailField(page).fill(email)
        await screenshot(page, '1-email')
        await submit(page, 'Send me a code', 'subscribe')
        await heading(page, 'Check your e-mail')
        await notice(page, `We sent a code to ${email}.`)
        assert.equal(await focusedId(page), 'code', 'the focus moved to the code field')
        assert.equal(await codeField(page).getAttribute('autocomplete'), 'one-time-code')
        assert.equal(await codeField(page).getAttribute('inputmode'), 'numeric')
        await screenshot(page, '2-code')
        if (mode === 'browser') {
          const csrf = (await context.cookies()).filter((c) => c.name.startsWith('csrf_token_'))
          assert.equal(csrf.length, 1, 'Kratos’s CSRF cookie reached the browser')
        }

        await typeCode(page, codeFor(email))
        await heading(page, 'You are subscribed')
        await page.getByText(`Subscribed and signed in as ${email}.`).waitFor()
        assert.equal(await focusedId(page), 'form-title', 'the focus moved to the new heading')
        const cookie = await sessionCookie(context, mode)
        assert.ok(cookie?.httpOnly, 'the session cookie is set, HttpOnly')
        assert.equal(await member(page), email)
        await screenshot(page, '4-subscribed')
        // A reload keeps the person signed in (the page asks /api/members/me).
        await page.reload()
        await heading(page, 'You are signed in')
      })
    })

    it('a returning subscriber gets a login code and is welcomed back', async () => {
      await withPage(app(), async (page) => {
        const email = newEmail()
        await signUp(page, email)
        await submit(page, 'Sign out', 'logout')
        await heading(page, 'Subscribe')
        assert.equal(await emailField(page).inputValue(), email, 'the address is still in the field')
        await submit(page, 'Send me a code', 'subscribe')
        await heading(page, 'Check your e-mail')
        await typeCode(page, codeFor(email))
        await heading(page, 'Welcome back') // only a login flow ends here
        assert.equal(await member(page), email)
      })
    })

    it('a wrong code is refused on the code step, read out and tied to the field; then the right code signs in', async () => {
      await withPage(app(), async (page) => {
        const email = mode === 'api' ? 'grace@example.com' : newEmail()
        await sendCode(page, email)
        const code = codeFor(email)
        await typeCode(page, wrongCode(code))
        await alert(page, 'That code is not right. Check the newest e-mail from us and try again.')
        await heading(page, 'Check your e-mail')
        assert.equal(await codeField(page).getAttribute('aria-invalid'), 'true')
        assert.equal(await codeField(page).getAttribute('aria-describedby'), 'form-error')
        await screenshot(page, '3-wrong-code')
        await typeCode(page, code)
        await heading(page, 'You are subscribed')
        assert.equal(await errorRegion(page).textContent(), '', 'the error is gone')
      })
    })

    it('resend: a new code arrives, the old one is refused, the new one signs in', async () => {
      await withPage(app(), async (page) => {
        const email = newEmail()
        await sendCode(page, email)
        const old = codeFor(email)
        await submit(page, 'Send a new code', 'resend')
        await notice(page, `We sent a new code to ${email}. The previous one no longer works.`)
        const fresh = codeFor(email)
        assert.notEqual(fresh, old)
        assert.equal(await focusedId(page), 'code')
        await typeCode(page, old)
        await alert(page, 'That code is not right.')
        await typeCode(page, fresh)
        await heading(page, 'You are subscribed')
      })
    })

    it('an expired flow goes back to the e-mail step with the address kept, and a new code works', async () => {
      await withPage(app(), async (page) => {
        const email = newEmail()
        await sendCode(page, email)
        const code = codeFor(email)
        emu.advanceTime(2 * 60 * 60_000) // flows live 1 h
        await typeCode(page, code)
        await alert(page, 'This code has expired. We kept your address: send yourself a new code.')
        await heading(page, 'Subscribe')
        assert.equal(await noticeRegion(page).textContent(), '', '"We sent a code" is no longer true')
        assert.equal(await emailField(page).inputValue(), email)
        assert.equal(await focusedId(page), 'email')
        await submit(page, 'Send me a code', 'subscribe')
        await heading(page, 'Check your e-mail')
        await typeCode(page, codeFor(email))
        await heading(page, 'You are subscribed')
      })
    })

    it('rate limited: the resend button waits for Retry-After with a countdown, sends nothing meanwhile, then works', async () => {
      await withPage(app(), async (page) => {
        const email = newEmail()
        await sendCode(page, email)
        const resends = []
        page.on('request', (r) => r.url().endsWith('/api/subscriptions/resend') && resends.push(r.url()))
        const fault = emu.setFault({ kind: 'rate_limited', route: '/self-service', retryAfterSeconds: 3, times: 1 })
        try {
          await submit(page, 'Send a new code', 'resend')
          await alert(page, 'Too many requests. You can try again in 3 seconds.')
        } finally {
          emu.removeFault(fault)
        }
        const limitedAt = Date.now()
        const waiting = page.getByRole('button', { name: /^Send a new code \(in [1-3] s\)$/ })
        await waiting.waitFor()
        assert.equal(await waiting.getAttribute('aria-disabled'), 'true')
        await waiting.click({ force: true }) // a click while it waits sends nothing
        assert.equal(resends.length, 1)

        await page.getByRole('button', { name: 'Send a new code', exact: true }).waitFor({ timeout: 8_000 })
        assert.ok(Date.now() - limitedAt >= 1_500, 'the button waited for Retry-After')
        assert.equal(await button(page, 'Send a new code').getAttribute('aria-disabled'), 'false')
        await submit(page, 'Send a new code', 'resend')
        await notice(page, 'We sent a new code')
        assert.equal(resends.length, 2)
        await typeCode(page, codeFor(email))
        await heading(page, 'You are subscribed')
      })
    })

    it('sign out: back to the e-mail step, the session cookie is gone, and a reload stays signed out', async () => {
      await withPage(app(), async (page, context) => {
        await signUp(page, newEmail())
        assert.ok(await sessionCookie(context, mode))
        await submit(page, 'Sign out', 'logout')
        await heading(page, 'Subscribe')
        await notice(page, 'You are signed out.')
        assert.equal(await focusedId(page), 'email')
        assert.equal(await sessionCookie(context, mode), undefined)
        assert.equal(await member(page), null)
        await page.reload()
        await heading(page, 'Subscribe')
      })
    })

    it('a reload between the two steps keeps the code step, and the code still works', async () => {
      await withPage(app(), async (page, context) => {
        const email = newEmail()
        await sendCode(page, email)
        const csrf = async () => (await context.cookies()).filter((c) => c.name.startsWith('csrf_token_')).map((c) => `${c.name}=${c.value}`)
        const before = await csrf()
        await page.reload()
        await heading(page, 'Check your e-mail')
        await page.getByText(`Type the code we sent to ${email}.`).waitFor()
        assert.equal(await focusedId(page), 'code')
        // Browser mode: Kratos's CSRF cookie of this flow survived the reload, or the verify
        // below would be a 403 csrf_violation. API mode has none.
        assert.deepEqual(await csrf(), before)
        assert.equal(before.length, mode === 'browser' ? 1 : 0)
        await typeCode(page, codeFor(email))
        await heading(page, 'You are subscribed')
      })
    })

    it('keyboard only: Tab, typing and Enter through both steps, then sign out', async () => {
      await withPage(app(), async (page) => {
        const email = newEmail()
        await page.keyboard.press('Tab')
        assert.equal(await focusedId(page), 'email', 'the e-mail field is the first stop')
        await page.keyboard.type(email)
        await page.keyboard.press('Enter')
        await heading(page, 'Check your e-mail')
        assert.equal(await focusedId(page), 'code')
        await page.keyboard.type(codeFor(email))
        await page.keyboard.press('Enter')
        await heading(page, 'You are subscribed')
        await page.keyboard.press('Tab')
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Sign out')
        await page.keyboard.press('Enter')
        await heading(page, 'Subscribe')
        assert.equal(await focusedId(page), 'email')
      })
    })

    it('a refused address, Ory unavailable, and too many wrong codes (back to the e-mail step) each have their message', async () => {
      await withPage(app(), async (page) => {
        await emailField(page).fill('not-an-email')
        await submit(page, 'Send me a code', 'subscribe')
        await alert(page, 'Please enter a valid e-mail address, like name@example.com.')
        assert.equal(await emailField(page).getAttribute('aria-invalid'), 'true')

        const fault = emu.setFault({ kind: 'server_error', route: '/self-service', times: 1 })
        try {
          await emailField(page).fill(newEmail())
          await submit(page, 'Send me a code', 'subscribe')
          await alert(page, 'The sign-in service is not available right now. Please try again in a moment.')
          await heading(page, 'Subscribe')
        } finally {
          emu.removeFault(fault)
        }

        const email = newEmail()
        await sendCode(page, email)
        const code = codeFor(email)
        for (let i = 0; i < 5; i++) {
          await typeCode(page, wrongCode(code))
          await alert(page, 'That code is not right.')
        }
        await typeCode(page, code) // the flow took five tries: this one is refused, right or not
        await alert(page, 'Too many wrong codes. We kept your address: send yourself a new code.')
        await heading(page, 'Subscribe')
        assert.equal(await emailField(page).inputValue(), email)
      })
    })

    it('an account made between the two steps, and (browser mode) a lost CSRF cookie, go back to the e-mail step', async () => {
      await withPage(app(), async (page, context) => {
        const email = newEmail()
        await sendCode(page, email) // a registration flow
        emu.createIdentity(email) // now the address has an account: Kratos answers account_exists
        await typeCode(page, codeFor(email))
        await alert(page, 'Your account changed since we sent the code. Send yourself a new code.')
        await heading(page, 'Subscribe')
        assert.equal(await emailField(page).inputValue(), email)
        if (mode !== 'browser') return

        await sendCode(page, email) // a login flow now
        await context.clearCookies({ name: /^csrf_token_/ })
        await typeCode(page, codeFor(email))
        await alert(page, 'This browser did not keep the cookies of this sign-in.')
        await heading(page, 'Subscribe')
        assert.equal(await emailField(page).inputValue(), email)
      })
    })

    it('axe-core finds no serious or critical violation on any step, an error shown included', async () => {
      await withPage(app(), async (page) => {
        await checkAccessibility(page, 'the e-mail step')
        await emailField(page).fill('not-an-email')
        await submit(page, 'Send me a code', 'subscribe')
        await alert(page, 'Please enter a valid e-mail address')
        await checkAccessibility(page, 'the e-mail step with an error')
        const email = newEmail()
        await sendCode(page, email)
        await checkAccessibility(page, 'the code step')
        await typeCode(page, codeFor(email))
        await heading(page, 'You are subscribed')
        await checkAccessibility(page, 'the signed-in state')
      })
    })
  })
}

describe('Kratos without a session after registration (API mode)', { timeout: 120_000 }, () => {
  it('a new subscriber is confirmed but not signed in: no sign-out button, no session cookie', async () => {
    await withPage(apps.noSession, async (page, context) => {
      const email = newEmail()
      await sendCode(page, email)
      await typeCode(page, codeFor(email, emuNoSession))
      await heading(page, 'You are subscribed')
      await page.getByText(`Your address is confirmed: ${email}.`).waitFor()
      assert.equal(await button(page, 'Sign out').count(), 0)
      assert.equal(await sessionCookie(context, 'api'), undefined)
      assert.equal(await member(page), null)
    })
  })
})

describe('secrets', () => {
  it('no code typed into the page and no session cookie reached either server’s output', () => {
    assert.ok(secrets.length >= 20, `expected codes and cookies to check, got ${secrets.length}`)
    const logs = Object.values(apps).map((a) => a.log).join('\n')
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret reached a server log')
  })
})
