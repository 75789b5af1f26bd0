// Shared by the reliability suites: loopback servers that fail in chosen ways, a timer around a
// call, a scan for secrets in anything a call returned or threw, and the emulator in a child
// process (so a load test's sockets and memory are split from the client's).
//
// Every server here listens on loopback only; a "foreign origin" is 127.0.0.2 (any 127/8
// address is loopback on Linux), or another port on 127.0.0.1 where that address is missing.
const fs = require('node:fs')
const http = require('node:http')
const https = require('node:https')
const net = require('node:net')
const path = require('node:path')
const util = require('node:util')
const { fork } = require('node:child_process')

/** Secrets every call in these suites carries; none may come back in an error or a result. */
const SECRETS = {
  // 16 digits: a code Kratos would refuse, and a string nothing else in a message contains.
  code: '8392017465019283',
  token: 'ory_st_LeakCheck0123456789abcdefghijk',
  apiKey: 'ory_pat_LeakCheck9876543210zyxwvutsrq',
}

/** Tracks sockets so close() also ends connections a client keeps open. */
function closable(server) {
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

async function listen(server, host) {
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server.address().port
}

/**
 * An HTTP server on another loopback origin that logs every connection and request. The
 * fault matrix points `ui.action` and redirects at it and asserts its log stays empty.
 */
async function foreignServer() {
  const log = []
  const server = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url}`)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  server.on('connection', () => log.push('connection'))
  const close = closable(server)
  let host = '127.0.0.2'
  let port
  try {
    port = await listen(server, host)
  } catch {
    host = '127.0.0.1'
    port = await listen(server, host)
  }
  return { url: `http://${host}:${port}`, log, close }
}

/** HTTPS with a self-signed certificate for 127.0.0.1, which the OS trust store refuses. */
async function selfSignedServer() {
  const log = []
  const dir = path.join(__dirname, 'fixtures')
  const server = https.createServer(
    { key: fs.readFileSync(path.join(dir, 'self-signed.key')), cert: fs.readFileSync(path.join(dir, 'self-signed.crt')) },
    (req, res) => {
      log.push(`${req.method} ${req.url}`)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    },
  )
  let handshakes = 0
  server.on('connection', () => (handshakes += 1))
  const close = closable(server)
  const port = await listen(server, '127.0.0.1')
  return { url: `https://127.0.0.1:${port}`, log, handshakes: () => handshakes, close }
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function refusedUrl() {
  const server = net.createServer()
  const port = await listen(server, '127.0.0.1')
  await new Promise((r) => server.close(r))
  return `http://127.0.0.1:${port}`
}

/** `.invalid` never resolves (RFC 6761). */
const UNRESOLVABLE_URL = 'https://ory-otc-reliability.invalid'

/**
 * Whether this machine's resolver says at once that UNRESOLVABLE_URL's host does not exist, which
 * the DNS rows need: a resolver that answers it with an address (some ISPs' do) or takes longer
 * than the rows' timeout would make them check something else. Asked the way the client asks
 * (getaddrinfo, through Node's dns.lookup), in a child process so that the answer is known when
 * the tests are declared. Returns null when it does, else the reason the rows cannot run.
 */
function unresolvableFailsFast(withinMs) {
  const { spawnSync } = require('node:child_process')
  const host = new URL(UNRESOLVABLE_URL).hostname
  const script = `const t = performance.now(); require('node:dns').lookup(${JSON.stringify(host)}, (e, address) =>
    console.log(JSON.stringify({ code: e?.code ?? null, address: address ?? null, ms: Math.round(performance.now() - t) })))`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: withinMs * 4 + 2000 })
  let answer
  try {
    answer = JSON.parse(r.stdout)
  } catch {
    return `the resolver did not answer for ${host} within ${withinMs * 4 + 2000} ms`
  }
  if (answer.address !== null) return `this machine's resolver answers ${host} with ${answer.address} (a .invalid name must not resolve)`
  if (answer.ms > withinMs) return `this machine's resolver took ${answer.ms} ms to refuse ${host} (the DNS rows need under ${withinMs} ms)`
  return null
}

/**
 * An HTTP server whose every answer is a JSON body that never ends (chunked, no length).
 * Counts the bytes it managed to write.
 */
async function endlessBodyServer() {
  let written = 0
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(16 * 1024, 'a')
    res.write('["')
    const pump = () => {
      while (!res.destroyed) {
        written += chunk.length
        if (!res.write(chunk)) return res.once('drain', pump)
      }
    }
    pump()
  })
  const close = closable(server)
  const port = await listen(server, '127.0.0.1')
  return { url: `http://127.0.0.1:${port}`, written: () => written, close }
}

/** Runs `call()` and resolves how it ended and how long it took, in ms. */
async function timed(call) {
  const started = performance.now()
  try {
    const value = await call()
    return { ok: true, value, ms: performance.now() - started }
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started }
  }
}

/**
 * Every text a caller could see of `value`: message, stack, each own property (enumerable or
 * not, symbols too), `cause`, `util.inspect` with hidden fields, JSON. For results, the one
 * place a secret belongs (`sessionToken` of `signed_in`) is left out by the caller.
 */
function exposedTexts(value, seen = new Set()) {
  if (value === null || value === undefined) return []
  if (typeof value !== 'object' && typeof value !== 'function') return [String(value)]
  if (seen.has(value)) return []
  seen.add(value)
  const texts = [util.inspect(value, { showHidden: true, depth: Infinity, getters: true })]
  try {
    texts.push(JSON.stringify(value))
  } catch {}
  if (value instanceof Error) texts.push(String(value), value.message, value.stack ?? '')
  for (const key of [...Object.getOwnPropertyNames(value), ...Object.getOwnPropertySymbols(value)]) {
    let v
    try {
      v = value[key]
    } catch {
      continue
    }
    texts.push(String(key), ...exposedTexts(v, seen))
  }
  return texts
}

/** The secrets (by name) that appear anywhere `exposedTexts` looks. */
function leaks(value, secrets = SECRETS) {
  const texts = exposedTexts(value)
  return Object.entries(secrets)
    .filter(([, secret]) => texts.some((t) => t.includes(secret)))
    .map(([name]) => name)
}

/**
 * The emulator in a child process, driven over IPC: `await emu.call('createIdentity', email)`.
 * `url` is its public URL.
 */
async function emulatorProcess(options = {}) {
  const child = fork(path.join(__dirname, 'emulator-process.js'), [JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const pending = new Map()
  let next = 0
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`emulator process exited (${code})`)))
    child.on('message', (m) => {
      if (m.ready) return resolve(m.url)
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (m.error) p?.reject(new Error(m.error))
      else p?.resolve(m.value)
    })
  })
  const url = await ready
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const id = ++next
      pending.set(id, { resolve, reject })
      child.send({ id, op, args })
    })
  const close = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.send({ op: 'close' })
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  return { url, call, close, pid: child.pid }
}

module.exports = {
  SECRETS,
  UNRESOLVABLE_URL,
  unresolvableFailsFast,
  foreignServer,
  selfSignedServer,
  refusedUrl,
  endlessBodyServer,
  timed,
  leaks,
  exposedTexts,
  emulatorProcess,
}
