//! Runs a core call as a JS promise.
//!
//! The call runs on napi's tokio runtime. On the JS thread, when it ends, the outcome is
//! converted to its result type and a core error to a JS error ([`crate::error::to_js`]).
//! A panic inside the call, or while its outcome becomes a JS value, becomes
//! `ERR_ORY_INTERNAL`, never a crashed process. An
//! `AbortSignal` cancels the call (the request is dropped mid-flight) and rejects with
//! `ERR_ORY_ABORTED`; its listener is removed when the call ends, so a long-lived signal
//! collects no listeners.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

use futures_util::FutureExt;
use napi::bindgen_prelude::*;
use napi::sys;
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
        // Best effort: a signal whose removeEventListener throws keeps one stale listener. Its
        // exception is dropped, not left pending: a pending exception would stop the promise
        // from settling and reach the event loop as an uncaught exception.
        let unlinked = (|| -> Result<()> {
            let signal = self.signal.get_value(env)?;
            let listener = self.listener.borrow_back(env)?;
            let remove: Function<FnArgs<(String, Function<(String,), ()>)>, ()> =
                signal.get_named_property("removeEventListener")?;
            remove.apply(signal, FnArgs::from(("abort".to_owned(), listener)))?;
            Ok(())
        })();
        if unlinked.is_err() {
            clear_exception(env);
        }
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
    let bad = || {
        crate::error::arg(ory_otc_napi::args::ArgError {
            name: "options.signal".into(),
            reason: "must be an instance of AbortSignal".into(),
            problem: ory_otc_napi::Problem::Type,
        })
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

/// A call's value as JS will receive it.
///
/// Node-API makes an object one property at a time, each a call that finds or interns the
/// key, on the JS thread. A result that JSON can express exactly is instead written as JSON
/// text on the runtime, off the JS thread, and made by one call of `JSON.parse` there, which
/// makes the same objects (same keys in the same order, same values, plain data properties)
/// for a fraction of the JS thread's time.
pub(crate) trait JsResult: ToNapiValue + Send + 'static {
    /// Whether values of this type may be made from JSON text ([`JsResult::json`]).
    const FROM_JSON: bool = false;

    /// The JSON text from which `JSON.parse` makes exactly the value that `to_napi_value`
    /// makes; `None` when JSON cannot express it (`to_napi_value` then makes it).
    fn json(&self) -> Option<String> {
        None
    }
}

impl JsResult for bool {}

/// What crosses from the runtime to the JS thread when a call succeeds.
enum Ready<T, R> {
    /// The core's outcome, made into `R` on the JS thread.
    Outcome(T),
    /// Made into `R` on the runtime; Node-API makes its JS value.
    Value(R),
    /// `R` as JSON text, made on the runtime; `JSON.parse` makes its JS value.
    Json(String),
}

/// On the runtime: an outcome made ready for the JS thread. A panic while making it becomes
/// `ERR_ORY_INTERNAL`, as one in the call does.
fn ready<T, R: From<T> + JsResult>(outcome: T) -> std::result::Result<Ready<T, R>, CoreError> {
    if !R::FROM_JSON {
        return Ok(Ready::Outcome(outcome));
    }
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        let value = R::from(outcome);
        match value.json() {
            Some(text) => Ready::Json(text),
            None => Ready::Value(value),
        }
    }))
    .map_err(|_| panicked())
}

