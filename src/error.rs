//! Core errors as JS errors, built on the JS thread.
//!
//! - A bad argument becomes a `TypeError` with `code` `ERR_INVALID_ARG_TYPE` or
//!   `ERR_INVALID_ARG_VALUE`, as Node's own validators throw.
//! - Anything else becomes an `OryOtcError` with `code` (`ERR_ORY_*`), `retryable`, and
//!   `status`/`errorId` when Ory answered.
//!
//! The classes are the caller's: `index.js` registers its realm's `TypeError` and its
//! `OryOtcError` class at load, so `instanceof` holds even inside Jest's vm sandbox, where the
//! addon's own globals are another realm's. Without a registration (native.js loaded alone)
//! the addon's realm's `TypeError`/`Error` are used, with `name` set to `OryOtcError`.
//!
//! Messages come from the core's `Display`, which never holds a code, token or API key.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ory_otc_core::Error as CoreError;

type TypeErrorClass = FunctionRef<String, Unknown<'static>>;
type OryErrorClass = FunctionRef<FnArgs<(String, Object<'static>)>, Unknown<'static>>;

thread_local! {
    // One JS thread is one napi env (main thread or a worker), so per-thread is per-env.
    static CLASSES: RefCell<Option<(TypeErrorClass, OryErrorClass)>> = const { RefCell::new(None) };
}

/// Called by index.js at load with its realm's `TypeError` and its `OryOtcError`.
#[napi(js_name = "__registerErrorClasses", skip_typescript)]
pub fn register_error_classes(
    type_error: Function<String, Unknown<'static>>,
    ory_error: Function<FnArgs<(String, Object<'static>)>, Unknown<'static>>,
) -> Result<()> {
    let classes = (type_error.create_ref()?, ory_error.create_ref()?);
    CLASSES.with(|c| *c.borrow_mut() = Some(classes));
    Ok(())
}

/// The JS error for a core error. Falls back to a plain error if building the object fails.
pub(crate) fn to_js(env: &Env, err: &CoreError) -> napi::Error {
    match build(env, err) {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(_) => napi::Error::new(Status::GenericFailure, err.to_string()),
    }
}

/// A core error thrown synchronously (constructor, emulator methods). An exception that a getter
/// of the caller's object left pending is dropped first, so the documented error is thrown.
pub(crate) fn throw(env: &Env, err: &CoreError) -> napi::Error {
    crate::call::clear_exception(env);
    to_js(env, err)
}

fn build<'env>(env: &'env Env, err: &CoreError) -> Result<Object<'env>> {
    let message = err.to_string();
    let registered = CLASSES.with(|c| -> Result<Option<Unknown<'env>>> {
        let classes = c.borrow();
        let Some((type_error, ory_error)) = classes.as_ref() else {
            return Ok(None);
        };
        if err.is_argument() {
            return Ok(Some(
                type_error.borrow_back(env)?.new_instance(message.clone())?,
            ));
        }
        let init = fields(env, err)?;
        Ok(Some(
            ory_error
                .borrow_back(env)?
                .new_instance(FnArgs::from((message.clone(), init)))?,
        ))
    })?;
    let mut obj = match registered {
        Some(made) => Object::from_unknown(made)?,
        None if err.is_argument() => {
            let ctor: Function<String, Unknown> =
                env.get_global()?.get_named_property("TypeError")?;
            Object::from_unknown(ctor.new_instance(message)?)?
        }
        None => {
            let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
            obj.set_named_property("name", "OryOtcError")?;
            copy_fields(&mut obj, err)?;
            obj
        }
    };
    obj.set_named_property("code", err.code())?;
    Ok(obj)
}

/// `{ code, status?, errorId?, retryable }`, the second argument of `new OryOtcError()`.
fn fields<'env>(env: &'env Env, err: &CoreError) -> Result<Object<'env>> {
    let mut init = Object::new(env)?;
    init.set_named_property("code", err.code())?;
    copy_fields(&mut init, err)?;
    Ok(init)
}

fn copy_fields(obj: &mut Object, err: &CoreError) -> Result<()> {
    obj.set_named_property("retryable", err.is_retryable())?;
    if let Some(status) = err.status() {
        obj.set_named_property("status", status)?;
    }
    if let Some(id) = err.error_id() {
        obj.set_named_property("errorId", id)?;
    }
    Ok(())
}
