//! Login and registration flow objects (docs/kratos-protocol.md §4).
//!
//! The two flows have different keys in a different order (registration has no
//! `created_at`/`updated_at`, and `organization_id` sits elsewhere), so each has its own
//! struct. Fields a client does not need are `#[serde(default)]`, so a client tolerates a
//! Kratos release that drops or adds them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ui::Ui;
use crate::Secret;

/// `api` for flows created with `/…/api` (native apps, servers), `browser` for `/…/browser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowType {
    Api,
    Browser,
}

/// A flow's `state`. Login and registration go `choose_method` → `sent_email` →
/// `passed_challenge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    ChooseMethod,
    SentEmail,
    PassedChallenge,
    /// Any state this crate does not know (recovery v2 states, a future Kratos). Never written.
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginFlow {
    pub id: String,
    /// Always present, `null` outside organizations.
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_login_challenge: Option<String>,
    #[serde(rename = "type")]
    pub flow_type: FlowType,
    pub expires_at: String,
    #[serde(default)]
    pub issued_at: String,
    #[serde(default)]
    pub request_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// `"code"` once a code was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    pub ui: Ui,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub refresh: bool,
    #[serde(default)]
    pub requested_aal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_exchange_code: Option<Secret>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationFlow {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_login_challenge: Option<String>,
    #[serde(rename = "type")]
    pub flow_type: FlowType,
    pub expires_at: String,
    #[serde(default)]
    pub issued_at: String,
    #[serde(default)]
    pub request_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    pub ui: Ui,
    /// Always present, `null` outside organizations.
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_exchange_code: Option<Secret>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/kratos-protocol.md §4, "Example (HEAD)": an API login flow in state choose_method.
    const LOGIN_CHOOSE_METHOD: &str = r#"{"id":"6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b","organization_id":null,"type":"api","expires_at":"2026-01-01T13:00:00.123456Z","issued_at":"2026-01-01T12:00:00.123456Z","request_url":"http://127.0.0.1:4433/self-service/login/api","ui":{"action":"http://127.0.0.1:4433/self-service/login?flow=6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b","method":"POST","nodes":[{"type":"input","group":"default","attributes":{"name":"identifier","type":"text","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070004,"text":"ID","type":"info"}}},{"type":"input","group":"code","attributes":{"name":"method","type":"submit","value":"code","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1010015,"text":"Send sign in code","type":"info"}}}]},"created_at":"2026-01-01T12:00:00.123456Z","updated_at":"2026-01-01T12:00:00.123456Z","refresh":false,"requested_aal":"aal1","state":"choose_method"}"#;

    #[test]
    fn the_reference_login_flow_round_trips_byte_for_byte() {
        let flow: LoginFlow = serde_json::from_str(LOGIN_CHOOSE_METHOD).unwrap();
        assert_eq!(flow.state, State::ChooseMethod);
        assert_eq!(flow.flow_type, FlowType::Api);
        assert_eq!(serde_json::to_string(&flow).unwrap(), LOGIN_CHOOSE_METHOD);
    }

    #[test]
    fn an_unknown_state_is_read_as_unknown() {
        let json = LOGIN_CHOOSE_METHOD.replace("choose_method", "recovery_awaiting_address");
        let flow: LoginFlow = serde_json::from_str(&json).unwrap();
        assert_eq!(flow.state, State::Unknown);
    }

    #[test]
    fn a_registration_flow_has_no_created_at() {
        let flow = RegistrationFlow {
            id: "id".into(),
            oauth2_login_challenge: None,
            flow_type: FlowType::Api,
            expires_at: "e".into(),
            issued_at: "i".into(),
            request_url: "r".into(),
            return_to: None,
            active: None,
            ui: Ui {
                action: "a".into(),
                method: "POST".into(),
                nodes: vec![],
                messages: vec![],
            },
            organization_id: None,
            transient_payload: None,
            session_token_exchange_code: None,
            state: State::ChooseMethod,
            identity_schema: None,
        };
        let json = serde_json::to_string(&flow).unwrap();
        assert!(!json.contains("created_at"));
        assert!(json.contains(r#""organization_id":null"#));
    }
}