/// Runs `call` and settles the returned promise with `R::from(outcome)` or a JS error.
pub(crate) fn promise<'env, T, R>(
    env: &'env Env,
    signal: Signal,
    call: impl Future<Output = std::result::Result<T, CoreError>> + Send + 'static,
) -> Result<PromiseRaw<'env, R>>
where
    T: Send + 'static,
    R: From<T> + JsResult,
{
    let (token, linked) = match signal {
        Signal::None => (None, None),
        Signal::Aborted => return rejected(env, CoreError::Aborted),
        Signal::Linked(l) => (Some(l.token.clone()), Some(l)),
    };
    let (deferred, promise) = raw::create_promise(env)?;
    let settle_on_js = move |env: &Env, outcome: Box<dyn Any + Send>| {
        if let Some(linked) = linked {
            linked.unlink(env);
        }
        let outcome = match outcome.downcast::<std::result::Result<Ready<T, R>, CoreError>>() {
            Ok(outcome) => *outcome,
            Err(_) => Err(panicked()),
        };
        settle(env, deferred, || match outcome? {
            Ready::Outcome(outcome) => raw::to_value(env, R::from(outcome)),
            Ready::Value(value) => raw::to_value(env, value),
            Ready::Json(text) => raw::parse_json(env, &text),
        });
    };
    let sender = Settler::with(env, |settler| settler.register(env, Box::new(settle_on_js)))?;
    napi::bindgen_prelude::spawn(async move {
        let call = AssertUnwindSafe(call).catch_unwind();
        let outcome = match token {
            Some(token) => tokio::select! {
                r = call => r,
                _ = token.cancelled() => Ok(Err(CoreError::Aborted)),
            },
            None => call.await,
        };
        let outcome = outcome.unwrap_or_else(|_| Err(panicked()));
        sender.send(outcome.and_then(ready::<T, R>));
    });
    Ok(PromiseRaw::new(env.raw(), promise))
}

/// Resolves `deferred` with what `value` makes, or rejects it with the JS error of a core
/// error. A panic while making the value rejects with `ERR_ORY_INTERNAL`: this runs inside an
/// `extern "C"` callback, where an unwinding panic would abort the process.
fn settle(
    env: &Env,
    deferred: sys::napi_deferred,
    value: impl FnOnce() -> std::result::Result<sys::napi_value, CoreError>,
) {
    let made =
        std::panic::catch_unwind(AssertUnwindSafe(value)).unwrap_or_else(|_| Err(panicked()));
    // A status other than napi_ok here means the env is going away; there is no one to tell.
    match made {
        Ok(value) => raw::resolve(env, deferred, value),
        Err(err) => raw::reject(env, deferred, error::to_js(env, &err)),
    }
}

type SettleOnJs = Box<dyn FnOnce(&Env, Box<dyn Any + Send>)>;
type Completion = (u64, Box<dyn Any + Send>);
/// Calls that finished, delivered to their JS thread in one wake-up.
type Batch = Vec<Completion>;
/// What a runtime worker holds: a batch per JS thread.
type Held = Vec<(Arc<Channel>, Batch)>;
use raw::Channel;

/// The most finished calls a runtime worker holds for one JS thread before it delivers them,
/// busy or not.
const MAX_BATCH: usize = 64;

/// Carries finished calls back to their JS thread: one threadsafe function per JS thread (the
/// main thread, each worker), made at its first call and kept until its env ends, for all the
/// calls of that thread, instead of the one per promise that napi-rs's
/// `spawn_future_with_callback` creates and tears down (a uv handle, an async resource and an
/// env cleanup hook each time). Finished calls arrive in batches ([`deliver_held`]).
///
/// It keeps the event loop alive only while calls are in flight, as the socket of a pending
/// request would. Its async resource has a `hasRef()` that says so: test runners count every
/// async resource that is not destroyed as an open handle unless its `hasRef()` is false
/// (Jest's `--detectOpenHandles`, Vitest's hanging-process reporter), and a threadsafe
/// function is destroyed only when its env ends. (Made with napi-rs's threadsafe functions,
/// whose async resource has no `hasRef`, the function had to be released when the last call
/// settled and made again for the next, which cost calls that come one at a time a third more
/// work on the JS thread: bench/README.md.)
struct Settler {
    channel: Arc<Channel>,
    pending: RefCell<HashMap<u64, SettleOnJs>>,
    /// Whether the channel keeps the event loop alive; what its resource's `hasRef()` answers.
    referenced: Rc<Cell<bool>>,
}

thread_local! {
    // One JS thread is one napi env, so per-thread is per-env (as in error.rs).
    static SETTLER: RefCell<Option<Rc<Settler>>> = const { RefCell::new(None) };
    // Call ids never repeat on a thread, across settlers: an id names one call.
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
}

