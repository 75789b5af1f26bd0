#!/usr/bin/env node
// Runs every test: `npm test`, .ci/run and the CI workflow all end here. Node, not bash, so that
// Linux, macOS and Windows run it alike.
//   1. the release napi build (scripts/run.mjs setup; SKIP_BUILD=1 reuses a build), and a check
//      that it left the committed native.js/native.d.ts as they were
//   2. actionlint on every workflow in .github/workflows/ (scripts/actionlint.mjs)
//   3. cargo test for the Rust crates (protocol, core, emulator)
//   4. Jest on every *.test.js of the repository (__test__/, the README's Jest example, ...)
//   5. node --test on every *.test.mjs (the README's ESM endpoints, the Payload plugin, ...)
//   6. tsc on a typed usage file that switches over every result status, and on the plugin's types
//   7. the Payload 3 example (examples/payload-subscribe, installed from the packed tarballs), then
//      the stock Payload app (examples/payload-stock) when the checkout has it
//      (ORY_OTC_SKIP_PAYLOAD=1 skips both)
// Test files are found wherever they are: each one must belong to a step above, or the run fails
// naming it. A step whose runner finds no test fails too, and a skipped step is reported as
// skipped, never as passed. The environment is made the same whatever the shell set
// (scripts/test-env.js says how and why).
//   SKIP_BUILD=1                   reuse the existing build
//   ORY_OTC_SKIP_PAYLOAD=1         skip step 7 (reported as skipped)
//   ORY_OTC_SKIP_CARGO=1           skip step 3 (reported as skipped), e.g. while another build holds the cores
//   ORY_OTC_REQUIRE_ACTIONLINT=1   fail, rather than skip, when Go is missing (.ci/run and CI set it)
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { ROOT, WINDOWS, capture, nodeTool, npm, run, setup, tee } from './run.mjs'
import { actionlint } from './actionlint.mjs'
import testEnvModule from './test-env.js'

const { testEnv } = testEnvModule

const step = (title) => console.log(`\n== ${title}`)
const skipped = []
const counts = []
const work = mkdtempSync(join(tmpdir(), 'ory-otc-test-'))

function fail(message) {
  console.error(`\ntest: FAILED: ${message}`)
  rmSync(work, { recursive: true, force: true })
  process.exit(1)
}

/** Where a test file is run, or why it is not run by `npm test`. */
const OWNED = [
  // Each example app is a project of its own (own package.json, own suites), run by its run-ci.
  { prefix: 'examples/payload-subscribe/', by: 'the Payload example step (examples/payload-subscribe/run-ci.sh)' },
  { prefix: 'examples/payload-stock/', by: 'the stock Payload app step (examples/payload-stock/run-ci.mjs)' },
  // Structural checks of the cross-built binaries of every target: they need `npm run build:all`.
  { prefix: '__test__/binaries.test.js', by: 'npm run build:all, npm run test:platforms and the release workflow' },
]
// Not searched: installed packages, build output, and dot-directories (.git, .next, and the
// caches the Alpine CI job keeps in .cache/).
const SKIP_DIRS = new Set(['node_modules', 'target', 'dist', 'out'])

/** Every test file under the repository, as a path relative to it with `/` separators. */
function findTests(dir = ROOT, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('target-') && !entry.name.startsWith('.')) findTests(join(dir, entry.name), found)
    } else if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name)) {
      found.push(relative(ROOT, join(dir, entry.name)).split(sep).join('/'))
    }
  }
  return found.sort()
}

try {
  const changes = testEnv(process.env)
  if (changes.length > 0) {
    step('test environment')
    for (const c of changes) console.log(c)
  }
  setup()
} catch (e) {
  fail(e.message)
}

