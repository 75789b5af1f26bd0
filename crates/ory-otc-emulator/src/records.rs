//! What the emulator stores: flows with their codes, identities, sessions and courier
//! messages (the rows of Kratos's tables), and the [`Store`] that holds them behind the lock of
//! [`crate::state::Shared`].

use std::collections::{HashMap, VecDeque};

use ory_otc_protocol::flow::{FlowType, State};
use ory_otc_protocol::ui::Ui;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    Login,
    Registration,
}

/// A one-time code of a flow: only its HMAC is kept.
#[derive(Debug, Clone)]
pub(crate) struct OneTimeCode {
    pub hmac: [u8; 32],
    pub address: String,
    /// Login codes are bound to an identity.
    pub identity_id: Option<Uuid>,
    pub expires_at: OffsetDateTime,
    pub used: bool,
}

/// A login or registration flow as stored (what Kratos keeps in its flow tables).
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub kind: FlowKind,
    pub id: Uuid,
    pub flow_type: FlowType,
    pub expires_at: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub request_url: String,
    pub active: Option<String>,
    pub ui: Ui,
    pub state: State,
    pub csrf_token: String,
    pub refresh: bool,
    pub requested_aal: String,
    pub submit_count: u32,
    pub codes: Vec<OneTimeCode>,
}

/// What a response shows besides the stored flow: values that Kratos does not persist.
#[derive(Clone, Default)]
pub(crate) struct Transient {
    pub transient_payload: Option<Value>,
    pub session_token_exchange_code: Option<String>,
}

impl Flow {
    /// `return_to`, read back from the request URL as Kratos's `SetReturnTo` does.
    pub fn return_to(&self) -> Option<String> {
        let url = url::Url::parse(&self.request_url).ok()?;
        let value = url
            .query_pairs()
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v.into_owned())?;
        (!value.is_empty()).then_some(value)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AddressRec {
    pub id: Uuid,
    pub value: String,
    pub verified: bool,
    pub via: &'static str,
    pub status: &'static str,
    pub verified_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct RecoveryRec {
    pub id: Uuid,
    pub value: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct IdentityRec {
    pub id: Uuid,
    pub state: String,
    pub state_changed_at: OffsetDateTime,
    pub traits: Map<String, Value>,
    /// Top-level trait keys Kratos writes last (objects the decoder defaulted to `{}`).
    pub traits_last: Vec<String>,
    /// Verifiable addresses (`verification.via`).
    pub addresses: Vec<AddressRec>,
    /// Recovery addresses (`recovery.via`).
    pub recovery: Vec<RecoveryRec>,
    pub metadata_public: Value,
    pub metadata_admin: Option<Value>,
    pub external_id: Option<String>,
    pub organization_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The `code` credential's identifiers (`credentials.code.identifier`, all e-mail).
    pub code_identifiers: Vec<String>,
}

impl IdentityRec {
    pub fn is_active(&self) -> bool {
        self.state == "active"
    }
}

#[derive(Clone)]
pub(crate) struct SessionRec {
    pub id: Uuid,
    pub token: String,
    /// `ory_lo_` + 32 alphanumerics: what `GET /self-service/logout?token=` must carry.
    pub logout_token: String,
    pub identity_id: Uuid,
    pub active: bool,
    pub expires_at: OffsetDateTime,
    pub authenticated_at: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    /// `completed_at` of each code login of this session (a refresh appends one).
    pub amr: Vec<OffsetDateTime>,
    /// One device per activation (a refresh appends one).
    pub devices: Vec<DeviceRec>,
}

impl SessionRec {
    /// `ActivateSession` after `CompletedLoginForMethod`: a new AMR entry and device, and the
    /// lifetime restarted.
    pub fn activate(
        &mut self,
        now: OffsetDateTime,
        lifespan: std::time::Duration,
        device: DeviceRec,
    ) {
        self.active = true;
        self.amr.push(now);
        self.issued_at = now;
        self.authenticated_at = now;
        self.expires_at = now + time::Duration::try_from(lifespan).unwrap_or(time::Duration::DAY);
        self.devices.push(device);
    }
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceRec {
    pub id: Uuid,
    pub ip_address: String,
    pub user_agent: Option<String>,
    pub location: String,
}

#[derive(Clone)]
pub(crate) struct MessageRec {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub template_type: &'static str,
    pub code: String,
    pub created_at: OffsetDateTime,
}

// --- the store --------------------------------------------------------------------------------

#[derive(Default)]
pub(crate) struct Store {
    pub flows: HashMap<Uuid, Flow>,
    flow_order: VecDeque<Uuid>,
    pub identities: HashMap<Uuid, IdentityRec>,
    pub identity_order: Vec<Uuid>,
    /// Normalised code identifier → identity.
    pub by_identifier: HashMap<String, Uuid>,
    pub sessions: HashMap<String, SessionRec>,
    /// Session cookie value → session token.
    pub session_cookies: HashMap<String, String>,
    /// Oldest first.
    /// Oldest first; a deque, so dropping the oldest past the cap does not shift the rest.
    pub messages: VecDeque<MessageRec>,
}

impl Store {
    pub fn insert_flow(&mut self, flow: Flow, max_flows: usize) {
        while self.flows.len() >= max_flows.max(1) {
            match self.flow_order.pop_front() {
                Some(old) => {
                    self.flows.remove(&old);
                }
                None => break,
            }
        }
        self.flow_order.push_back(flow.id);
        self.flows.insert(flow.id, flow);
    }

    /// The active session of a token (docs/kratos-protocol.md §10: inactive or expired ones count as none).
    pub fn active_session(&self, token: &str, now: OffsetDateTime) -> Option<&SessionRec> {
        let s = self.sessions.get(token)?;
        let identity_active = self
            .identities
            .get(&s.identity_id)
            .is_some_and(IdentityRec::is_active);
        (s.active && s.expires_at > now && identity_active).then_some(s)
    }
}

/// Inputs of an identity creation, shared by seeding, the Rust API and the admin API.
#[derive(Debug, Default)]
pub(crate) struct NewIdentity {
    pub traits: Map<String, Value>,
    /// Top-level trait keys written last (see [`IdentityRec::traits_last`]).
    pub traits_last: Vec<String>,
    pub state: Option<String>,
    pub metadata_public: Option<Value>,
    pub metadata_admin: Option<Value>,
    pub external_id: Option<String>,
    pub organization_id: Option<String>,
    /// Addresses (normalised) to mark verified at creation.
    pub verified: Vec<String>,
}
