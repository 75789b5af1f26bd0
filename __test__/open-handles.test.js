// Test runners see no open handle left by the client or the emulator, in the shapes users write
// their tests in (__test__/open-handles/*.fixture.js, plus the README's own example): Jest with
// --detectOpenHandles, and Vitest with its hanging-process reporter. Each run must pass, report
// nothing, and end by itself, without --forceExit.
const path = require('node:path')
const { spawn } = require('node:child_process')
const { stripVTControlCharacters } = require('node:util')

const root = path.join(__dirname, '..')
const fixtures = path.join(__dirname, 'open-handles')
const README_EXAMPLE = '<rootDir>/examples/readme/emulator.test.js'

/** Runs a node script to its end (killed after `limitMs`: that counts as not ending by itself). */
function run(args, limitMs = 90000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output: stripVTControlCharacters(output) })
    })
  })
}

function jest(testMatch) {
  const config = JSON.stringify({
    rootDir: root,
    roots: ['<rootDir>/__test__/open-handles', '<rootDir>/examples/readme'],
    testMatch,
    testEnvironment: 'node',
    moduleNameMapper: { '^ory-otc$': '<rootDir>/index.js' },
  })
  return run([path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--detectOpenHandles', '--config', config])
}

const files = ['before-all', 'before-each', 'nested', 'top-level', 'in-flight'].map((f) => `${f}.fixture.js`)

describe('Jest --detectOpenHandles', () => {
  test.each([
    ["README's example", [README_EXAMPLE], 3],
    ...files.map((f) => [f, [`<rootDir>/__test__/open-handles/${f}`], null]),
    ['every fixture and the README example in one run', ['<rootDir>/__test__/open-handles/*.fixture.js', README_EXAMPLE], null],
  ])('%s: passes, reports no open handle, ends by itself', async (_name, testMatch, tests) => {
    const out = await jest(testMatch)
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
    const ran = /Tests:\s+(\d+) passed, (\d+) total/.exec(out.output)
    expect(ran).not.toBeNull()
    expect(ran[1]).toBe(ran[2])
    if (tests !== null) expect(Number(ran[1])).toBe(tests)
    expect(out.output).not.toMatch(/open handle|did not exit|Jest has detected/i)
  }, 120000)
})

describe('Vitest with the hanging-process reporter', () => {
  test('every fixture and the README example: pass, nothing reported, the process ends by itself', async () => {
    const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs')
    const out = await run([vitest, 'run', '--config', path.join(fixtures, 'vitest.config.mjs'), '--reporter=default', '--reporter=hanging-process'])
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
    expect(out.output).toMatch(new RegExp(`Test Files\\s+${files.length + 1} passed \\(${files.length + 1}\\)`))
    expect(out.output).not.toMatch(/hanging|close timed out|did not exit|active handle/i)
  }, 120000)
})