// 1. The bindings napi writes must be the committed ones: a build that changed them means the
// Rust API changed and native.js/native.d.ts were not regenerated and committed.
step('generated bindings are committed as built')
{
  const files = ['native.js', 'native.d.ts', 'packages/emulator/native.js', 'packages/emulator/native.d.ts']
  if (run('git', ['diff', '--exit-code', '--', ...files]) !== 0) {
    fail("native.js/native.d.ts (of ory-otc or packages/emulator) changed when built: run 'npm run build' and commit them.")
  }
  console.log('unchanged')
}

step('which runner runs each test file')
const tests = findTests()
const owner = (file) => OWNED.find((o) => file.startsWith(o.prefix))
const jestFiles = tests.filter((f) => !owner(f) && /\.test\.c?js$/.test(f))
const nodeTestFiles = tests.filter((f) => !owner(f) && /\.test\.mjs$/.test(f))
const orphans = tests.filter((f) => !owner(f) && !jestFiles.includes(f) && !nodeTestFiles.includes(f))
if (orphans.length > 0) fail(`no step runs these test files (Jest takes *.test.js, node --test *.test.mjs): ${orphans.join(', ')}`)
console.log(`${tests.length} test files: ${jestFiles.length} for Jest, ${nodeTestFiles.length} for node --test, ${tests.length - jestFiles.length - nodeTestFiles.length} run elsewhere`)
for (const o of OWNED) {
  const n = tests.filter((f) => f.startsWith(o.prefix)).length
  if (n > 0) console.log(`  ${n} by ${o.by}`)
}

step(`actionlint (.github/workflows)`)
try {
  const r = actionlint()
  if (r.status === 'skipped') {
    console.log(`SKIPPED: ${r.reason}`)
    skipped.push(`actionlint: ${r.reason}`)
  } else {
    console.log(`clean: ${r.files.join(', ')}`)
    counts.push(`actionlint: ${r.count} workflow files clean`)
  }
} catch (e) {
  fail(e.message)
}

step('cargo test')
if (process.env.ORY_OTC_SKIP_CARGO === '1') {
  console.log('SKIPPED (ORY_OTC_SKIP_CARGO=1)')
  skipped.push('cargo test, skipped by ORY_OTC_SKIP_CARGO=1')
} else {
  // Output shown as it comes, and kept for the count.
  const r = await tee('cargo', ['test', '--workspace', '--quiet'])
  if (r.status !== 0) fail('cargo test failed')
  // cargo test passes when it finds no test at all; a suite that vanished must fail here.
  const passed = [...r.output.matchAll(/test result: ok\. (\d+) passed/g)].reduce((n, m) => n + Number(m[1]), 0)
  if (passed === 0) fail('cargo test ran no test')
  console.log(`cargo test: ${passed} passed`)
  counts.push(`cargo test: ${passed} passed`)
}

