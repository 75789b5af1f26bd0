'use strict'
// The package's entry point: the native binding (this platform's binary, found by the block
// below, or napi-rs's generated loader, native.js) plus the error classes it makes its errors
// with (see crates/ory-otc-napi/src/errors.rs): this realm's `TypeError` for bad arguments and
// `Error` (with `code` `ERR_ORY_EMULATOR`) for the rest, so `instanceof` holds inside Jest's
// sandbox too.

// load-binary:start
// Finds this platform's native binary in napi-rs's layout: `<binaryName>.<platform>.node` beside
// this file (a local build), else the package `<binaryName>-<platform>` (installed from
// optionalDependencies), where <platform> is napi-rs's name (linux-x64-gnu, linux-arm64-musl,
// darwin-arm64, win32-x64-gnu, ...). napi-rs's generated loader (native.js) does the same for every
// platform napi-rs knows, but compiling its table and probing for musl costs about 3 ms; this asks
// for one platform. When it finds nothing, native.js takes over: it also covers
// NAPI_RS_NATIVE_LIBRARY_PATH, WASI and platforms this package does not ship. Written out here
// rather than required from a file of its own, which costs another 0.3 ms; every napi package of
// this repository has the same block (__test__/loader.test.js checks it).
const fs = require('node:fs')
const path = require('node:path')

/**
 * Whether this Node runs on musl. The answer is the C library of Node itself: its executable's
 * ELF interpreter, which sits in the first page of the file, is /lib/ld-musl-<arch>.so.1 on musl
 * and ld-linux-*.so.* on glibc. Reading it takes about 0.4 ms in a fresh process; the fallback,
 * Node's diagnostic report, takes 20 to 40 ms, and `ldd` describes the system, not this Node.
 */
function isMusl() {
  let fd
  try {
    fd = fs.openSync(process.execPath, 'r')
    const head = Buffer.alloc(4096)
    const text = head.toString('latin1', 0, fs.readSync(fd, head, 0, head.length, 0))
    if (text.includes('/ld-musl-')) return true
    if (text.includes('/ld-linux')) return false
  } catch {
    // An executable that cannot be read: ask the report below.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
  const report = process.report?.getReport()
  return !report?.header?.glibcVersionRuntime
}

/** The napi-rs platform names that fit this process, best first. */
function platformNames() {
  const { platform, arch } = process
  switch (platform) {
    case 'linux':
      return [`linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`]
    case 'win32':
      // A Node-API binary built with mingw (gnu) loads in the usual msvc-built node.exe: the
      // Node-API is a C ABI, and the binary brings its own C runtime.
      return [`win32-${arch}-msvc`, `win32-${arch}-gnu`]
    default:
      return [`${platform}-${arch}`]
  }
}

/**
 * The binding from the first binary found for this platform, or null when there is none (or when
 * NAPI_RS_NATIVE_LIBRARY_PATH names one: native.js loads that). A binary that is there but fails
 * to load throws its error: that is not a missing binary, and another copy would not do better.
 */
function loadBinary(binaryName, dir) {
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return null
  for (const platform of platformNames()) {
    for (const id of [path.join(dir, `${binaryName}.${platform}.node`), `${binaryName}-${platform}`]) {
      try {
        return require(id)
      } catch (error) {
        if (error?.code !== 'MODULE_NOT_FOUND') throw error
      }
    }
  }
  return null
}

/**
 * Node's own `require`, out of bundlers' sight. Next.js's bundlers (Turbopack, webpack) follow a
 * plain `require('./native.js')` to napi-rs's loader and the `.node` files it names, and fail on
 * them with an error that does not say what to do; kept out of the bundle, this file can say it
 * (assertNotBundled). Where code generation from strings is disabled, `module.require`.
 */
const nodeRequire = (() => {
  try {
    return eval('require') // eslint-disable-line no-eval
  } catch {
    return module.require.bind(module) // node --disallow-code-generation-from-strings
  }
})()

/** Throws `ERR_ORY_BUNDLED`, naming the fix, when this file runs from a bundle instead of its package folder. */
function assertNotBundled(packageName, dir) {
  if (fs.existsSync(path.join(dir, 'native.js'))) return
  const error = new Error(
    `${packageName} was bundled (${dir} is not its package folder), but a native addon must be loaded by Node's require. ` +
      "In Next.js, wrap the config with withOryOtc from 'ory-otc/next' (export default withPayload(withOryOtc(nextConfig))), " +
      `or add '${packageName}' to serverExternalPackages; with another bundler, mark ${packageName} as external.`,
  )
  error.code = 'ERR_ORY_BUNDLED'
  throw error
}
// load-binary:end

const native = loadNative()

/**
 * The binary for this platform (see loadBinary), or napi-rs's generated loader when there is
 * none; the error names the platform, the package to install and the platforms it ships for.
 */
function loadNative() {
  assertNotBundled('ory-otc-emulator', __dirname)
  try {
    return loadBinary('ory-otc-emulator', __dirname) ?? nodeRequire('./native.js')
  } catch (cause) {
    const shipped = Object.keys(require('./package.json').optionalDependencies ?? {}).map((name) => name.replace(/^ory-otc-emulator-/, ''))
    const target = platformNames().find((name) => shipped.includes(name)) ?? platformNames().at(-1)
    const found = cause?.code !== undefined && cause.code !== 'MODULE_NOT_FOUND'
    const error = new Error(
      (found
        ? `ory-otc-emulator's native binary for ${target} is installed but did not load: ${cause.message}. `
        : `ory-otc-emulator has no native binary for ${target}: the package ory-otc-emulator-${target} is not installed. `) +
        `ory-otc-emulator ships binaries for: ${shipped.join(', ') || 'none (a development checkout: run npm run build)'}. ` +
        (found ? 'Reinstall ory-otc-emulator; if it still fails, report the message above.' : 'If your platform is listed, reinstall without --no-optional / --omit=optional.'),
    )
    error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
    error.cause = cause
    throw error
  }
}

native.__registerErrorClasses(TypeError, Error)

module.exports.startEmulator = native.startEmulator
module.exports.Emulator = native.Emulator
