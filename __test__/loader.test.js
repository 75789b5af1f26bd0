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
})
