//! A string that must never be printed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A one-time code, a session token, an API key, or a mail body that carries a code.
///
/// `Debug` prints `***`, and there is deliberately no `Display`, so the value cannot reach a
/// log line or an error message by accident. Serde reads and writes the plain string, because
/// on the wire it is the plain string. Call [`Secret::expose`] where the value is really needed.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Every call site is a place where the secret leaves this type.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_exposed(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("ory_st_abcdefghijklmnopqrstuvwxyz123456");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
    }

    #[test]
    fn serializes_as_the_plain_string() {
        let s = Secret::new("123456");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"123456\"");
        let back: Secret = serde_json::from_str("\"123456\"").unwrap();
        assert_eq!(back.expose(), "123456");
    }
}
