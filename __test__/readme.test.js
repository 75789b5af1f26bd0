// The README shows tested code: every block marked `<!-- include: <file> -->` must equal that
// file, which the suites run as written. And the README's test command is what CI runs.
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')

describe('README', () => {
  const includes = [...readme.matchAll(/<!-- include: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)]

  test('includes the tested examples', () => {
    expect(includes.map((m) => m[1])).toEqual([
      'examples/readme/subscribe-endpoint.mjs',
      'examples/readme/browser-endpoint.mjs',
      'examples/readme/emulator.test.js',
    ])
  })

  test.each(includes.map((m) => [m[1], m[2]]))('shows %s exactly as it is tested', (file, shown) => {
    expect(shown).toBe(fs.readFileSync(path.join(root, file), 'utf8'))
  })

  test('gives `npm test` as the test command, which is what .ci/run runs', () => {
    expect(readme).toMatch(/^npm test {7}# installs, builds, runs every test/m)
    expect(fs.readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^npm test <\/dev\/null$/m)
  })

  test('has no unfilled placeholders', () => {
    expect(readme).not.toMatch(/PLACEHOLDER|TODO|TBD/)
  })
})
