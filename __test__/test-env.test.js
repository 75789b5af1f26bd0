// scripts/test-env.js: what the test runs change in the environment they inherit, and that they
// say so without printing a value (a proxy URL can hold a password).
const { testEnv, ORY_VARS } = require('../scripts/test-env.js')

describe('the test environment', () => {
  test('removes the Ory variables and names each one it removed', () => {
    const env = { PATH: '/bin', ORY_SDK_URL: 'https://mine.projects.oryapis.com', ORY_API_KEY: 'ory_pat_secret' }
    const changes = testEnv(env)
    expect(env).toEqual({ PATH: '/bin' })
    expect(changes).toHaveLength(2)
    expect(changes.join('\n')).toMatch(/ORY_SDK_URL unset[^]*ORY_API_KEY unset/)
    expect(changes.join('\n')).not.toMatch(/mine\.projects|ory_pat_secret/)
    expect(ORY_VARS).toEqual(['ORY_SDK_URL', 'ORY_PROJECT_SLUG', 'ORY_API_KEY'])
  })

  test('with a proxy set, adds loopback and .invalid to NO_PROXY once, keeping what was there', () => {
    const env = { HTTPS_PROXY: 'http://user:hunter2@proxy.example:3128', NO_PROXY: 'example.com,127.0.0.1' }
    const changes = testEnv(env)
    expect(env.HTTPS_PROXY).toBe('http://user:hunter2@proxy.example:3128')
    expect(env.NO_PROXY).toBe('example.com,127.0.0.1,localhost,::1,.invalid')
    expect(env.no_proxy).toBe('localhost,127.0.0.1,::1,.invalid')
    expect(changes.join('\n')).not.toContain('hunter2')
    expect(testEnv(env)).toEqual([])
  })

  test('without a proxy, leaves NO_PROXY alone', () => {
    const env = { NO_PROXY: 'example.com' }
    expect(testEnv(env)).toEqual([])
    expect(env).toEqual({ NO_PROXY: 'example.com' })
  })
})
