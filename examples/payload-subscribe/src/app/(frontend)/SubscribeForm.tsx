'use client'
// The subscribe form: the e-mail step, the code step, and the subscribed / signed-in state with
// a sign-out button. Copy this file into your app: it needs only React and
// `ory-otc/payload/client`, and it works the same with the plugin in API and in browser mode (the
// session and CSRF cookies are HttpOnly and travel by themselves).
//
// Every result the endpoints can give has a case in `showFailure`, and `tsc` fails when one is
// missing. Accessibility: each field has a label, the browser knows what to autofill
// (`autocomplete="email"`, `autocomplete="one-time-code"`), the code field opens a number pad
// (`inputmode="numeric"`) and gets the focus, errors are announced (`role="alert"`) and tied to
// their field, and nothing needs a mouse.
import { type CodeSent, type Failure, logout, resend, subscribe, verify } from 'ory-otc/payload/client'
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react'

/** The users collection the plugin signs people in to (`users.collection` in payload.config.ts). */
const ME_URL = '/api/members/me'
/** The flow between the two steps, kept per tab so that a reload lands on the code step again. */
const PENDING_KEY = 'subscribe:pending'

type Flow = Pick<CodeSent, 'flowId' | 'flowType'>
type Step =
  | { name: 'loading' }
  | { name: 'email' }
  | ({ name: 'code' } & Flow)
  | { name: 'done'; email: string; how: 'registered' | 'returning' | 'session' | 'confirmed' }
type Field = 'email' | 'code'
/** `id` changes with every error, so that the same sentence twice is announced twice. */
type ErrorState = { id: number; text: string; field?: Field }
/** After a 429: which action waits, and until when (ms since the epoch). */
type Wait = { action: 'send' | 'verify'; until: number }

