//! JS values in and out, shared by the two napi crates: the client (`ory-otc`, the root crate)
//! and the emulator (`packages/emulator`, npm `ory-otc-emulator`).
//!
//! - [`args`]: argument readers. A wrong type rejects with Node's `ERR_INVALID_ARG_TYPE`
//!   wording instead of napi's generic conversion error, and no message ever shows a value (a
//!   value may be a code, a token or a cookie). [`js_object!`] derives an object's reader from
//!   its Rust field names, so a JS key is never typed by hand.
//! - [`errors`]: errors made with the caller's realm's classes, registered by each package's
//!   `index.js`, so `instanceof TypeError` holds even inside Jest's vm sandbox.
//!
//! It holds no `#[napi]` item: each napi crate exports its own functions, so each package's
//! generated `.d.ts` lists only what that package has.

pub mod args;
pub mod errors;

pub use args::{ArgError, FromJs, Problem};
