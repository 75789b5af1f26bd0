//! The JSON views of stored records, in Kratos's field order: flows, identities, sessions,
//! courier messages and the success bodies of login and registration.

use ory_otc_protocol::courier::{CourierMessage, REDACTED};
use ory_otc_protocol::flow::{LoginFlow, RegistrationFlow};
use ory_otc_protocol::Secret;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::rfc3339;
use crate::records::{Flow, IdentityRec, MessageRec, SessionRec, Store, Transient};
use crate::state::Urls;

/// A login flow as JSON, with the values Kratos does not persist.
pub(crate) fn login_flow(flow: &Flow, extra: Transient) -> LoginFlow {
    LoginFlow {
        id: flow.id.to_string(),
        organization_id: None,
        oauth2_login_challenge: None,
        flow_type: flow.flow_type,
        expires_at: rfc3339(flow.expires_at),
        issued_at: rfc3339(flow.issued_at),
        request_url: flow.request_url.clone(),
        return_to: flow.return_to(),
        active: flow.active.clone(),
        ui: flow.ui.clone(),
        created_at: rfc3339(flow.created_at),
        updated_at: rfc3339(flow.updated_at),
        refresh: flow.refresh,
        requested_aal: flow.requested_aal.clone(),
        session_token_exchange_code: extra.session_token_exchange_code.map(Secret::new),
        state: flow.state,
        transient_payload: extra.transient_payload,
        identity_schema: None,
    }
}

/// A registration flow as JSON, with the values Kratos does not persist.
pub(crate) fn registration_flow(flow: &Flow, extra: Transient) -> RegistrationFlow {
    RegistrationFlow {
        id: flow.id.to_string(),
        oauth2_login_challenge: None,
        flow_type: flow.flow_type,
        expires_at: rfc3339(flow.expires_at),
        issued_at: rfc3339(flow.issued_at),
        request_url: flow.request_url.clone(),
        return_to: flow.return_to(),
        active: flow.active.clone(),
        ui: flow.ui.clone(),
        organization_id: None,
        transient_payload: extra.transient_payload,
        session_token_exchange_code: extra.session_token_exchange_code.map(Secret::new),
        state: flow.state,
        identity_schema: None,
    }
}

/// A courier message as the admin API shows it; subject and body redacted outside dev mode.
pub(crate) fn message(m: &MessageRec, dev_mode: bool) -> CourierMessage {
    let (subject, body) = if dev_mode {
        (m.subject.clone(), m.body.clone())
    } else {
        (REDACTED.to_owned(), REDACTED.to_owned())
    };
    CourierMessage {
        id: m.id.to_string(),
        // derived: without a courier worker Kratos leaves messages queued.
        status: "queued".into(),
        kind: "email".into(),
        recipient: m.recipient.clone(),
        body: Secret::new(body),
        subject: Secret::new(subject),
        template_type: m.template_type.into(),
        channel: "email".into(),
        send_count: 0,
        dispatches: None,
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.created_at),
    }
}

/// How much of an identity a response shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdentityView {
    /// `Identity.MarshalJSON`: no credentials, no `metadata_admin`.
    Public,
    /// `WithCredentialsNoConfigAndAdminMetadataInJSON`.
    Admin,
    /// Admin with the `code` credential's `config` (`include_credential=code`).
    AdminWithConfig,
    /// The answer to `POST /admin/identities`: admin, but `metadata_admin` left out when unset.
    Created,
}

/// An identity in Kratos's field order (`identity.Identity`).
#[derive(Serialize)]
pub(crate) struct IdentityJson {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<HashMapSorted>,
    schema_id: String,
    schema_url: String,
    state: String,
    state_changed_at: String,
    traits: TraitsJson,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verifiable_addresses: Vec<AddressJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recovery_addresses: Vec<RecoveryJson>,
    metadata_public: Value,
    /// Absent in the public view; `null` when unset in the admin views.
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata_admin: Option<Value>,
    created_at: String,
    updated_at: String,
    organization_id: Option<String>,
}

/// Credentials by type; Go encodes map keys sorted.
type HashMapSorted = std::collections::BTreeMap<&'static str, CredentialJson>;

#[derive(Serialize)]
struct CredentialJson {
    #[serde(rename = "type")]
    kind: &'static str,
    identifiers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<CodeConfigJson>,
    version: u32,
    created_at: String,
    updated_at: String,
}

/// Traits as Kratos stores them: the decoded keys (in the map's order), then the objects the
/// decoder added as `{}`.
struct TraitsJson {
    traits: Map<String, Value>,
    last: Vec<String>,
}

