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
use ory_otc_core::{ArgumentProblem, Error as CoreError, ErrorCode};
use ory_otc_napi::args::{ArgError, Problem};
use ory_otc_napi::errors;

// The one list of `OryOtcError` codes. `napi build` writes it into `native.d.ts` as a string
// union, and `index.js` reads the values from the binding, so a code spelled here is recognised
// everywhere; `js_code` maps the core's codes onto it exhaustively.
/// The `code` of an `OryOtcError`.
#[napi(string_enum)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum OryOtcErrorCode {
    /// No Ory URL configured, or a URL that is not allowed (plain http off loopback, credentials).
    ERR_ORY_CONFIG,
    /// The connection failed or broke. Retryable.
    ERR_ORY_NETWORK,
    /// The call took longer than `timeoutMs`. Retryable.
    ERR_ORY_TIMEOUT,
    /// The call's `AbortSignal` fired.
    ERR_ORY_ABORTED,
    /// Ory answered 5xx (`status` says which; 502/503/504 are retryable).
    ERR_ORY_SERVER,
    /// Ory's answer was not one Kratos gives: a redirect, a body over 1 MiB, non-JSON, a foreign `ui.action`.
    ERR_ORY_PROTOCOL,
    /// A bug in ory-otc (a caught panic). Please report it.
    ERR_ORY_INTERNAL,
}

/// The JS code of a core error code: an `OryOtcError` code, or a bad argument's problem (a
/// `TypeError` with Node's code).
fn js_code(code: ErrorCode) -> std::result::Result<OryOtcErrorCode, Problem> {
    Ok(match code {
        ErrorCode::InvalidArgType => return Err(Problem::Type),
        ErrorCode::InvalidArgValue => return Err(Problem::Value),
        ErrorCode::Config => OryOtcErrorCode::ERR_ORY_CONFIG,
        ErrorCode::Network => OryOtcErrorCode::ERR_ORY_NETWORK,
        ErrorCode::Timeout => OryOtcErrorCode::ERR_ORY_TIMEOUT,
        ErrorCode::Aborted => OryOtcErrorCode::ERR_ORY_ABORTED,
        ErrorCode::Server => OryOtcErrorCode::ERR_ORY_SERVER,
        ErrorCode::Protocol => OryOtcErrorCode::ERR_ORY_PROTOCOL,
        ErrorCode::Internal => OryOtcErrorCode::ERR_ORY_INTERNAL,
    })
}

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
    let code = match js_code(err.code()) {
        Ok(code) => code,
        Err(problem) => {
            let (name, reason) = match err {
                CoreError::InvalidArgument { name, reason, .. } => (name.clone(), reason.clone()),
                other => (String::new(), other.to_string()),
            };
            let e = ArgError {
                name,
                reason,
                problem,
            };
            return errors::type_error(env, &e);
        }
    };
    errors::error(env, "OryOtcError", &err.to_string(), |init| {
        init.set_named_property("code", code)?;
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
