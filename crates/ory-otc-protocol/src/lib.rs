//! Ory Kratos's wire types for the one-time-code ("code") method, shared by the client core
//! and the emulator: flows, UI nodes and messages, error envelopes, sessions and identities,
//! courier messages, request bodies, and the numeric message ids.
//!
//! Only shapes live here. Texts, tables and classification are written separately on each
//! side from `docs/kratos-protocol.md`, so that a mistake on one side is caught by the other.
//! Struct fields follow Kratos's JSON encoder order (docs/kratos-protocol.md §4), so what the
//! emulator writes reads like what Kratos writes.

pub mod body;
pub mod courier;
pub mod error;
pub mod flow;
pub mod message;
mod secret;
pub mod session;
pub mod ui;

pub use secret::Secret;
