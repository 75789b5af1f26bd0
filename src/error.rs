//! Core errors as JS errors, built on the JS thread.
//!
//! - A bad argument becomes a `TypeError` with `code` `ERR_INVALID_ARG_TYPE` or
//!   `ERR_INVALID_ARG_VALUE`, as Node's own validators throw.
//! - Anything else becomes an `OryOtcError` with `code` (`ERR_ORY_*`), `retryable`, and
//!   `status`/`errorId` when Ory answered.
//!
//! The classes are the caller's: `index.js` registers its realm's `TypeError` and its
//! `OryOtcError` class at load (see `ory_otc_napi::errors`). Without a registration
//! (native.js loaded alone) the addon's realm's classes are used, with `name` `OryOtcError`.
//!
//! Messages come from the core's `Display`, which never holds a code, token or API key.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ory_otc_core::{ArgumentProblem, Error as CoreError};
use ory_otc_napi::args::{ArgError, Problem};
use ory_otc_napi::errors;

/// Called by index.js at load with its realm's `TypeError` and its `OryOtcError`.
#[napi(js_name = "__registerErrorClasses", skip_typescript)]
pub fn register_error_classes(
    type_error: Function<String, Unknown<'static>>,
    ory_error: Function<FnArgs<(String, Object<'static>)>, Unknown<'static>>,
) -> Result<()> {
    errors::register(type_error, ory_error)
}

/// A JS argument the napi layer refused, as the core's error for it.
pub(crate) fn arg(e: ArgError) -> CoreError {
    CoreError::InvalidArgument {
        name: e.name,
        reason: e.reason,
        problem: match e.problem {
            Problem::Type => ArgumentProblem::Type,
            Problem::Value => ArgumentProblem::Value,
        },
    }
}

/// The JS error for a core error.
pub(crate) fn to_js(env: &Env, err: &CoreError) -> napi::Error {
    if let CoreError::InvalidArgument {
        name,
        reason,
        problem,
    } = err
    {
        let problem = match problem {
            ArgumentProblem::Type => Problem::Type,
            ArgumentProblem::Value => Problem::Value,
        };
        let e = ArgError {
            name: name.clone(),
            reason: reason.clone(),
            problem,
        };
        return errors::type_error(env, &e);
    }
    errors::error(env, "OryOtcError", &err.to_string(), |init| {
        init.set_named_property("code", err.code())?;
        init.set_named_property("retryable", err.is_retryable())?;
        if let Some(status) = err.status() {
            init.set_named_property("status", status)?;
        }
        if let Some(id) = err.error_id() {
            init.set_named_property("errorId", id)?;
        }
        Ok(())
    })
}

/// A core error thrown synchronously (the constructor). An exception that a getter of the
/// caller's object left pending is dropped first, so the documented error is thrown.
pub(crate) fn throw(env: &Env, err: &CoreError) -> napi::Error {
    crate::call::clear_exception(env);
    to_js(env, err)
}
