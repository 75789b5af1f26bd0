#!/usr/bin/env node
// actionlint (github.com/rhysd/actionlint, a Go module) over every workflow in .github/workflows/:
// part of `npm test`, and on its own as `npm run lint:workflows`.
//
// The pinned version is installed with `go install` into target/tools/actionlint-<version>/ the
// first time (the Go module proxy is all it needs). Without Go it is skipped with the reason
// printed, unless ORY_OTC_REQUIRE_ACTIONLINT=1 (.ci/run and the CI workflow set it), where a
// missing Go fails the run. shellcheck and pyflakes, which actionlint runs when it finds them on
// PATH, are turned off, so that the check is the same on every machine.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT, WINDOWS, capture, run } from './run.mjs'

export const ACTIONLINT_VERSION = 'v1.7.12'
const MODULE = 'github.com/rhysd/actionlint/cmd/actionlint'

/**
 * Lints the workflows. Returns { status: 'passed', count } or { status: 'skipped', reason };
 * throws when a workflow has a problem or the tool cannot be had where it is required.
 */
export function actionlint() {
  const dir = join(ROOT, '.github', 'workflows')
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : []
  // The repository ships workflows: none found means they moved or vanished, not that all is well.
  if (files.length === 0) throw new Error('no workflow file in .github/workflows/')

  const binDir = join(ROOT, 'target', 'tools', `actionlint-${ACTIONLINT_VERSION}`)
  const bin = join(binDir, WINDOWS ? 'actionlint.exe' : 'actionlint')
  if (!existsSync(bin)) {
    const go = capture('go', ['version'])
    if (go.status !== 0) {
      const reason = `Go is not installed, and actionlint ${ACTIONLINT_VERSION} is a Go module (go install ${MODULE}@${ACTIONLINT_VERSION})`
      if (process.env.ORY_OTC_REQUIRE_ACTIONLINT === '1') throw new Error(`${reason}; ORY_OTC_REQUIRE_ACTIONLINT=1 requires it`)
      return { status: 'skipped', reason }
    }
    console.log(`installing actionlint ${ACTIONLINT_VERSION} (${go.stdout.trim()}) into ${binDir}`)
    mkdirSync(binDir, { recursive: true })
    const status = run('go', ['install', `${MODULE}@${ACTIONLINT_VERSION}`], { env: { ...process.env, GOBIN: binDir } })
    if (status !== 0 || !existsSync(bin)) throw new Error(`go install ${MODULE}@${ACTIONLINT_VERSION} failed`)
  }
  const paths = files.map((f) => join('.github', 'workflows', f))
  const status = run(bin, ['-shellcheck=', '-pyflakes=', ...paths])
  if (status !== 0) throw new Error(`actionlint found problems in ${paths.join(', ')}`)
  return { status: 'passed', count: files.length, files: paths }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const r = actionlint()
    console.log(r.status === 'passed' ? `actionlint ${ACTIONLINT_VERSION}: ${r.count} workflow file(s) clean: ${r.files.join(', ')}` : `actionlint: SKIPPED: ${r.reason}`)
  } catch (e) {
    console.error(`actionlint: ${e.message}`)
    process.exit(1)
  }
}
