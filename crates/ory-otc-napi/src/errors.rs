//! Errors made in the caller's realm.
//!
//! Each package's `index.js` registers, at load, its realm's `TypeError` and the class its
//! other errors are made with (`OryOtcError` for the client, `Error` for the emulator). Jest
//! runs tests in a vm context whose globals are not the addon's, so a `TypeError` made from the
//! addon's realm fails `instanceof TypeError` there. Without a registration (`native.js` loaded
//! alone) the current realm's classes are used.

use std::cell::RefCell;

use napi::bindgen_prelude::*;

use crate::args::ArgError;

type TypeErrorClass = FunctionRef<String, Unknown<'static>>;
type ErrorClass = FunctionRef<FnArgs<(String, Object<'static>)>, Unknown<'static>>;

thread_local! {
    // One JS thread is one napi env (main thread or a worker), so per-thread is per-env.
    static CLASSES: RefCell<Option<(TypeErrorClass, ErrorClass)>> = const { RefCell::new(None) };
}

/// Registers this realm's `TypeError` and the class other errors are made with, called as
/// `new ErrorClass(message, init)` where `init` holds the error's fields (`code`, …).
pub fn register(
    type_error: Function<String, Unknown<'static>>,
    error_class: Function<FnArgs<(String, Object<'static>)>, Unknown<'static>>,
) -> Result<()> {
    let classes = (type_error.create_ref()?, error_class.create_ref()?);
    CLASSES.with(|c| *c.borrow_mut() = Some(classes));
    Ok(())
}

/// A `TypeError` with Node's `code` for a rejected argument.
pub fn type_error(env: &Env, err: &ArgError) -> napi::Error {
    let made = (|| -> Result<Object> {
        let message = err.to_string();
        let registered = CLASSES.with(|c| -> Result<Option<Unknown>> {
            match c.borrow().as_ref() {
                Some((class, _)) => {
                    Ok(Some(class.borrow_back(env)?.new_instance(message.clone())?))
                }
                None => Ok(None),
            }
        })?;
        let made = match registered {
            Some(made) => made,
            None => {
                let class: Function<String, Unknown> =
                    env.get_global()?.get_named_property("TypeError")?;
                class.new_instance(message)?
            }
        };
        let mut obj = Object::from_unknown(made)?;
        obj.set_named_property("code", err.code())?;
        Ok(obj)
    })();
    into_error(made, || err.to_string())
}

/// An error of the registered class: `new ErrorClass(message, init)`, where `fill` sets the
/// fields of `init`; `init.code` is also set on the error itself. Unregistered, a plain `Error`
/// named `name` with the same fields.
pub fn error(
    env: &Env,
    name: &str,
    message: &str,
    fill: impl Fn(&mut Object) -> Result<()>,
) -> napi::Error {
    let made = (|| -> Result<Object> {
        let mut init = Object::new(env)?;
        fill(&mut init)?;
        let registered = CLASSES.with(|c| -> Result<Option<Unknown>> {
            match c.borrow().as_ref() {
                Some((_, class)) => {
                    let args = FnArgs::from((message.to_owned(), init));
                    Ok(Some(class.borrow_back(env)?.new_instance(args)?))
                }
                None => Ok(None),
            }
        })?;
        let mut obj = match registered {
            Some(made) => Object::from_unknown(made)?,
            None => {
                let mut obj =
                    env.create_error(napi::Error::new(Status::GenericFailure, message))?;
                obj.set_named_property("name", name)?;
                fill(&mut obj)?;
                obj
            }
        };
        let code: Unknown = init.get_named_property("code")?;
        obj.set_named_property("code", code)?;
        Ok(obj)
    })();
    into_error(made, || message.to_owned())
}

/// The JS error to throw or reject with; a plain error with the same message if making it failed.
fn into_error(made: Result<Object>, message: impl FnOnce() -> String) -> napi::Error {
    match made {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(_) => napi::Error::new(Status::GenericFailure, message()),
    }
}

/// Drops the JS exception pending on this thread, if any.
///
/// A bad argument may have been found by a getter or a method of the caller's object that
/// threw: its exception is still pending, and Node-API makes no value (no error, no promise)
/// while one is. Dropping it lets the documented error be thrown instead.
#[allow(unsafe_code)]
pub fn clear_pending_exception(env: &Env) {
    let mut pending = false;
    // SAFETY: `env` is the live env of the current thread; the out-pointers are valid.
    unsafe {
        napi::sys::napi_is_exception_pending(env.raw(), &mut pending);
        if pending {
            let mut exception = std::ptr::null_mut();
            napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut exception);
        }
    }
}
