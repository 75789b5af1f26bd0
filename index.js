'use strict'
// The package's entry point: the native binding (this platform's binary, found by
// load-binary.js, or napi-rs's generated loader, native.js) plus the one thing the generator
// cannot express, an OryOtcError class that `instanceof`
// recognises. Native code builds its errors with the classes registered below (see
// src/error.rs); `instanceof` recognises them by their fields (name, code, retryable), which
// also works when two copies of this package are loaded.
//
// Every export is listed by name so that `import { OryOtc } from 'ory-otc'` works from ESM.

const { loadBinary, platformNames } = require('./load-binary.js')

const native = loadNative()

/**
 * The binary for this platform (see load-binary.js), or napi-rs's generated loader when there is
 * none; the error names the platform, the package to install and the platforms ory-otc ships.
 */
function loadNative() {
  try {
    return loadBinary('ory-otc', __dirname) ?? require('./native.js')
  } catch (cause) {
    if (typeof process?.versions?.node !== 'string' || typeof process.platform !== 'string') {
      // Next.js's edge runtime, a browser bundle, a worker runtime without Node's APIs.
      const error = new Error('ory-otc is a native Node.js addon: use it from the Node.js runtime, not the edge runtime or a browser.')
      error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
      error.cause = cause
      throw error
    }
    const shipped = Object.keys(require('./package.json').optionalDependencies ?? {}).map((name) => name.replace(/^ory-otc-/, ''))
    const target = platformNames().find((name) => shipped.includes(name)) ?? platformNames().at(-1)
    const found = cause?.code !== undefined && cause.code !== 'MODULE_NOT_FOUND'
    const error = new Error(
      (found
        ? `ory-otc's native binary for ${target} is installed but did not load: ${cause.message}. `
        : `ory-otc has no native binary for ${target}: the package ory-otc-${target} is not installed. `) +
        `ory-otc ships binaries for: ${shipped.join(', ') || 'none (a development checkout: run npm run build)'}. ` +
        (found ? 'Reinstall ory-otc; if it still fails, report the message above.' : 'If your platform is listed, reinstall without --no-optional / --omit=optional.'),
    )
    error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
    error.cause = cause
    throw error
  }
}

const CODES = new Set([
  'ERR_ORY_NETWORK',
  'ERR_ORY_TIMEOUT',
  'ERR_ORY_ABORTED',
  'ERR_ORY_SERVER',
  'ERR_ORY_PROTOCOL',
  'ERR_ORY_CONFIG',
  'ERR_ORY_INTERNAL',
])

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

// Errors are built with this realm's classes (see src/error.rs).
native.__registerErrorClasses(TypeError, OryOtcError)

module.exports.OryOtc = native.OryOtc
module.exports.initiateOtcLogin = native.initiateOtcLogin
module.exports.completeOtcLogin = native.completeOtcLogin
module.exports.startEmulator = native.startEmulator
module.exports.OryOtcError = OryOtcError
module.exports.isOryOtcError = isOryOtcError
