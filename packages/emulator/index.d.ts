// The package's types: everything `napi build` generates from the Rust sources (native.d.ts).
// A bad argument throws (or rejects with) a `TypeError` whose `code` is `ERR_INVALID_ARG_TYPE`
// or `ERR_INVALID_ARG_VALUE`; any other failure is an `Error` whose `code` is `ERR_ORY_EMULATOR`.

export * from './native'
