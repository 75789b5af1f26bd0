//! Courier messages from the admin API (docs/kratos-protocol.md §10).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Secret;

/// A mail or SMS the courier queued. In dev mode `subject` and `body` hold the code; otherwise
/// Kratos replaces both with `"<redacted-unless-dev-mode>"`. Both are [`Secret`]s so a message
/// can be logged with `{:?}` without showing a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourierMessage {
    pub id: String,
    /// `queued`, `sent`, `processing` or `abandoned`.
    pub status: String,
    /// `email` or `sms`.
    #[serde(rename = "type")]
    pub kind: String,
    pub recipient: String,
    pub body: Secret,
    pub subject: Secret,
    pub template_type: String,
    /// `email`, `sms` or `""`, never null.
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub send_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatches: Option<Vec<Value>>,
    pub created_at: String,
    pub updated_at: String,
}

/// What non-dev Kratos writes instead of a message's subject and body.
pub const REDACTED: &str = "<redacted-unless-dev-mode>";
