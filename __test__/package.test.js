// The packages as users get them: `npm run pack -- --dev` writes the tarballs of napi-rs's layout (the
// client and its binary, the emulator and its binary); they are installed with `npm install`
// into a fresh project, where require(), import and the CLIs all sign a user in against the
// emulator.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const { runCli } = require('./helpers')
const { hostPlatform } = require('../scripts/platforms.js')

const root = path.join(__dirname, '..')
const { version } = require('../package.json')
// This machine's napi platform name, the one index.js's loader tries first (scripts/platforms.js
// holds the table): `npm run pack -- --dev` packs this platform's binary only.
const platform = hostPlatform()
const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm'

// npm is npm.cmd on Windows, which only a shell starts; the shell then needs paths quoted.
const viaShell = (cmd) => cmd === npmCmd && process.platform === 'win32'
const sh = (cmd, args, cwd, input) =>
  execFileSync(cmd, viaShell(cmd) ? args.map((a) => (/\s/.test(a) ? `"${a}"` : a)) : args, {
    cwd,
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 120000,
    shell: viaShell(cmd),
  })

describe('the packed package', () => {
  let project
  beforeAll(() => {
    sh(npmCmd, ['run', '--silent', 'pack', '--', '--dev'], root)
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'ory-otc-pack-'))
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
    sh(
      npmCmd,
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...['ory-otc', `ory-otc-${platform}`, 'ory-otc-emulator', `ory-otc-emulator-${platform}`].map((name) =>
          path.join(root, 'dist', `${name}-${version}.tgz`),
        ),
      ],
      project,
    )
  }, 180000)
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  test('installs as real directories, with the binary in its own package', () => {
    const main = path.join(project, 'node_modules', 'ory-otc')
    expect(fs.lstatSync(main).isSymbolicLink()).toBe(false)
    const files = fs.readdirSync(main)
    expect(files).toEqual(expect.arrayContaining(['bin', 'index.d.ts', 'index.js', 'native.d.ts', 'native.js', 'package.json']))
    expect(files.filter((f) => f.endsWith('.node') || f === 'src' || f === 'crates')).toEqual([])
    expect(fs.readdirSync(path.join(project, 'node_modules', `ory-otc-${platform}`))).toContain(`ory-otc.${platform}.node`)
    expect(fs.readdirSync(path.join(project, 'node_modules', `ory-otc-emulator-${platform}`))).toContain(`ory-otc-emulator.${platform}.node`)
  })

  test("the client's binary holds no emulator", () => {
    const script = `const b = require('ory-otc-${platform}'); console.log(Object.keys(b).sort().join(','))`
    const exported = sh(process.execPath, ['-e', script], project).trim().split(',')
    expect(exported).toEqual(expect.arrayContaining(['OryOtc', 'initiateOtcLogin', 'completeOtcLogin']))
    expect(exported.filter((name) => /emulator/i.test(name))).toEqual([])
  })

  test("startEmulator from 'ory-otc' throws an error naming the package it moved to", () => {
    const script = `try { require('ory-otc').startEmulator() } catch (e) { console.log(e.code + ' ' + e.message) }`
    const out = sh(process.execPath, ['-e', script], project).trim()
    expect(out).toMatch(/^ERR_ORY_EMULATOR_MOVED startEmulator moved to the package 'ory-otc-emulator'/)
  })

  const signIn = `
    const emu = await startEmulator({ identities: ['a@example.com'] })
    const ory = new OryOtc({ baseUrl: emu.url })
    const sent = await ory.sendLoginCode('a@example.com')
    const done = await ory.verifyLoginCode({ flowId: sent.flowId, code: emu.codeFor('a@example.com'), identifier: sent.identifier })
    await emu.close()
    console.log(sent.status + ' ' + done.status)`

  test('require() signs in', () => {
    const script = `const { OryOtc } = require('ory-otc'); const { startEmulator } = require('ory-otc-emulator'); (async () => { ${signIn} })()`
    expect(sh(process.execPath, ['-e', script], project).trim()).toBe('code_sent signed_in')
  })

  test('import { OryOtc } signs in', () => {
    const imports = "import { OryOtc } from 'ory-otc'\nimport { startEmulator } from 'ory-otc-emulator'"
    fs.writeFileSync(path.join(project, 'esm.mjs'), `${imports}\n${signIn}\n`)
    expect(sh(process.execPath, ['esm.mjs'], project).trim()).toBe('code_sent signed_in')
  })

  test('the ory-otc CLI from node_modules/.bin signs in', async () => {
    const cli = path.join(project, 'node_modules', '.bin', 'ory-otc')
    const r = await runCli(cli, ['subscribe', 'a@example.com', '--emulator', '--json'], { cwd: project })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 0, send: { status: 'code_sent' }, verify: { status: 'signed_in' } })
  })

  test('the ory-otc-emulator CLI from node_modules/.bin serves', async () => {
    const cli = path.join(project, 'node_modules', '.bin', 'ory-otc-emulator')
    const r = await runCli(cli, ['--help'], { cwd: project, typeCode: false })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: ory-otc-emulator/)
  })

  test("README's Jest example passes in the project under --detectOpenHandles, reports no open handle and ends by itself", () => {
    fs.copyFileSync(path.join(root, 'examples', 'readme', 'emulator.test.js'), path.join(project, 'readme.test.js'))
    const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js')
    // No --forceExit: a handle left open would keep Jest running into the timeout, and fail here.
    const r = spawnSync(process.execPath, [jest, '--ci', '--detectOpenHandles', '--rootDir', project, 'readme.test.js'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 90000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    const output = r.stdout + r.stderr
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null })
    expect(output).toMatch(/Tests:\s+3 passed, 3 total/)
    expect(output).not.toMatch(/open handle/i)
  }, 120000)

  test('without the binary package, loading names the package and platform', () => {
    fs.rmSync(path.join(project, 'node_modules', `ory-otc-${platform}`), { recursive: true })
    let err
    try {
      sh(process.execPath, ['-e', "require('ory-otc')"], project)
    } catch (e) {
      err = e
    }
    expect(err.stderr).toContain(`ory-otc has no native binary for ${platform}: the package ory-otc-${platform} is not installed`)
    expect(err.stderr).toMatch(/ERR_ORY_NATIVE_BINARY_MISSING/)
  })
})
