#!/usr/bin/env node
// Publishes ory-otc and ory-otc-emulator with their binary packages, in napi-rs's layout
// (scripts/pack.mjs makes the tarballs). The release workflow (.github/workflows/release.yml) runs
// it with --check and --publish; a maintainer runs the dry run:
//
//   npm run release -- --dry-run     packs what this machine has (after `npm run build`, or every
//                                    target after `npm run build:all`; builds this platform when
//                                    nothing is built), runs `npm publish --dry-run` on every
//                                    tarball and prints each package with its version and files
//   node scripts/release.mjs --check     the structural checks of every published binary
//   node scripts/release.mjs --publish   every published target required; publishes with
//                                        --provenance, binary packages first (CI only)
//
// Before anything: every package.json (both packages, every npm/<platform>/) has the same version,
// and under a tag (GITHUB_REF_NAME=v1.2.3) that version is the tag's.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ROOT, capture, nodeTool, npm, run, setup } from './run.mjs'

const require = createRequire(import.meta.url)
const { packages, publishedPlatforms, binaryPath, hostPlatform, TARGETS } = require('./platforms.js')

const mode = ['--dry-run', '--check', '--publish'].find((m) => process.argv.includes(m))
if (!mode) {
  console.error('usage: node scripts/release.mjs --dry-run | --check | --publish')
  process.exit(2)
}

function fail(message) {
  console.error(`release: ${message}`)
  process.exit(1)
}

// 1. One version everywhere, and the tag's when there is one.
const all = packages()
const version = all[0].json.version
for (const pkg of all) {
  if (pkg.json.version !== version) fail(`${pkg.name} is at ${pkg.json.version}, ${all[0].name} at ${version}: one version for both`)
}
const tag = process.env.GITHUB_REF_TYPE === 'tag' || /^v\d/.test(process.env.GITHUB_REF_NAME ?? '') ? process.env.GITHUB_REF_NAME : undefined
if (tag !== undefined && tag !== `v${version}`) fail(`the tag ${tag} is not v${version}, the packages' version`)
if (mode === '--publish' && tag === undefined) fail('--publish runs from the release workflow, on a version tag')

const published = publishedPlatforms()
const unpublished = Object.values(TARGETS).filter((t) => t.publish === false).map((t) => t.platform)
console.log(`release ${mode.slice(2)}: version ${version}; platforms published: ${published.join(', ')} (built for local checks only: ${unpublished.join(', ')})`)

// 2. The binaries. A dry run takes what is there: a build:all output in npm/<platform>/, else the
// development build beside index.js for this platform (built now when there is none).
let platforms = published
/** Platforms whose binaries in this dry run are development builds (`npm run build`), not build:all's. */
const fromDev = new Set()
if (mode === '--dry-run') {
  const host = hostPlatform()
  if (host && published.includes(host)) {
    for (const pkg of all) {
      const target = pkg.targets.find((t) => t.platform === host)
      const dev = join(pkg.root, `${pkg.binaryName}.${host}.node`)
      if (!existsSync(binaryPath(pkg, target)) && !existsSync(dev)) {
        console.log(`no ${host} build of ${pkg.name} here: building this platform (npm run build)`)
        setup()
      }
      if (!existsSync(binaryPath(pkg, target)) && existsSync(dev)) {
        mkdirSync(join(binaryPath(pkg, target), '..'), { recursive: true })
        copyFileSync(dev, binaryPath(pkg, target))
      }
      // The same bytes as the development build (copied now, or by an earlier dry run).
      if (existsSync(dev) && readFileSync(dev).equals(readFileSync(binaryPath(pkg, target)))) fromDev.add(host)
    }
  }
  platforms = published.filter((p) => all.every((pkg) => existsSync(binaryPath(pkg, pkg.targets.find((t) => t.platform === p)))))
  const missing = published.filter((p) => !platforms.includes(p))
  if (platforms.length === 0) fail('no binary of any published platform here: run npm run build (or npm run build:all)')
  if (missing.length > 0) {
    console.log(`not in this dry run (no binary here; the release workflow builds them): ${missing.join(', ')}`)
  }
} else {
  const missing = all.flatMap((pkg) => pkg.targets.filter((t) => published.includes(t.platform) && !existsSync(binaryPath(pkg, t))).map((t) => binaryPath(pkg, t)))
  if (missing.length > 0) fail(`binaries missing:\n  ${missing.join('\n  ')}`)
}

