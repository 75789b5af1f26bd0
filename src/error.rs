//! Core errors as JS errors, built on the JS thread.
//!
//! - A bad argument becomes a `TypeError` with `code` `ERR_INVALID_ARG_TYPE` or
//!   `ERR_INVALID_ARG_VALUE`, as Node's own validators throw.
//! - Anything else becomes an `Error` named `OryOtcError` with `code` (`ERR_ORY_*`),
//!   `retryable`, and `status`/`errorId` when Ory answered. `index.js` makes
//!   `instanceof OryOtcError` and `isOryOtcError()` recognise it by these fields, which also
//!   works across two copies of the package.
//!
//! Messages come from the core's `Display`, which never holds a code, token or API key.

use napi::bindgen_prelude::*;
use ory_otc_core::Error as CoreError;

/// The JS error for a core error. Falls back to a plain error if building the object fails.
pub(crate) fn to_js(env: &Env, err: &CoreError) -> napi::Error {
    match build(env, err) {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(_) => napi::Error::new(Status::GenericFailure, err.to_string()),
    }
}

fn build<'env>(env: &'env Env, err: &CoreError) -> Result<Object<'env>> {
    let message = err.to_string();
    let mut obj = if err.is_argument() {
        let ctor: Function<String, Unknown> = env.get_global()?.get_named_property("TypeError")?;
        Object::from_unknown(ctor.new_instance(message)?)?
    } else {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
        obj.set_named_property("name", "OryOtcError")?;
        obj.set_named_property("retryable", err.is_retryable())?;
        if let Some(status) = err.status() {
            obj.set_named_property("status", status)?;
        }
        if let Some(id) = err.error_id() {
            obj.set_named_property("errorId", id)?;
        }
        obj
    };
    obj.set_named_property("code", err.code())?;
    Ok(obj)
}

/// A core error thrown synchronously (constructor, `startEmulator` options).
pub(crate) fn throw(env: &Env, err: &CoreError) -> napi::Error {
    to_js(env, err)
}