/// The tokio side of one call: sends its outcome to the JS thread, once.
struct Sender {
    id: u64,
    channel: Arc<Channel>,
}

impl Sender {
    fn send<T: Send + 'static>(self, outcome: T) {
        let item: Completion = (self.id, Box::new(outcome));
        let held = OUTBOX.with(|outbox| {
            let mut outbox = outbox.borrow_mut();
            let Some(outbox) = outbox.as_mut() else {
                return Err(item);
            };
            let len = match outbox
                .iter_mut()
                .find(|(c, _)| Arc::ptr_eq(c, &self.channel))
            {
                Some((_, batch)) => {
                    batch.push(item);
                    batch.len()
                }
                None => {
                    outbox.push((self.channel.clone(), vec![item]));
                    1
                }
            };
            Ok(len)
        });
        match held {
            Err(item) => deliver(&self.channel, vec![item]),
            Ok(len) if len >= MAX_BATCH => deliver_held(),
            Ok(_) => {}
        }
    }
}

thread_local! {
    // On a runtime worker: the finished calls it holds until it goes idle, per JS thread.
    // `None` on threads whose idling is not hooked (they deliver each call at once).
    static OUTBOX: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// Wakes the JS thread of `channel` once for `batch`. Fails only when the env is being torn
/// down (a worker ending): nobody awaits then.
fn deliver(channel: &Channel, batch: Batch) {
    channel.call(batch);
}

/// Delivers what this runtime worker holds; from then on it holds calls until it goes idle.
///
/// Both threads of a sign-in, the JS thread and the runtime's worker, often share one core.
/// Woken for every finished call, the JS thread would take the core from the worker each time
/// and give it back (two context switches per call). Held until the worker has nothing left
/// to do, the calls that finished meanwhile cost the JS thread one wake-up together.
fn deliver_held() {
    let held = OUTBOX.with(|outbox| {
        let mut outbox = outbox.borrow_mut();
        std::mem::take(outbox.get_or_insert_with(Vec::new))
    });
    for (channel, batch) in held {
        deliver(&channel, batch);
    }
}

/// The runtime the calls run on: napi-rs's (multi-threaded, every driver), whose workers
/// deliver finished calls when they go idle ([`deliver_held`]) and when they stop.
#[napi_derive::module_init]
fn init_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(deliver_held)
        .on_thread_stop(deliver_held)
        .build();
    // Without it, napi-rs makes its own, and each call is delivered as it finishes.
    if let Ok(runtime) = runtime {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}

impl Settler {
    fn with<R>(env: &Env, f: impl FnOnce(&Rc<Settler>) -> Result<R>) -> Result<R> {
        // A settler whose channel its env closed belongs to an env that ended on this thread.
        let settler = SETTLER
            .with(|s| s.borrow().clone())
            .filter(|s| s.channel.is_open());
        let settler = match settler {
            Some(settler) => settler,
            None => {
                let settler = Rc::new(Settler::new(env)?);
                SETTLER.with(|s| *s.borrow_mut() = Some(settler.clone()));
                settler
            }
        };
        f(&settler)
    }

    fn new(env: &Env) -> Result<Settler> {
        let referenced = Rc::new(Cell::new(false));
        let answer = referenced.clone();
        let has_ref =
            env.create_function_from_closure::<(), bool, _>("hasRef", move |_| Ok(answer.get()))?;
        let mut resource = Object::new(env)?;
        resource.set_named_property("hasRef", has_ref)?;
        Ok(Settler {
            channel: raw::channel(env, &resource)?,
            pending: RefCell::new(HashMap::new()),
            referenced,
        })
    }

    /// On the JS thread, from the channel: settles each call of `batch`.
    fn settle_batch(env: &Env, batch: Batch) {
        for (id, outcome) in batch {
            if let Some(settler) = SETTLER.with(|s| s.borrow().clone()) {
                settler.complete(env, id, outcome);
            }
        }
    }

    fn register(&self, env: &Env, settle_on_js: SettleOnJs) -> Result<Sender> {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        });
        // Referenced before the entry goes in, so a failure leaves no entry behind.
        if self.pending.borrow().is_empty() {
            raw::reference(env, &self.channel, true)?;
            self.referenced.set(true);
        }
        self.pending.borrow_mut().insert(id, settle_on_js);
        Ok(Sender {
            id,
            channel: self.channel.clone(),
        })
    }

    fn complete(&self, env: &Env, id: u64, outcome: Box<dyn Any + Send>) {
        let Some(settle_on_js) = self.pending.borrow_mut().remove(&id) else {
            return;
        };
        if self.pending.borrow().is_empty() {
            // The last call in flight: the event loop may end (see the type's doc).
            let _ = raw::reference(env, &self.channel, false);
            self.referenced.set(false);
        }
        // The borrow is released: the settling may start another call on this thread.
        settle_on_js(env, outcome);
    }
}

