//! Runs a core call as a JS promise.
//!
//! The call runs on napi's tokio runtime. On the JS thread, when it ends, the outcome is
//! converted to its result type and a core error to a JS error ([`crate::error::to_js`]).
//! A panic inside the call, or while its outcome becomes a JS value, becomes
//! `ERR_ORY_INTERNAL`, never a crashed process. An
//! `AbortSignal` cancels the call (the request is dropped mid-flight) and rejects with
//! `ERR_ORY_ABORTED`; its listener is removed when the call ends, so a long-lived signal
//! collects no listeners.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use napi::bindgen_prelude::*;
use ory_otc_core::Error as CoreError;
use tokio_util::sync::CancellationToken;

use crate::error;

/// An `AbortSignal` linked to a cancellation token.
pub(crate) struct Linked {
    token: CancellationToken,
    signal: ObjectRef<false>,
    listener: FunctionRef<(String,), ()>,
}

impl Linked {
    fn unlink(self, env: &Env) {
        // Best effort: a signal whose removeEventListener throws keeps one stale listener.
        let _ = (|| -> Result<()> {
            let signal = self.signal.get_value(env)?;
            let listener = self.listener.borrow_back(env)?;
            let remove: Function<FnArgs<(String, Function<(String,), ()>)>, ()> =
                signal.get_named_property("removeEventListener")?;
            remove.apply(signal, FnArgs::from(("abort".to_owned(), listener)))?;
            Ok(())
        })();
        let _ = self.signal.unref(env);
    }
}

/// What to do with a call's `signal`.
pub(crate) enum Signal {
    None,
    /// Already aborted: reject without a request.
    Aborted,
    Linked(Linked),
}

/// Links `signal` (an `AbortSignal`, or anything with `aborted` and `addEventListener`).
pub(crate) fn link(env: &Env, signal: Object) -> std::result::Result<Signal, CoreError> {
    let bad = || CoreError::InvalidArgument {
        name: "options.signal".into(),
        reason: "must be an instance of AbortSignal".into(),
        problem: ory_otc_core::ArgumentProblem::Type,
    };
    let aborted: bool = signal
        .get_named_property::<Unknown>("aborted")
        .and_then(bool::from_unknown)
        .map_err(|_| bad())?;
    if aborted {
        return Ok(Signal::Aborted);
    }
    let add: Function<FnArgs<(String, Function<(String,), ()>)>, ()> = signal
        .get_named_property::<Unknown>("addEventListener")
        .and_then(Function::from_unknown)
        .map_err(|_| bad())?;
    let token = CancellationToken::new();
    let fire = token.clone();
    let listener = env
        .create_function_from_closure::<(String,), (), _>("onAbort", move |_| {
            fire.cancel();
            Ok(())
        })
        .map_err(|_| bad())?;
    let linked = Linked {
        token,
        signal: signal.create_ref().map_err(|_| bad())?,
        listener: listener.create_ref().map_err(|_| bad())?,
    };
    add.apply(signal, FnArgs::from(("abort".to_owned(), listener)))
        .map_err(|_| bad())?;
    Ok(Signal::Linked(linked))
}

/// Runs `call` and settles the returned promise with `R::from(outcome)` or a JS error.
pub(crate) fn promise<'env, T, R>(
    env: &'env Env,
    signal: Signal,
    call: impl Future<Output = std::result::Result<T, CoreError>> + Send + 'static,
) -> Result<PromiseRaw<'env, R>>
where
    T: Send + 'static,
    R: From<T> + ToNapiValue + 'static,
{
    let (token, linked) = match signal {
        Signal::None => (None, None),
        Signal::Aborted => return rejected(env, CoreError::Aborted),
        Signal::Linked(l) => (Some(l.token.clone()), Some(l)),
    };
    let guarded = async move {
        let call = AssertUnwindSafe(call).catch_unwind();
        let outcome = match token {
            Some(token) => tokio::select! {
                r = call => r,
                _ = token.cancelled() => Ok(Err(CoreError::Aborted)),
            },
            None => call.await,
        };
        Ok::<_, napi::Error>(outcome.unwrap_or_else(|_| Err(panicked())))
    };
    env.spawn_future_with_callback(guarded, move |env, outcome| {
        settle(env, || {
            if let Some(linked) = linked {
                linked.unlink(env);
            }
            outcome.map(R::from).map_err(|e| error::to_js(env, &e))
        })
    })
}

/// The error a caught panic becomes. Its payload is not shown: it could hold anything.
pub(crate) fn panicked() -> CoreError {
    CoreError::Internal("a panic was caught; please report this bug".into())
}

/// Runs a promise's settling callback on the JS thread. napi calls it from an `extern "C"`
/// function, where an unwinding panic aborts the process; here it rejects the promise.
fn settle<R>(env: &Env, f: impl FnOnce() -> Result<R>) -> Result<R> {
    std::panic::catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(error::to_js(env, &panicked())))
}

/// A promise already rejected with `err` (bad arguments, aborted before the start).
pub(crate) fn rejected<'env, R>(env: &'env Env, err: CoreError) -> Result<PromiseRaw<'env, R>>
where
    R: ToNapiValue + 'static,
{
    env.spawn_future_with_callback(async move { Ok::<_, napi::Error>(err) }, |env, err| {
        settle(env, || Err::<R, _>(error::to_js(env, &err)))
    })
}
