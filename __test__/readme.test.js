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

  // npm's website shows README.md and resolves its relative links against `repository`
  // (`directory` for a package in a subfolder): each must name an existing file, and each
  // published package must say where it lives.
  test.each([
    ['README.md', '.'],
    ['packages/emulator/README.md', 'packages/emulator'],
  ])('%s links only to files that exist', (file, dir) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8')
    const links = [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l))
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect([file, link, fs.existsSync(path.join(root, dir, link))]).toEqual([file, link, true])
  })

  test.each([
    ['package.json', undefined],
    ['packages/emulator/package.json', 'packages/emulator'],
  ])('%s names its repository, homepage and issue tracker', (file, directory) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))
    expect(pkg.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/), ...(directory ? { directory } : {}) })
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/.+#readme$/)
    expect(pkg.bugs.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/)
  })
})