/// `JSON.parse` of `text` in this env, as a settled call uses it; for `results.rs`'s test export.
pub(crate) fn parse_json_for_test(env: &Env, text: &str) -> Result<sys::napi_value> {
    raw::parse_json(env, text).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// The error a caught panic becomes. Its payload is not shown: it could hold anything.
pub(crate) fn panicked() -> CoreError {
    CoreError::Internal("a panic was caught; please report this bug".into())
}

/// Drops the JS exception pending on this thread, if any (see [`rejected`]).
pub(crate) fn clear_exception(env: &Env) {
    ory_otc_napi::errors::clear_pending_exception(env);
}

/// A promise already rejected with `err` (bad arguments, aborted before the start).
///
/// A bad argument may have been found by a getter or a method of the caller's object that
/// threw: its exception is still pending, and Node-API makes no promise while one is. It is
/// dropped here, so the call rejects with `err` as documented instead of throwing.
pub(crate) fn rejected<'env, R>(env: &'env Env, err: CoreError) -> Result<PromiseRaw<'env, R>>
where
    R: ToNapiValue + 'static,
{
    clear_exception(env);
    let (deferred, promise) = raw::create_promise(env)?;
    settle(env, deferred, || Err(err));
    Ok(PromiseRaw::new(env.raw(), promise))
}

/// The few Node-API calls napi-rs has no safe wrapper for without a threadsafe function per
/// promise. Each takes the `Env` of the JS thread it runs on.
#[allow(unsafe_code)]
mod raw {
    use std::panic::AssertUnwindSafe;
    use std::sync::Arc;

    use napi::bindgen_prelude::*;
    use napi::{check_status, sys, JsError};
    use ory_otc_core::Error as CoreError;

    /// A promise, and the handle that settles it, once, on this JS thread.
    pub(super) fn create_promise(env: &Env) -> Result<(sys::napi_deferred, sys::napi_value)> {
        let mut deferred = std::ptr::null_mut();
        let mut promise = std::ptr::null_mut();
        // SAFETY: `env` is the live env of the current thread; both out-pointers are valid.
        check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        Ok((deferred, promise))
    }

    pub(super) fn to_value<R: ToNapiValue>(
        env: &Env,
        value: R,
    ) -> std::result::Result<sys::napi_value, CoreError> {
        // SAFETY: `env` is the live env of the current thread, inside a handle scope.
        unsafe { R::to_napi_value(env.raw(), value) }.map_err(|_| super::panicked())
    }

    thread_local! {
        // `JSON.parse` of this thread's env (one JS thread is one env), taken at its first
        // use; cleared by a cleanup hook when the env ends.
        static JSON_PARSE: std::cell::Cell<Option<(sys::napi_env, sys::napi_ref)>> =
            const { std::cell::Cell::new(None) };
    }

