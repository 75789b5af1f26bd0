//! The Node.js bindings of ory-otc. This crate only converts between JS values and the core
//! client (`ory-otc-core`) and the emulator (`ory-otc-emulator`); no HTTP, no JSON parsing, no
//! classification lives here.
