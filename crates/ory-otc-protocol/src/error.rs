//! Kratos's error envelope, `{"error":{…}}`, and the keys that sit beside it (docs/kratos-protocol.md §5).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An error response. Most carry only `error`; a 410 "flow expired" adds `expired_at`, `since`
/// and `use_flow_id`, a 410 "flow replaced" adds `use_flow_id`, and a 422 adds
/// `redirect_browser_to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: GenericError,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<String>,
    /// Nanoseconds since expiry. Deprecated by Kratos, still sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// The id of a new flow that replaces the one that expired or was replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_flow_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_browser_to: Option<String>,
}

/// herodot's `DefaultError`, in its field order. `debug` is always stripped by Kratos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenericError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub code: u16,
    #[serde(default)]
    pub status: String,
    /// Echo of the request's `X-Request-ID` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
    #[serde(default)]
    pub message: String,
}

/// Values of `error.id` that the code method produces (docs/kratos-protocol.md §5 table).
pub mod id {
    pub const SESSION_ALREADY_AVAILABLE: &str = "session_already_available";
    pub const SESSION_AAL1_REQUIRED: &str = "session_aal1_required";
    pub const SESSION_AAL2_REQUIRED: &str = "session_aal2_required";
    pub const SESSION_INACTIVE: &str = "session_inactive";
    pub const SELF_SERVICE_FLOW_EXPIRED: &str = "self_service_flow_expired";
    pub const SELF_SERVICE_FLOW_REPLACED: &str = "self_service_flow_replaced";
    pub const SELF_SERVICE_FLOW_DISABLED: &str = "self_service_flow_disabled";
    pub const SELF_SERVICE_FLOW_RETURN_TO_FORBIDDEN: &str = "self_service_flow_return_to_forbidden";
    pub const SECURITY_CSRF_VIOLATION: &str = "security_csrf_violation";
    pub const BROWSER_LOCATION_CHANGE_REQUIRED: &str = "browser_location_change_required";
}

/// The response header that repeats `error.id` on every envelope (Kratos v26.2.0 and later).
pub const ORY_ERROR_ID_HEADER: &str = "Ory-Error-Id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expired_envelope_keeps_its_side_keys() {
        let json = r#"{"error":{"id":"self_service_flow_expired","code":410,"status":"Gone","reason":"The self-service flow expired 3.52 minutes ago, initialize a new one.","message":"self-service flow expired"},"expired_at":"2026-01-01T12:00:00Z","since":211200000000,"use_flow_id":"0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d"}"#;
        let e: ErrorResponse = serde_json::from_str(json).unwrap();
        assert_eq!(e.error.id.as_deref(), Some(id::SELF_SERVICE_FLOW_EXPIRED));
        assert_eq!(e.error.code, 410);
        assert_eq!(
            e.use_flow_id.as_deref(),
            Some("0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d")
        );
        assert_eq!(serde_json::to_string(&e).unwrap(), json);
    }

    #[test]
    fn a_bare_envelope_omits_empty_fields() {
        let e = ErrorResponse {
            error: GenericError {
                id: None,
                code: 404,
                status: "Not Found".into(),
                request: None,
                reason: None,
                details: None,
                message: "Unable to locate the resource".into(),
            },
            expired_at: None,
            since: None,
            use_flow_id: None,
            redirect_browser_to: None,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#
        );
    }
}
