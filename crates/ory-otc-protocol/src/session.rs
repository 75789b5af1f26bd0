//! Sessions, identities and the success bodies of login and registration (docs/kratos-protocol.md §6, §10).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Secret;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub authenticated_at: Option<String>,
    #[serde(default)]
    pub authenticator_assurance_level: Option<String>,
    #[serde(default)]
    pub authentication_methods: Vec<AuthenticationMethod>,
    #[serde(default)]
    pub issued_at: Option<String>,
    /// `null` when the session's AAL is below what whoami requires (the key stays).
    #[serde(default)]
    pub identity: Option<Identity>,
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenized: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationMethod {
    pub method: String,
    #[serde(default)]
    pub aal: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    #[serde(default)]
    pub schema_id: String,
    #[serde(default)]
    pub schema_url: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_changed_at: Option<String>,
    #[serde(default)]
    pub traits: Value,
    #[serde(default)]
    pub verifiable_addresses: Vec<VerifiableAddress>,
    #[serde(default)]
    pub recovery_addresses: Vec<RecoveryAddress>,
    #[serde(default)]
    pub metadata_public: Value,
    /// Admin API only: credentials by type, `config` stripped unless asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Map<String, Value>>,
    /// Admin API only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub organization_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiableAddress {
    pub id: String,
    pub value: String,
    pub verified: bool,
    pub via: String,
    /// `pending`, `sent` or `completed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryAddress {
    pub id: String,
    pub value: String,
    pub via: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// 200 body of a successful login. API flows carry `session_token`; browser flows do not.
/// `Debug` leaves out `continue_with`, which can carry the token again (`ory_session_token`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSuccess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<Secret>,
    pub session: Session,
    /// Usually `null` for a code login.
    #[serde(default)]
    pub continue_with: Option<Vec<Value>>,
}

/// 200 body of a successful registration. `session_token` and `session` are present only when
/// the project runs the `session` after-registration hook. `Debug` leaves out `continue_with`,
/// which then carries the token again (`set_ory_session_token`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationSuccess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    pub identity: Identity,
    #[serde(default)]
    pub continue_with: Option<Vec<Value>>,
}

/// How many `continue_with` items there are, without their contents.
fn continue_with_len(items: &Option<Vec<Value>>) -> Option<usize> {
    items.as_ref().map(Vec::len)
}

impl std::fmt::Debug for LoginSuccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginSuccess")
            .field("session_token", &self.session_token)
            .field("session", &self.session)
            .field("continue_with_len", &continue_with_len(&self.continue_with))
            .finish()
    }
}

impl std::fmt::Debug for RegistrationSuccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationSuccess")
            .field("session_token", &self.session_token)
            .field("session", &self.session)
            .field("identity", &self.identity)
            .field("continue_with_len", &continue_with_len(&self.continue_with))
            .finish()
    }
}

/// The whoami header that names the identity of the session.
pub const AUTHENTICATED_IDENTITY_HEADER: &str = "X-Kratos-Authenticated-Identity-Id";
/// The header native apps use to present a session token.
pub const SESSION_TOKEN_HEADER: &str = "X-Session-Token";
/// Session tokens are `ory_st_` followed by 32 alphanumerics.
pub const SESSION_TOKEN_PREFIX: &str = "ory_st_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_success_keeps_the_token_out_of_debug() {
        let json = r#"{"session_token":"ory_st_0123456789abcdefghijABCDEFGHIJ01","session":{"id":"s1","active":true,"identity":null},"continue_with":null}"#;
        let ok: LoginSuccess = serde_json::from_str(json).unwrap();
        assert_eq!(
            ok.session_token.as_ref().map(Secret::expose),
            Some("ory_st_0123456789abcdefghijABCDEFGHIJ01")
        );
        assert!(!format!("{ok:?}").contains("ory_st_"));
    }

    #[test]
    fn continue_with_keeps_the_token_out_of_debug() {
        let token = "ory_st_0123456789abcdefghijABCDEFGHIJ01";
        let continue_with =
            format!(r#"[{{"action":"set_ory_session_token","ory_session_token":"{token}"}}]"#);
        let login =
            format!(r#"{{"session":{{"id":"s1","active":true}},"continue_with":{continue_with}}}"#);
        let registration = format!(
            r#"{{"identity":{{"id":"i1","schema_id":"default","traits":{{}}}},"continue_with":{continue_with}}}"#
        );
        let login: LoginSuccess = serde_json::from_str(&login).unwrap();
        let registration: RegistrationSuccess = serde_json::from_str(&registration).unwrap();
        assert_eq!(login.continue_with.as_ref().map(Vec::len), Some(1));
        assert!(!format!("{login:?}").contains("ory_st_"));
        assert!(!format!("{registration:?}").contains("ory_st_"));
    }
}

/// 200 body of `GET /self-service/logout/browser`: where to complete a browser logout
/// (docs/kratos-protocol.md §10.4). The token ends the session it was made for, so it is secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogoutFlow {
    /// `PUB/self-service/logout?token=<logout token>`. Its query is the token: never printed.
    pub logout_url: Secret,
    pub logout_token: Secret,
}