// 3. The structural checks of every binary about to be packed.
console.log(`\n== structural checks (${platforms.join(', ')})`)
const jest = nodeTool('jest')
const checked = run(process.execPath, [jest, '--ci', '--testPathIgnorePatterns', '/node_modules/', '--runTestsByPath', '__test__/binaries.test.js'], {
  env: { ...process.env, ORY_OTC_TARGETS: platforms.join(',') },
})
if (checked !== 0) {
  // A development build is linked by the host's own toolchain (a Linux one against the host's
  // glibc, not 2.17): it is not what a release publishes, and the checks above say how it differs.
  if (mode !== '--dry-run' || fromDev.size === 0) fail('the structural checks failed')
  console.log(
    `\nrelease: WARNING: the structural checks failed on development builds (${[...fromDev].join(', ')}), which a release ` +
      "would not publish: it builds them as `npm run build:all` does. The dry run goes on, to show what would be published.",
  )
}
if (mode === '--check') process.exit(0)

// 4. The tarballs, then each one's publication: binary packages first, so that no main package
// is ever on the registry naming a binary package that is not.
console.log(`\n== npm run pack (${platforms.join(', ')})`)
{
  const [cmd, args] = npm(['run', '--silent', 'pack'])
  if (run(cmd, args, { env: { ...process.env, ORY_OTC_TARGETS: platforms.join(',') } }) !== 0) fail('npm run pack failed')
}
const dist = join(ROOT, 'dist')
const order = [
  ...all.flatMap((pkg) => platforms.map((p) => `${pkg.name}-${p}-${version}.tgz`)),
  ...all.map((pkg) => `${pkg.name}-${version}.tgz`),
]
const made = readdirSync(dist).filter((f) => f.endsWith('.tgz'))
const extra = made.filter((f) => !order.includes(f))
const absent = order.filter((f) => !made.includes(f))
if (extra.length > 0 || absent.length > 0) fail(`dist/ holds ${made.join(', ')}; expected ${order.join(', ')}`)

const prerelease = version.includes('-')
const rows = []
for (const file of order) {
  const tarball = join(dist, file)
  const args = ['publish', tarball, '--access', 'public', '--json', ...(prerelease ? ['--tag', 'next'] : [])]
  if (mode === '--dry-run') {
    // --provenance is left out here: npm can only make it inside a CI run that has an OIDC token.
    args.push('--dry-run')
  } else {
    args.push('--provenance')
    // A re-run after a failure part-way: what is on the registry already is not published again.
    const name = file.slice(0, -`-${version}.tgz`.length)
    const [vcmd, vargs] = npm(['view', `${name}@${version}`, 'version'])
    if (capture(vcmd, vargs).stdout.trim() === version) {
      console.log(`${name}@${version} is on the registry already: skipped`)
      rows.push({ name, version, files: [], note: 'already published' })
      continue
    }
  }
  const [cmd, cmdArgs] = npm(args)
  const r = capture(cmd, cmdArgs)
  if (r.status !== 0) fail(`npm ${args.join(' ')} failed:\n${r.stderr}`)
  // npm 10 prints the package's JSON; npm 11 the same keyed by its name.
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))
  const info = json.name ? json : Object.values(json)[0]
  rows.push({ name: info.name, version: info.version, files: info.files.map((f) => `${f.path} (${f.size} B)`) })
  if (info.version !== version) fail(`${info.name} would be published at ${info.version}, not ${version}`)
}

// The main packages must name exactly the binary packages published with them, at this version.
for (const pkg of all) {
  const r = capture('tar', ['-xOzf', join(dist, `${pkg.name}-${version}.tgz`), 'package/package.json'])
  if (r.status !== 0) fail(`cannot read package.json of ${pkg.name}'s tarball: ${r.stderr}`)
  const optional = JSON.parse(r.stdout).optionalDependencies ?? {}
  const expected = Object.fromEntries(platforms.map((p) => [`${pkg.name}-${p}`, version]))
  if (JSON.stringify(optional) !== JSON.stringify(expected)) {
    fail(`${pkg.name}'s optionalDependencies are ${JSON.stringify(optional)}, not ${JSON.stringify(expected)}`)
  }
  console.log(`\n${pkg.name}@${version} optionalDependencies: ${Object.entries(optional).map(([n, v]) => `${n}@${v}`).join(', ')}`)
}

console.log(`\n${mode === '--dry-run' ? 'would publish' : 'published'}, in this order:`)
for (const row of rows) {
  console.log(`\n${row.name}@${row.version}${row.note ? ` (${row.note})` : ''}`)
  for (const f of row.files) console.log(`  ${f}`)
}
if (fromDev.size > 0) console.log(`\ndry run: ${[...fromDev].join(', ')} packed from the development build (npm run build), not from npm run build:all`)
if (mode === '--dry-run' && platforms.length < published.length) {
  console.log(`\ndry run: ${platforms.length} of ${published.length} published platforms here; the others are built by the release workflow`)
}
