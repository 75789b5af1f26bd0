'use strict'
// The package's entry point: the generated native binding (native.js, written by `napi build`)
// plus the one thing the generator cannot express, an OryOtcError class that `instanceof`
// recognises. Native code builds its errors with the classes registered below (see
// src/error.rs); `instanceof` recognises them by their fields (name, code, retryable), which
// also works when two copies of this package are loaded.
//
// Every export is listed by name so that `import { OryOtc } from 'ory-otc'` works from ESM.

const native = loadNative()

/**
 * The binary for linux-x64-gnu, the one platform built so far, loaded directly: the generated
 * loader takes about 3 ms more to compile its table of every platform napi-rs knows and to
 * probe for musl. On musl a gnu binary fails to load, and the generated loader takes over.
 */
function loadLinuxGnuFast() {
  if (process.platform !== 'linux' || process.arch !== 'x64' || process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return null
  for (const id of ['./ory-otc.linux-x64-gnu.node', 'ory-otc-linux-x64-gnu']) {
    try {
      return require(id)
    } catch {
      // Not here, or not loadable: try the next place, then the generated loader.
    }
  }
  return null
}

/** The generated loader, with an error that names the missing package and the platform. */
function loadNative() {
  try {
    return loadLinuxGnuFast() ?? require('./native.js')
  } catch (cause) {
    if (typeof process?.versions?.node !== 'string' || typeof process.platform !== 'string') {
      // Next.js's edge runtime, a browser bundle, a worker runtime without Node's APIs.
      const error = new Error('ory-otc is a native Node.js addon: use it from the Node.js runtime, not the edge runtime or a browser.')
      error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
      error.cause = cause
      throw error
    }
    const libc = process.platform === 'linux' ? (process.report?.getReport()?.header?.glibcVersionRuntime ? '-gnu' : '-musl') : ''
    const target = `${process.platform}-${process.arch}${libc}`
    const error = new Error(
      `ory-otc has no native binary for ${target}: the package ory-otc-${target} is not installed. ` +
        `ory-otc ships binaries for: ${Object.keys(require('./package.json').optionalDependencies ?? {}).join(', ') || 'none (a development checkout: run npm run build)'}. ` +
        'If your platform is listed, reinstall without --no-optional / --omit=optional.',
    )
    error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
    error.cause = cause
    throw error
  }
}

// The codes come from the binding (`OryOtcErrorCode`, generated from src/error.rs), so a code
// added in Rust is recognised here without a second list.
const CODES = new Set(Object.values(native.OryOtcErrorCode))

function isOryOtcError(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    value.name === 'OryOtcError' &&
    CODES.has(value.code) &&
    typeof value.retryable === 'boolean'
  )
}

class OryOtcError extends Error {
  constructor(message, { code, status, errorId, retryable = false } = {}) {
    super(message)
    this.name = 'OryOtcError'
    this.code = code
    if (status !== undefined) this.status = status
    if (errorId !== undefined) this.errorId = errorId
    this.retryable = retryable
  }

  static [Symbol.hasInstance](value) {
    return isOryOtcError(value)
  }
}

/**
 * `startEmulator` lived here until the emulator moved to a package of its own, so production
 * servers do not load it. Old imports keep resolving and fail with a pointer to the new place.
 */
function startEmulator() {
  const error = new Error(
    "startEmulator moved to the package 'ory-otc-emulator': npm install --save-dev ory-otc-emulator, " +
      "then const { startEmulator } = require('ory-otc-emulator') (or import it from 'ory-otc-emulator').",
  )
  error.code = 'ERR_ORY_EMULATOR_MOVED'
  throw error
}

// Errors are built with this realm's classes (see src/error.rs).
native.__registerErrorClasses(TypeError, OryOtcError)

module.exports.OryOtc = native.OryOtc
module.exports.initiateOtcLogin = native.initiateOtcLogin
module.exports.completeOtcLogin = native.completeOtcLogin
module.exports.startEmulator = startEmulator
module.exports.OryOtcError = OryOtcError
module.exports.isOryOtcError = isOryOtcError