    /// The value `JSON.parse` makes of `text`, in this env's realm (where Node-API would have
    /// made it). Failing (it cannot for the text `JsResult::json` writes), the exception is
    /// cleared and the call rejects with `ERR_ORY_INTERNAL`.
    pub(super) fn parse_json(
        env: &Env,
        text: &str,
    ) -> std::result::Result<sys::napi_value, CoreError> {
        let parsed = (|| -> Result<sys::napi_value> {
            let (json, parse) = json_parse(env)?;
            let mut string = std::ptr::null_mut();
            let mut value = std::ptr::null_mut();
            // SAFETY: `env` is the live env of this thread; `text` outlives the calls, its
            // length is passed; `json` and `parse` are values of this env's current scope.
            unsafe {
                if text.is_ascii() {
                    check_status!(sys::napi_create_string_latin1(
                        env.raw(),
                        text.as_ptr().cast(),
                        text.len() as isize,
                        &mut string,
                    ))?;
                } else {
                    check_status!(sys::napi_create_string_utf8(
                        env.raw(),
                        text.as_ptr().cast(),
                        text.len() as isize,
                        &mut string,
                    ))?;
                }
                check_status!(sys::napi_call_function(
                    env.raw(),
                    json,
                    parse,
                    1,
                    &string,
                    &mut value,
                ))?;
            }
            Ok(value)
        })();
        parsed.map_err(|_| {
            super::clear_exception(env);
            super::panicked()
        })
    }

    /// `JSON.parse` as this env had it at the first use, and `undefined` to call it on.
    fn json_parse(env: &Env) -> Result<(sys::napi_value, sys::napi_value)> {
        let env_raw = env.raw();
        let mut undefined = std::ptr::null_mut();
        // SAFETY: `env` is the live env of this thread; the out-pointer is valid.
        check_status!(unsafe { sys::napi_get_undefined(env_raw, &mut undefined) })?;
        let cached = JSON_PARSE.with(|c| c.get()).filter(|(e, _)| *e == env_raw);
        let mut parse = std::ptr::null_mut();
        match cached {
            // SAFETY: the reference was made in this env, which is alive (its cleanup hook,
            // which forgets the reference, has not run).
            Some((_, reference)) => check_status!(unsafe {
                sys::napi_get_reference_value(env_raw, reference, &mut parse)
            })?,
            None => {
                let json: Object = env.get_global()?.get_named_property("JSON")?;
                let function: Unknown = json.get_named_property("parse")?;
                parse = function.raw();
                let mut reference = std::ptr::null_mut();
                // SAFETY: `parse` is a value of this env's current scope; the hook runs on
                // this thread when the env ends, with no data.
                unsafe {
                    check_status!(sys::napi_create_reference(
                        env_raw,
                        parse,
                        1,
                        &mut reference
                    ))?;
                    check_status!(sys::napi_add_env_cleanup_hook(
                        env_raw,
                        Some(forget_json_parse),
                        std::ptr::null_mut(),
                    ))?;
                }
                JSON_PARSE.with(|c| c.set(Some((env_raw, reference))));
            }
        }
        Ok((undefined, parse))
    }

    unsafe extern "C" fn forget_json_parse(_: *mut std::ffi::c_void) {
        JSON_PARSE.with(|c| c.set(None));
    }

    // A status other than napi_ok when settling means the env is going away: no one to tell.
    pub(super) fn resolve(env: &Env, deferred: sys::napi_deferred, value: sys::napi_value) {
        // SAFETY: `deferred` came from `create_promise` on this thread and is settled once
        // (its owner, a pending call, is removed before settling); `value` is from this scope.
        unsafe { sys::napi_resolve_deferred(env.raw(), deferred, value) };
    }

    pub(super) fn reject(env: &Env, deferred: sys::napi_deferred, error: napi::Error) {
        // SAFETY: as in `resolve`; `into_value` makes the error in this env's current scope.
        unsafe {
            let value = JsError::from(error).into_value(env.raw());
            sys::napi_reject_deferred(env.raw(), deferred, value);
        }
    }

    /// A Node-API threadsafe function that runs `Settler::settle_batch` on its JS thread with
    /// each `Batch` it is called with. Any thread may call it; once its env has finalized it,
    /// calls drop their batch.
    pub(crate) struct Channel {
        /// Read-locked by every use, from any thread (uses do not wait for one another);
        /// write-locked once, by finalization, which waits for the uses in progress.
        tsfn: std::sync::RwLock<Option<Tsfn>>,
    }

