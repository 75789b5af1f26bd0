//! Arbitrary answers from Ory through the response parser and every classifier.
//!
//! Run with `scripts/fuzz.sh [seconds]` (seeds the corpus from `tests/fixtures/`), or
//! `cargo +nightly fuzz run classify -- -dict=fuzz/kratos.dict` from `crates/ory-otc-core`.
//! Input layout: two bytes of status, one byte picking the Content-Type, one picking the
//! Retry-After, then the body (`ory_otc_core::fuzzing::answer_from_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ory_otc_core::fuzzing::{answer_from_bytes, classify_all};

/// The session token of the success fixtures; no outcome's `Debug` may show it.
const TOKEN: &str = "ory_st_0123456789abcdefghijABCDEFGHIJ01";

fuzz_target!(|data: &[u8]| {
    for text in classify_all(answer_from_bytes(data)) {
        assert!(!text.contains(TOKEN), "a session token in Debug");
    }
});
