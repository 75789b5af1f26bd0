//! The Node.js bindings of ory-otc. This crate only converts between JS values and the core
//! client (`ory-otc-core`): no HTTP, no JSON parsing and no classification live here. The
//! emulator has its own package and addon (`packages/emulator`), so production servers do not
//! load it.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod call;
mod client;
mod error;
mod options;
mod results;
mod testing;

pub use client::{complete_otc_login, initiate_otc_login, OryOtc};
pub use options::{
    OryOtcOptions, ResendCodeParams, VerifyCodeParams, VerifyLoginCodeParams,
    VerifyRegistrationCodeParams,
};
pub use results::{LogoutResult, SendCodeResult, VerifyCodeResult, WhoamiResult};