export function SubscribeForm() {
  const [step, setStep] = useState<Step>({ name: 'loading' })
  const [email, setEmail] = useState('')
  const [code, setCode] = useState('')
  const [error, setError] = useState<ErrorState | null>(null)
  const [notice, setNotice] = useState('')
  const [busy, setBusy] = useState(false)
  const [wait, setWait] = useState<Wait | null>(null)
  const [now, setNow] = useState(() => Date.now())
  const [focus, setFocus] = useState<Field | 'done' | null>(null)
  const emailRef = useRef<HTMLInputElement>(null)
  const codeRef = useRef<HTMLInputElement>(null)
  const titleRef = useRef<HTMLHeadingElement>(null)

  const fail = useCallback((text: string, field?: Field) => setError((e) => ({ id: (e?.id ?? 0) + 1, text, field })), [])

  // Signed in already (a session cookie from an earlier visit), half-way through (a reload on the
  // code step), or new.
  useEffect(() => {
    let cancelled = false
    currentMemberEmail().then((signedIn) => {
      if (cancelled) return
      if (signedIn) return setStep({ name: 'done', email: signedIn, how: 'session' })
      const pending = readPending()
      if (!pending) return setStep({ name: 'email' })
      setEmail(pending.email)
      setStep({ name: 'code', flowId: pending.flowId, flowType: pending.flowType })
      setFocus('code')
    })
    return () => {
      cancelled = true
    }
  }, [])

  // Moves the focus after the step it belongs to has rendered.
  useEffect(() => {
    if (!focus) return
    const target = { email: emailRef, code: codeRef, done: titleRef }[focus].current
    if (!target) return
    target.focus()
    setFocus(null)
  }, [focus, step])

  // Ticks the countdown of a rate limit once a second, and ends it.
  useEffect(() => {
    if (!wait) return
    const timer = setInterval(() => {
      setNow(Date.now())
      if (Date.now() >= wait.until) setWait(null)
    }, 250)
    return () => clearInterval(timer)
  }, [wait])
  const secondsLeft = wait ? Math.max(1, Math.ceil((wait.until - now) / 1000)) : 0
  const waiting = (action: Wait['action']) => wait?.action === action

  /** Back to the e-mail step, keeping the address, with `text` saying why. */
  function restart(text: string) {
    writePending(null)
    setCode('')
    setNotice('')
    setStep({ name: 'email' })
    fail(text, 'email')
    setFocus('email')
  }

  /** Says what went wrong, and moves to the step that can fix it. */
  async function showFailure(f: Failure, action: Wait['action']) {
    switch (f.status) {
      case 'invalid_identifier':
        return fail('Please enter a valid e-mail address, like name@example.com.', 'email')
      case 'invalid_code':
        // Kratos does not say how many tries are left; after the last one it answers too_many_attempts.
        return fail('That code is not right. Check the newest e-mail from us and try again.', 'code')
      case 'too_many_attempts':
        return restart('Too many wrong codes. We kept your address: send yourself a new code.')
      case 'code_expired':
      case 'flow_expired':
        return restart('This code has expired. We kept your address: send yourself a new code.')
      case 'flow_not_found':
        return restart('This sign-in has ended. We kept your address: send yourself a new code.')
      case 'account_not_found':
      case 'account_exists':
        // The address gained or lost its account since the code was sent: a new code picks the right flow.
        return restart('Your account changed since we sent the code. Send yourself a new code.')
      case 'csrf_violation':
        return restart('This browser did not keep the cookies of this sign-in. Allow cookies for this site, then send a new code.')
      case 'session_already_available': {
        // Browser mode: this browser is signed in already (in another tab, say).
        const signedIn = await currentMemberEmail()
        if (signedIn) return finish({ name: 'done', email: signedIn, how: 'session' })
        return fail('You are already signed in. Reload the page.')
      }
      case 'rate_limited':
        setWait({ action, until: Date.now() + f.retryAfterSeconds * 1000 })
        setNow(Date.now())
        return fail(`Too many requests. You can try again in ${plural(f.retryAfterSeconds, 'second')}.`)
      case 'auth_unavailable':
        return fail('The sign-in service is not available right now. Please try again in a moment.')
      case 'network_error':
        return fail('We could not reach the server. Check your connection and try again.')
      case 'invalid_request':
      case 'rejected':
      case 'unexpected_response':
        return fail('Something went wrong on our side. Please try again.')
      default:
        return unreachable(f)
    }
  }

  function finish(done: Extract<Step, { name: 'done' }>) {
    writePending(null)
    setCode('')
    setError(null)
    setNotice('')
    setStep(done)
    setFocus('done')
  }

  /** Runs one request at a time: a second Enter while the first is on its way does nothing. */
  async function run(task: () => Promise<void>) {
    if (busy) return
    setBusy(true)
    try {
      await task()
    } finally {
      setBusy(false)
    }
  }

  const onSubscribe = (event: FormEvent) => {
    event.preventDefault()
    if (waiting('send')) return
    const address = email.trim()
    if (!address) return fail('Please enter your e-mail address.', 'email')
    return run(async () => {
      const sent = await subscribe(address)
      if (!sent.ok) return showFailure(sent, 'send')
      const flow = { flowId: sent.flowId, flowType: sent.flowType }
      writePending({ ...flow, email: address })
      setError(null)
      setNotice(`We sent a code to ${address}.`)
      setStep({ name: 'code', ...flow })
      setFocus('code')
    })
  }

  const onVerify = (event: FormEvent) => {
    event.preventDefault()
    if (step.name !== 'code' || waiting('verify')) return
    // People paste "123 456" or "123-456".
    const digits = code.replace(/[\s-]/g, '')
    if (!digits) return fail('Please enter the code from the e-mail.', 'code')
    return run(async () => {
      const done = await verify({ flowId: step.flowId, flowType: step.flowType, code: digits })
      if (!done.ok) return showFailure(done, 'verify')
      const address = done.email ?? email.trim()
      if (done.status === 'registered') return finish({ name: 'done', email: address, how: 'confirmed' })
      finish({ name: 'done', email: address, how: step.flowType === 'login' ? 'returning' : 'registered' })
    })
  }

  const onResend = () => {
    if (step.name !== 'code' || waiting('send')) return
    return run(async () => {
      const sent = await resend({ flowId: step.flowId, flowType: step.flowType, email: email.trim() })
      if (!sent.ok) return showFailure(sent, 'send')
      setCode('')
      setError(null)
      setNotice(`We sent a new code to ${email.trim()}. The previous one no longer works.`)
      setFocus('code')
    })
  }

  const onOtherAddress = () => {
    writePending(null)
    setCode('')
    setError(null)
    setNotice('')
    setStep({ name: 'email' })
    setFocus('email')
  }

  const onSignOut = () =>
    run(async () => {
      const r = await logout()
      if (!r.ok) return showFailure(r, 'send')
      setStep({ name: 'email' })
      setError(null)
      setNotice('You are signed out.')
      setFocus('email')
    })

  const errorFor = (field: Field) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'form-error' } : {})
  const waitLabel = (label: string, action: Wait['action']) => (waiting(action) ? `${label} (in ${secondsLeft} s)` : label)

  return (
    <section aria-labelledby="form-title" aria-busy={busy || step.name === 'loading'}>
      {/* Focused when the person is signed in, so that a screen reader reads the new state. */}
      <h2 id="form-title" ref={titleRef} tabIndex={-1}>
        {titleOf(step)}
      </h2>
      {/* Both live regions are in the page from the start: screen readers announce changes to them. */}
      <p id="form-notice" role="status" className="notice">
        {notice}
      </p>
      <p id="form-error" role="alert" className="error">
        {error && <span key={error.id}>{error.text}</span>}
      </p>


      {step.name === 'email' && (
        // noValidate: the server's answer (invalid_identifier) is shown in the page, read out and
        // tied to the field, instead of the browser's bubble.
        <form onSubmit={onSubscribe} noValidate>
          <label htmlFor="email">E-mail address</label>
          <input
            ref={emailRef}
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            {...errorFor('email')}
          />
          <button type="submit" aria-disabled={busy || waiting('send')}>
            {waitLabel(busy ? 'Sending…' : 'Send me a code', 'send')}
          </button>
        </form>
      )}

      {step.name === 'code' && (
        <form onSubmit={onVerify} noValidate>
          <p>
            Type the code we sent to <strong>{email}</strong>.
          </p>
          <label htmlFor="code">Code</label>
          <input
            ref={codeRef}
            id="code"
            name="code"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
            {...errorFor('code')}
          />
          <button type="submit" aria-disabled={busy || waiting('verify')}>
            {waitLabel('Confirm', 'verify')}
          </button>
          <div className="secondary">
            <button type="button" onClick={onResend} aria-disabled={busy || waiting('send')}>
              {waitLabel('Send a new code', 'send')}
            </button>
            <button type="button" onClick={onOtherAddress}>
              Use another address
            </button>
          </div>
        </form>
      )}

      {step.name === 'done' && (
        <div>
          <p>
            {step.how === 'confirmed' ? 'Your address is confirmed: ' : 'Subscribed and signed in as '}
            <strong>{step.email}</strong>.
          </p>
          {step.how !== 'confirmed' && (
            <button type="button" onClick={onSignOut} aria-disabled={busy}>
              Sign out
            </button>
          )}
        </div>
      )}
    </section>
  )
}