step('jest')
{
  // Jest's roots are the directories of the files found, so a test file in a new folder is run
  // without touching jest.config.js; the list Jest makes must then be exactly those files.
  const dirs = [...new Set(jestFiles.map((f) => dirname(f)))].sort()
  const roots = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`)))
  const jest = nodeTool('jest')
  const rootArgs = roots.flatMap((r) => ['--roots', `<rootDir>/${r}`])
  const listed = capture(process.execPath, [jest, '--ci', '--listTests', '--json', ...rootArgs])
  if (listed.status !== 0) fail(`jest --listTests failed:\n${listed.stderr}`)
  const seen = JSON.parse(listed.stdout.slice(listed.stdout.indexOf('['))).map((f) => relative(ROOT, f).split(sep).join('/')).sort()
  const missed = jestFiles.filter((f) => !seen.includes(f))
  if (missed.length > 0) fail(`Jest does not pick up these test files (see jest.config.js): ${missed.join(', ')}`)
  const report = join(work, 'jest.json')
  // Jest fails by itself when it finds no test (no --passWithNoTests).
  if (run(process.execPath, [jest, '--ci', ...rootArgs, '--json', '--outputFile', report]) !== 0) fail('jest failed')
  const r = JSON.parse(readFileSync(report, 'utf8'))
  if (r.numPassedTests === 0) fail('jest passed no test')
  const line = `jest: ${r.numPassedTests} passed${r.numPendingTests + r.numTodoTests > 0 ? `, ${r.numPendingTests + r.numTodoTests} skipped` : ''} in ${r.numTotalTestSuites} files`
  console.log(line)
  counts.push(line)
  if (r.numPendingTests + r.numTodoTests > 0) skipped.push(`${r.numPendingTests + r.numTodoTests} Jest test(s) skipped (their reasons are printed above)`)
}

step('node --test (the README\'s ESM endpoints, as written; the Payload plugin)')
{
  if (nodeTestFiles.length === 0) fail('no *.test.mjs file found')
  const tap = join(work, 'node-test.tap')
  const status = run(process.execPath, [
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...nodeTestFiles,
  ])
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : ''
  const n = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN)
  if (status !== 0) fail('node --test failed')
  if (!(n('pass') > 0)) fail('node --test passed no test')
  const line = `node --test: ${n('pass')} passed${n('skipped') > 0 ? `, ${n('skipped')} skipped` : ''} in ${nodeTestFiles.length} files`
  console.log(line)
  counts.push(line)
  if (n('skipped') + n('todo') > 0) skipped.push(`${n('skipped') + n('todo')} node --test test(s) skipped (their reasons are printed above)`)
}

step('tsc (types)')
if (run(process.execPath, [nodeTool('typescript', 'tsc'), '-p', '__test__/types/tsconfig.json']) !== 0) fail('tsc found type errors')
console.log('no type error')

// 7. The apps. run-ci.sh is still bash (Linux and macOS run it as it is; on Windows, Git Bash).
if (process.env.ORY_OTC_SKIP_PAYLOAD === '1') {
  step('the Payload example and the stock Payload app: SKIPPED (ORY_OTC_SKIP_PAYLOAD=1)')
  skipped.push('the Payload example (examples/payload-subscribe), skipped by ORY_OTC_SKIP_PAYLOAD=1')
  if (existsSync(join(ROOT, 'examples', 'payload-stock', 'run-ci.mjs'))) {
    skipped.push('the stock Payload app (examples/payload-stock), skipped by ORY_OTC_SKIP_PAYLOAD=1')
  }
} else {
  step('the Payload example, installed from the packed tarballs (examples/payload-subscribe)')
  const [cmd, args] = npm(['run', '--silent', 'pack', '--', '--dev'])
  if (run(cmd, args) !== 0) fail('npm run pack -- --dev failed')
  if (run(bash(), ['examples/payload-subscribe/run-ci.sh']) !== 0) fail('the Payload example failed')
  counts.push('the Payload example: passed (its counts are printed above)')

  step('the stock Payload app (examples/payload-stock)')
  const stock = join('examples', 'payload-stock', 'run-ci.mjs')
  if (existsSync(join(ROOT, stock))) {
    if (run(process.execPath, [stock]) !== 0) fail('the stock Payload app failed')
    counts.push('the stock Payload app: passed (its counts are printed above)')
  } else {
    // Not a skip: there is no such suite in this checkout.
    console.log(`${stock.split(sep).join('/')} is not in this checkout: nothing to run`)
  }
}

rmSync(work, { recursive: true, force: true })
console.log()
for (const c of counts) console.log(c)
if (skipped.length === 0) {
  console.log('all tests passed')
} else {
  // Not "all": a skipped suite is not a passed one.
  console.log(`the tests that ran passed; ${skipped.length} skipped:`)
  for (const s of skipped) console.log(`  - ${s}`)
}

/** bash: on Windows, Git for Windows' (the bash on PATH there can be WSL's, which sees another file system). */
function bash() {
  if (!WINDOWS) return 'bash'
  const git = join(process.env.ProgramFiles ?? 'C:\\Program Files', 'Git', 'bin', 'bash.exe')
  return existsSync(git) ? git : 'bash'
}
