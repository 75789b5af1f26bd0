'use strict'
// The package's entry point: the generated native binding (native.js, written by `napi build`)
// plus the error classes it makes its errors with (see crates/ory-otc-napi/src/errors.rs):
// this realm's `TypeError` for bad arguments and `Error` (with `code` `ERR_ORY_EMULATOR`) for
// the rest, so `instanceof` holds inside Jest's sandbox too.

const native = loadNative()

function loadNative() {
  try {
    return require('./native.js')
  } catch (cause) {
    const libc = process.platform === 'linux' ? (process.report?.getReport()?.header?.glibcVersionRuntime ? '-gnu' : '-musl') : ''
    const target = `${process.platform}-${process.arch}${libc}`
    const error = new Error(
      `ory-otc-emulator has no native binary for ${target}: the package ory-otc-emulator-${target} is not installed. ` +
        `ory-otc-emulator ships binaries for: ${Object.keys(require('./package.json').optionalDependencies ?? {}).join(', ') || 'none (a development checkout: run npm run build)'}. ` +
        'If your platform is listed, reinstall without --no-optional / --omit=optional.',
    )
    error.code = 'ERR_ORY_NATIVE_BINARY_MISSING'
    error.cause = cause
    throw error
  }
}

native.__registerErrorClasses(TypeError, Error)

module.exports.startEmulator = native.startEmulator
module.exports.Emulator = native.Emulator
