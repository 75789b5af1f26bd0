//! A panic on purpose, so a test can show that a panic in ory-otc costs one call, never the
//! process (`__test__/reliability/panic.test.js`).
//!
//! `__testPanic(stage)` is hidden (no types, not re-exported by `index.js`) and inert: unless
//! the process environment has `ORY_OTC_TEST_PANIC=1`, read with getenv at each call, it does
//! nothing and resolves `false`. Enabled, it panics where a bug in a method could, on the same
//! paths the methods take:
//!
//! - `'sync'`: in the body of a `catch_unwind` function; napi throws an `Error`.
//! - `'arguments'`: where a method checks its arguments, before the promise exists.
//! - `'call'`: inside the call, on the tokio runtime.
//! - `'settle'`: on the JS thread, while the outcome becomes the result object.
//!
//! The last three reject the promise with `OryOtcError` `ERR_ORY_INTERNAL`.
//!
//! Why a hidden function and not a cargo feature: the test then exercises the binary that
//! ships, and CI builds the addon once. It can do nothing a caller could not do by throwing.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ory_otc_core::Error as CoreError;

use crate::client::run;
use crate::client::string;
use crate::error::arg;
use ory_otc_napi::args::value_error;

const ENABLE: &str = "ORY_OTC_TEST_PANIC";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sync,
    Arguments,
    Call,
    Settle,
}

/// What the call produced; becoming the promise's value (`true`: it ran without a panic,
/// which enabled it never does) is where stage `settle` panics.
pub(crate) struct Probe(Option<Stage>);

impl From<Probe> for bool {
    fn from(probe: Probe) -> bool {
        if probe.0 == Some(Stage::Settle) {
            panic!("ory-otc test panic (stage 'settle')");
        }
        probe.0.is_some()
    }
}

#[napi(js_name = "__testPanic", skip_typescript, catch_unwind)]
pub fn test_panic<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "string")] stage: Unknown,
) -> Result<PromiseRaw<'env, bool>> {
    let enabled = std::env::var_os(ENABLE).is_some_and(|v| v == "1");
    let stage = match parse(stage) {
        Ok(stage) => enabled.then_some(stage),
        Err(e) => return crate::call::rejected(env, e),
    };
    if stage == Some(Stage::Sync) {
        panic!("ory-otc test panic (stage 'sync')");
    }
    run(env, None, move |_| {
        if stage == Some(Stage::Arguments) {
            panic!("ory-otc test panic (stage 'arguments')");
        }
        Ok(async move {
            if stage == Some(Stage::Call) {
                panic!("ory-otc test panic (stage 'call')");
            }
            Ok::<_, CoreError>(Probe(stage))
        })
    })
}

fn parse(stage: Unknown) -> std::result::Result<Stage, CoreError> {
    match string(stage, "stage")?.as_str() {
        "sync" => Ok(Stage::Sync),
        "arguments" => Ok(Stage::Arguments),
        "call" => Ok(Stage::Call),
        "settle" => Ok(Stage::Settle),
        _ => Err(arg(value_error(
            "stage",
            "must be 'sync', 'arguments', 'call' or 'settle'",
        ))),
    }
}
