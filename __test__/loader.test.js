// The binary loader at the top of index.js: on this platform it loads the binary beside index.js
// without napi-rs's generated loader, it tells a binary that fails to load from a missing one, and
// every napi package of the repository carries the same copy of it.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const { packages, hostPlatform } = require('../scripts/platforms.js')

const root = path.join(__dirname, '..')
const block = (file) => {
  const text = fs.readFileSync(file, 'utf8')
  const start = text.indexOf('// load-binary:start')
  const end = text.indexOf('// load-binary:end')
  return start === -1 || end === -1 ? null : text.slice(start, end)
}

describe('the binary loader', () => {
  test('every napi package has the same loader block in its index.js', () => {
    const blocks = packages().map((pkg) => ({ name: pkg.name, block: block(path.join(pkg.root, 'index.js')) }))
    expect(blocks.filter((b) => b.block === null).map((b) => b.name)).toEqual([])
    expect(new Set(blocks.map((b) => b.block)).size).toBe(1)
  })

  test("loads this platform's binary beside index.js, and not native.js", () => {
    const script = `require(${JSON.stringify(root)}); process.stdout.write(JSON.stringify(Object.keys(require.cache).map((f) => require('path').basename(f))))`
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' } }))
    expect(loaded).toContain(`ory-otc.${hostPlatform()}.node`)
    expect(loaded).not.toContain('native.js')
  })

  test('a binary that is there but does not load is reported as such, not as missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ory-otc-loader-'))
    try {
      for (const file of ['index.js', 'native.js', 'package.json']) fs.copyFileSync(path.join(root, file), path.join(dir, file))
      fs.writeFileSync(path.join(dir, `ory-otc.${hostPlatform()}.node`), 'not a shared library')
      const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dir)})`], { encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' } })
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain(`ory-otc's native binary for ${hostPlatform()} is installed but did not load`)
      expect(r.stderr).toContain('ERR_ORY_NATIVE_BINARY_MISSING')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  // A bundler (Next.js's Turbopack or webpack without withOryOtc) moves index.js away from its
  // package folder; it must then say so and name the fix, not fail on a `.node` file.
  test.each([
    ['ory-otc', root],
    ['ory-otc-emulator', path.join(root, 'packages/emulator')],
  ])('%s run from outside its package folder throws ERR_ORY_BUNDLED, naming withOryOtc', (name, dir) => {
    const chunk = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'))
    try {
      fs.copyFileSync(path.join(dir, 'index.js'), path.join(chunk, 'index.js'))
      const run = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(chunk)}) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`], { encoding: 'utf8' })
      const err = JSON.parse(run.stdout)
      expect(err.code).toBe('ERR_ORY_BUNDLED')
      expect(err.message).toContain(`${name} was bundled`)
      expect(err.message).toContain("withOryOtc from 'ory-otc/next'")
      expect(err.message).toContain(`add '${name}' to serverExternalPackages`)
    } finally {
      fs.rmSync(chunk, { recursive: true, force: true })
    }
  })

  test('keeps working where code generation from strings is disabled', () => {
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', `console.log(typeof require(${JSON.stringify(root)}).OryOtc)`], { encoding: 'utf8' })
    expect(out.trim()).toBe('function')
  })
})

describe('ory-otc/next', () => {
  const { withOryOtc } = require('ory-otc/next')

  test('adds ory-otc and ory-otc-emulator to serverExternalPackages, keeping the app’s own entries and options', () => {
    const config = { serverExternalPackages: ['sharp', 'ory-otc'], poweredByHeader: false }
    expect(withOryOtc(config)).toEqual({ serverExternalPackages: ['sharp', 'ory-otc', 'ory-otc-emulator'], poweredByHeader: false })
    expect(config.serverExternalPackages).toEqual(['sharp', 'ory-otc']) // not changed in place
    expect(withOryOtc()).toEqual({ serverExternalPackages: ['ory-otc', 'ory-otc-emulator'] })
  })

  test('keeps a config function a function', async () => {
    const wrapped = withOryOtc(async (phase) => ({ distDir: phase }))
    expect(typeof wrapped).toBe('function')
    await expect(wrapped('build')).resolves.toEqual({ distDir: 'build', serverExternalPackages: ['ory-otc', 'ory-otc-emulator'] })
  })

  test('refuses anything else with a TypeError', () => {
    expect(() => withOryOtc('next.config.js')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
  })
})