/** The address of the member the session cookie signs in, or null (Payload's `GET /api/<users>/me`). */
async function currentMemberEmail(): Promise<string | null> {
  try {
    const res = await fetch(ME_URL, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    const body = await res.json()
    return typeof body?.user?.email === 'string' ? body.user.email : null
  } catch {
    return null // no answer: show the form; subscribing will say what is wrong
  }
}

function readPending(): (Flow & { email: string }) | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null')
    const ok = typeof value?.flowId === 'string' && typeof value.email === 'string' && ['login', 'registration'].includes(value.flowType)
    return ok ? value : null
  } catch {
    return null
  }
}

/** The flow id is no secret (Kratos puts it in URLs); the code never goes here. */
function writePending(value: (Flow & { email: string }) | null) {
  try {
    if (value) sessionStorage.setItem(PENDING_KEY, JSON.stringify(value))
    else sessionStorage.removeItem(PENDING_KEY)
  } catch {
    // Storage disabled: a reload then starts over at the e-mail step.
  }
}

function titleOf(step: Step): string {
  switch (step.name) {
    case 'loading':
      return 'Loading…'
    case 'email':
      return 'Subscribe'
    case 'code':
      return 'Check your e-mail'
    case 'done':
      return step.how === 'returning' ? 'Welcome back' : step.how === 'session' ? 'You are signed in' : 'You are subscribed'
  }
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`

function unreachable(x: never): never {
  throw new Error(`unhandled result ${JSON.stringify(x)}`)
}