impl Serialize for TraitsJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(self.traits.len()))?;
        for (k, v) in self.traits.iter().filter(|(k, _)| !self.last.contains(k)) {
            m.serialize_entry(k, v)?;
        }
        for k in &self.last {
            if let Some(v) = self.traits.get(k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

#[derive(Serialize)]
struct CodeConfigJson {
    addresses: Vec<CodeAddress>,
}

#[derive(Serialize)]
struct CodeAddress {
    channel: &'static str,
    address: String,
}

#[derive(Serialize)]
struct RecoveryJson {
    id: String,
    value: String,
    via: &'static str,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
struct AddressJson {
    id: String,
    value: String,
    verified: bool,
    via: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified_at: Option<String>,
    created_at: String,
    updated_at: String,
}

/// An identity as a response shows it, under the instance's public URL.
pub(crate) fn identity(urls: &Urls, rec: &IdentityRec, view: IdentityView) -> IdentityJson {
    let admin = view != IdentityView::Public;
    let credentials = admin.then(|| {
        let config = (view == IdentityView::AdminWithConfig).then(|| {
            // Structs, so the keys keep Kratos's order (channel, address).
            CodeConfigJson {
                addresses: rec
                    .code_identifiers
                    .iter()
                    .map(|a| CodeAddress {
                        channel: "email",
                        address: a.clone(),
                    })
                    .collect(),
            }
        });
        let mut m = HashMapSorted::new();
        m.insert(
            "code",
            CredentialJson {
                kind: "code",
                identifiers: rec.code_identifiers.clone(),
                config,
                version: 1,
                created_at: rfc3339(rec.created_at),
                updated_at: rfc3339(rec.created_at),
            },
        );
        m
    });
    IdentityJson {
        id: rec.id.to_string(),
        external_id: rec.external_id.clone(),
        credentials,
        schema_id: urls.schema_id.clone(),
        schema_url: urls.public(&format!(
            "/schemas/{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                &urls.schema_id
            )
        )),
        state: rec.state.clone(),
        state_changed_at: rfc3339(rec.state_changed_at),
        traits: TraitsJson {
            traits: rec.traits.clone(),
            last: rec.traits_last.clone(),
        },
        verifiable_addresses: rec
            .addresses
            .iter()
            .map(|a| AddressJson {
                id: a.id.to_string(),
                value: a.value.clone(),
                verified: a.verified,
                via: a.via,
                status: a.status,
                verified_at: a.verified_at.map(rfc3339),
                created_at: rfc3339(a.created_at),
                updated_at: rfc3339(a.updated_at),
            })
            .collect(),
        recovery_addresses: rec
            .recovery
            .iter()
            .map(|a| RecoveryJson {
                id: a.id.to_string(),
                value: a.value.clone(),
                via: "email",
                created_at: rfc3339(a.created_at),
                updated_at: rfc3339(a.created_at),
            })
            .collect(),
        metadata_public: rec.metadata_public.clone(),
        metadata_admin: match view {
            IdentityView::Public => None,
            IdentityView::Created => rec.metadata_admin.clone(),
            _ => Some(rec.metadata_admin.clone().unwrap_or(Value::Null)),
        },
        created_at: rfc3339(rec.created_at),
        updated_at: rfc3339(rec.updated_at),
        organization_id: rec.organization_id.clone(),
    }
}

/// A session with its identity (public view), in Kratos's field order.
pub(crate) fn session(urls: &Urls, store: &Store, s: &SessionRec) -> SessionJson {
    let identity = store
        .identities
        .get(&s.identity_id)
        .map(|i| identity(urls, i, IdentityView::Public));
    SessionJson {
        id: s.id.to_string(),
        active: s.active,
        expires_at: rfc3339(s.expires_at),
        authenticated_at: rfc3339(s.authenticated_at),
        authenticator_assurance_level: "aal1",
        authentication_methods: s
            .amr
            .iter()
            .map(|t| AmrJson {
                method: "code",
                aal: "aal1",
                completed_at: rfc3339(*t),
            })
            .collect(),
        issued_at: rfc3339(s.issued_at),
        identity,
        devices: s
            .devices
            .iter()
            .map(|d| DeviceJson {
                id: d.id.to_string(),
                ip_address: d.ip_address.clone(),
                user_agent: d.user_agent.clone(),
                location: d.location.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
pub(crate) struct SessionJson {
    id: String,
    active: bool,
    expires_at: String,
    authenticated_at: String,
    authenticator_assurance_level: &'static str,
    authentication_methods: Vec<AmrJson>,
    issued_at: String,
    identity: Option<IdentityJson>,
    devices: Vec<DeviceJson>,
}

/// 200 body of a successful login (`login.APIFlowResponse`).
#[derive(Serialize)]
pub(crate) struct LoginSuccess {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    pub session: SessionJson,
    pub continue_with: Option<Vec<ContinueWith>>,
}

/// 200 body of a successful registration (`registration.APIFlowResponse`).
#[derive(Serialize)]
pub(crate) struct RegistrationSuccess {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionJson>,
    pub identity: IdentityJson,
    pub continue_with: Option<Vec<ContinueWith>>,
}

/// The `continue_with` items the code method produces.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum ContinueWith {
    RedirectBrowserTo {
        action: &'static str,
        redirect_browser_to: String,
    },
    SetOrySessionToken {
        action: &'static str,
        ory_session_token: String,
    },
}

#[derive(Serialize)]
struct AmrJson {
    method: &'static str,
    aal: &'static str,
    completed_at: String,
}

#[derive(Serialize)]
struct DeviceJson {
    id: String,
    ip_address: String,
    user_agent: Option<String>,
    location: String,
}
