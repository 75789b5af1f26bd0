//! Arbitrary answers from Ory through the response parser and every classifier.
//!
//! Run with `scripts/fuzz.sh [seconds]` (seeds the corpus from `tests/fixtures/`), or
//! `cargo +nightly fuzz run classify -- -dict=fuzz/kratos.dict` from `crates/ory-otc-core`.
//! Input layout: two bytes of status, one byte picking the Content-Type, one picking the
//! Retry-After, then the body (`ory_otc_core::fuzzing::answer_from_bytes`).
//!
//! Fails on a panic, and when the value of a `session_token`/`ory_session_token` field shows in
//! the `Debug` or `Display` of an outcome or error (`fuzzing::session_token_leaks`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ory_otc_core::fuzzing::session_token_leaks;

fuzz_target!(|data: &[u8]| {
    let leaks = session_token_leaks(data);
    assert!(leaks.is_empty(), "a session token in Debug: {leaks:?}");
});