    struct Tsfn(sys::napi_threadsafe_function);

    // SAFETY: Node-API threadsafe functions are made to be called from any thread; the handle
    // is only used under the channel's lock, which finalization takes before it is freed.
    unsafe impl Send for Tsfn {}
    unsafe impl Sync for Tsfn {}

    impl Channel {
        fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Tsfn>> {
            self.tsfn
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        /// Whether its env has not finalized it.
        pub(super) fn is_open(&self) -> bool {
            self.read().is_some()
        }

        /// Queues `batch` for the JS thread and wakes it, without blocking.
        pub(super) fn call(&self, batch: super::Batch) {
            let tsfn = self.read();
            let Some(Tsfn(tsfn)) = *tsfn else {
                return; // The env ended: nobody awaits these calls.
            };
            let data = Box::into_raw(Box::new(batch));
            // SAFETY: `tsfn` is alive: finalization clears it under the lock held here.
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn,
                    data.cast(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                // SAFETY: not queued, so still ours.
                drop(unsafe { Box::from_raw(data) });
            }
        }
    }

    /// A channel for this env, unreferenced, whose async resource is `resource`.
    pub(super) fn channel(env: &Env, resource: &Object) -> Result<Arc<Channel>> {
        let channel = Arc::new(Channel {
            tsfn: std::sync::RwLock::new(None),
        });
        let name = env.create_string("ory_otc_settle")?;
        let finalize_data = Arc::into_raw(channel.clone()).cast_mut().cast();
        let mut tsfn = std::ptr::null_mut();
        // SAFETY: `env` is the live env of this thread; `resource` and `name` are values of its
        // current scope; no JS function (`call_js` calls into Rust); `finalize_data` is an
        // `Arc` that `finalize` takes back, exactly once, when Node frees the function.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                std::ptr::null_mut(),
                resource.raw(),
                name.raw(),
                0,
                1,
                finalize_data,
                Some(finalize),
                std::ptr::null_mut(),
                Some(call_js),
                &mut tsfn,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: not made, so `finalize` will not run; the `Arc` is still ours.
            drop(unsafe { Arc::from_raw(finalize_data.cast::<Channel>()) });
            return Err(napi::Error::from_status(Status::from(status)));
        }
        *channel
            .tsfn
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Tsfn(tsfn));
        reference(env, &channel, false)?;
        Ok(channel)
    }

    unsafe extern "C" fn finalize(
        _env: sys::napi_env,
        data: *mut std::ffi::c_void,
        _hint: *mut std::ffi::c_void,
    ) {
        // SAFETY: `data` is the `Arc` that `channel` gave away for this, and this runs once.
        let channel = unsafe { Arc::from_raw(data.cast::<Channel>()) };
        *channel
            .tsfn
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    unsafe extern "C" fn call_js(
        env: sys::napi_env,
        _js_callback: sys::napi_value,
        _context: *mut std::ffi::c_void,
        data: *mut std::ffi::c_void,
    ) {
        // SAFETY: `data` is a batch `Channel::call` queued, handed back once.
        let batch = unsafe { Box::from_raw(data.cast::<super::Batch>()) };
        if env.is_null() {
            return; // The function is being freed with its env: nobody awaits these calls.
        }
        let env = Env::from_raw(env);
        // Unwinding into Node would abort the process; every call's settling catches its own.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
            super::Settler::settle_batch(&env, *batch)
        }));
    }

    /// Makes `channel` keep the event loop alive (`true`) or not.
    pub(super) fn reference(env: &Env, channel: &Channel, on: bool) -> Result<()> {
        let tsfn = channel.read();
        let Some(Tsfn(tsfn)) = *tsfn else {
            return Ok(());
        };
        // SAFETY: called on the channel's own JS thread while its env is alive (from a call
        // or from the channel's own callback), and the function is not finalized (checked
        // under the lock).
        check_status!(unsafe {
            if on {
                sys::napi_ref_threadsafe_function(env.raw(), tsfn)
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), tsfn)
            }
        })
    }
}
