//! A Node-free client for Ory Kratos's one-time-code ("code") login and registration.
//!
//! Kratos answers HTTP 400 when a code *was sent*, and has answered 200 for some failures, so
//! this client classifies every answer by the flow's `state` and message ids into outcome
//! values ([`SendCode`], [`VerifyCode`], [`Whoami`], [`Logout`]). Only a call that could not be
//! carried out is an [`Error`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), ory_otc_core::Error> {
//! use ory_otc_core::{Client, Config, Cookies, SendCode};
//! let client = Client::new(Config::builder().base_url("http://127.0.0.1:4433").build()?)?;
//! match client.send_login_code("ada@example.com", &mut Cookies::none()).await? {
//!     SendCode::CodeSent { flow_id, .. } => println!("code sent, flow {flow_id}"),
//!     other => println!("not sent: {other:?}"),
//! }
//! # Ok(()) }
//! ```

pub mod check;
mod classify;
mod client;
pub mod config;
mod cookies;
mod error;
mod flow;
/// Entry points for the fuzz target and the property tests; not part of the API.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod outcome;

pub use check::{MAX_EMAIL_LEN, MAX_TOKEN_LEN};
pub use client::{Client, Credentials, VerifyRequest};
pub use config::{Config, ConfigBuilder, CookieDomain, FlowMode};
pub use cookies::Cookies;
pub use error::{ArgumentProblem, Error, ErrorCode, NetworkFailure};
pub use http::{MAX_BODY_BYTES, MAX_IN_FLIGHT};
pub use ory_otc_protocol::{self as protocol, Secret};
pub use outcome::{CsrfCause, FlowKind, Logout, Message, Rejection, SendCode, VerifyCode, Whoami};
