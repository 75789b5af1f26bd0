'use strict'
// Finds and loads a napi package's native binary for the platform this Node runs on, in napi-rs's
// layout: `<binaryName>.<platform>.node` beside the package (a local build), else the package
// `<binaryName>-<platform>` (installed from optionalDependencies). <platform> is napi-rs's name:
// linux-x64-gnu, linux-arm64-musl, darwin-arm64, win32-x64-gnu, ...
//
// napi-rs's generated loader (native.js) does the same for every platform napi-rs knows, but
// compiling its table and probing for musl costs about 3 ms per require(). This file asks for
// one platform only. When it finds no binary, the caller falls back to native.js, which also
// covers NAPI_RS_NATIVE_LIBRARY_PATH, WASI and platforms this package does not ship.
//
// Each napi package of this repository ships this file unchanged (scripts/platforms.js lists them).
const fs = require('node:fs')
const path = require('node:path')

/**
 * Whether this Node runs on musl. The answer is the C library of Node itself: its executable's
 * ELF interpreter, which sits in the first page of the file, is /lib/ld-musl-<arch>.so.1 on musl
 * and ld-linux-*.so.* on glibc. Reading it takes about 0.1 ms; the fallback, Node's diagnostic
 * report, takes 20 to 40 ms, and `ldd` describes the system rather than this Node.
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

module.exports = { loadBinary, platformNames, isMusl }
