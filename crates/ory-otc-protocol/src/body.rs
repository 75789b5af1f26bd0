//! Request bodies the code method accepts (docs/kratos-protocol.md §3, §10).
//!
//! Kratos decodes JSON "in form format": `{"traits":{"email":…}}` and `{"traits.email":…}`
//! mean the same, unknown keys are dropped and empty strings count as absent. These structs
//! are what a client writes; a server must accept the looser forms too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Secret;

/// Submit body of a login flow with `method: "code"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateLoginFlowWithCode {
    /// Always `"code"`.
    pub method: String,
    /// Required on every step, including the code submit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// `"code"` to mail a new code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend: Option<String>,
    /// Browser flows only: the value of the flow's `csrf_token` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<Secret>,
    /// MFA and refresh address buttons only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Map<String, Value>>,
}

/// Submit body of a registration flow with `method: "code"`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateRegistrationFlowWithCode {
    /// Always `"code"`.
    pub method: String,
    /// Required on every step; on the code submit they must equal those the code was sent for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend: Option<String>,
    /// Browser flows only: the value of the flow's `csrf_token` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Map<String, Value>>,
}

/// Body of `DELETE /self-service/logout/api`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformNativeLogout {
    pub session_token: Secret,
}

/// Body of `POST /admin/identities`. Kratos decodes it strictly: an unknown key is a 400.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIdentityBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<String>,
    pub traits: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifiable_addresses: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_addresses: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_public: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    /// `active` or `inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_submit_writes_method_code_and_identifier() {
        let body = UpdateLoginFlowWithCode {
            method: "code".into(),
            identifier: Some("a@example.com".into()),
            code: Some(Secret::new("123456")),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"method":"code","identifier":"a@example.com","code":"123456"}"#
        );
        assert!(!format!("{body:?}").contains("123456"));
    }

    #[test]
    fn create_identity_refuses_unknown_keys() {
        let err = serde_json::from_str::<CreateIdentityBody>(r#"{"traits":{},"nope":1}"#);
        assert!(err
            .unwrap_err()
            .to_string()
            .contains("unknown field `nope`"));
    }
}
