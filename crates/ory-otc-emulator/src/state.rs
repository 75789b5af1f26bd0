//! In-memory state: flows, codes, identities, sessions, courier messages and error containers,
//! behind one lock so that every request sees and changes it atomically.
//!
//! Handlers hold the lock only while they decide; they render responses after releasing it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use ory_otc_protocol::courier::{CourierMessage, REDACTED};
use ory_otc_protocol::flow::{FlowType, LoginFlow, RegistrationFlow, State};
use ory_otc_protocol::ui::Ui;
use ory_otc_protocol::Secret;
use parking_lot::Mutex;
use rand::distr::{Alphanumeric, SampleString};
use rand::Rng as _;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::{rfc3339, Clock};
use crate::config::Config;
use crate::error::Error;
use crate::faults::Faults;
use crate::schema;

/// Shared state of one emulator instance; cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Shared>);

pub(crate) struct Shared {
    pub config: Config,
    pub urls: Urls,
    pub clock: Clock,
    pub store: Mutex<Store>,
    /// Error containers for the error UI; a lock of their own, because errors are forwarded
    /// while a handler holds `store`.
    pub errors: Mutex<HashMap<Uuid, (Value, OffsetDateTime)>>,
    pub faults: Faults,
    pub requests: AtomicU64,
    /// Key of the code HMAC; codes are stored only as HMACs, as Kratos does.
    code_key: [u8; 32],
}

impl AppState {
    /// State for `config`, advertised at `public_base_url` (e.g. `http://127.0.0.1:4433/`).
    ///
    /// # Errors
    /// [`Error::Config`] for a configuration Kratos would refuse, [`Error::InvalidTraits`] or
    /// [`Error::DuplicateIdentity`] for bad seeded identities.
    pub fn new(config: Config, public_base_url: &str) -> Result<Self, Error> {
        config.validate().map_err(Error::Config)?;
        let urls = Urls::new(&config, public_base_url)?;
        let mut code_key = [0u8; 32];
        rand::rng().fill(&mut code_key);
        let shared = Shared {
            urls,
            clock: Clock::default(),
            store: Mutex::new(Store::default()),
            errors: Mutex::new(HashMap::new()),
            faults: Faults::default(),
            requests: AtomicU64::new(0),
            code_key,
            config,
        };
        let state = AppState(Arc::new(shared));
        for seed in state.0.config.identities.clone() {
            let mut traits = seed.traits.clone().unwrap_or_default();
            traits.insert(
                state.0.config.email_trait().name.clone(),
                Value::String(seed.email.clone()),
            );
            state.0.create_identity(NewIdentity {
                traits,
                ..NewIdentity::default()
            })?;
        }
        Ok(state)
    }
}

/// The URLs an instance advertises.
pub(crate) struct Urls {
    /// The base without a trailing slash, to append paths to.
    pub origin: String,
    pub csrf_cookie: String,
    /// `; Secure` when the public URL is https (Kratos's `CookieSecure` outside dev HTTP).
    pub cookie_secure: &'static str,
    pub login_ui: String,
    pub registration_ui: String,
    pub error_ui: String,
    pub default_return: String,
    pub allowed_returns: Vec<url::Url>,
}

impl Urls {
    fn new(config: &Config, base: &str) -> Result<Self, Error> {
        let parsed = url::Url::parse(base)
            .map_err(|e| Error::Config(format!("public_url {base:?}: {e}")))?;
        let origin = base.trim_end_matches('/').to_owned();
        let ui = config
            .ui_url
            .clone()
            .unwrap_or_else(|| format!("{origin}/ui"));
        let ui = ui.trim_end_matches('/');
        let default_return = config
            .default_return_url
            .clone()
            .unwrap_or_else(|| format!("{origin}/ui/welcome"));
        let cookie_secure = if parsed.scheme() == "https" {
            "; Secure"
        } else {
            ""
        };
        let mut allowed_returns = vec![parsed];
        for raw in &config.allowed_return_urls {
            let u = url::Url::parse(raw)
                .map_err(|e| Error::Config(format!("allowed return URL {raw:?}: {e}")))?;
            allowed_returns.push(u);
        }
        Ok(Urls {
            csrf_cookie: crate::csrf::cookie_name(base),
            cookie_secure,
            login_ui: format!("{ui}/login"),
            registration_ui: format!("{ui}/registration"),
            error_ui: format!("{ui}/error"),
            default_return,
            allowed_returns,
            origin,
        })
    }

    /// `urlx.AppendPaths(SelfPublicURL, path)`.
    pub fn public(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }
}

// --- records ----------------------------------------------------------------------------------

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

    pub fn to_login(&self, extra: Transient) -> LoginFlow {
        LoginFlow {
            id: self.id.to_string(),
            organization_id: None,
            oauth2_login_challenge: None,
            flow_type: self.flow_type,
            expires_at: rfc3339(self.expires_at),
            issued_at: rfc3339(self.issued_at),
            request_url: self.request_url.clone(),
            return_to: self.return_to(),
            active: self.active.clone(),
            ui: self.ui.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            refresh: self.refresh,
            requested_aal: self.requested_aal.clone(),
            session_token_exchange_code: extra.session_token_exchange_code.map(Secret::new),
            state: self.state,
            transient_payload: extra.transient_payload,
            identity_schema: None,
        }
    }

    pub fn to_registration(&self, extra: Transient) -> RegistrationFlow {
        RegistrationFlow {
            id: self.id.to_string(),
            oauth2_login_challenge: None,
            flow_type: self.flow_type,
            expires_at: rfc3339(self.expires_at),
            issued_at: rfc3339(self.issued_at),
            request_url: self.request_url.clone(),
            return_to: self.return_to(),
            active: self.active.clone(),
            ui: self.ui.clone(),
            organization_id: None,
            transient_payload: extra.transient_payload,
            session_token_exchange_code: extra.session_token_exchange_code.map(Secret::new),
            state: self.state,
            identity_schema: None,
        }
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
pub(crate) struct IdentityRec {
    pub id: Uuid,
    pub state: String,
    pub state_changed_at: OffsetDateTime,
    pub traits: Map<String, Value>,
    pub addresses: Vec<AddressRec>,
    pub metadata_public: Value,
    pub metadata_admin: Option<Value>,
    pub external_id: Option<String>,
    pub organization_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The `code` credential's identifiers (= addresses, all e-mail).
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

impl MessageRec {
    pub fn to_protocol(&self, dev_mode: bool) -> CourierMessage {
        let (subject, body) = if dev_mode {
            (self.subject.clone(), self.body.clone())
        } else {
            (REDACTED.to_owned(), REDACTED.to_owned())
        };
        CourierMessage {
            id: self.id.to_string(),
            // derived: without a courier worker Kratos leaves messages queued.
            status: "queued".into(),
            kind: "email".into(),
            recipient: self.recipient.clone(),
            body: Secret::new(body),
            subject: Secret::new(subject),
            template_type: self.template_type.into(),
            channel: "email".into(),
            send_count: 0,
            dispatches: None,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.created_at),
        }
    }
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

    /// The active session of a token (reference §10: inactive or expired ones count as none).
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
    pub state: Option<String>,
    pub metadata_public: Option<Value>,
    pub metadata_admin: Option<Value>,
    pub external_id: Option<String>,
    pub organization_id: Option<String>,
    /// Addresses (normalised) to mark verified at creation.
    pub verified: Vec<String>,
}

impl Shared {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn code_hmac(&self, code: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.code_key);
        h.update(code.as_bytes());
        h.finalize().into()
    }

    /// Validates and stores a new identity.
    ///
    /// # Errors
    /// [`Error::InvalidTraits`] when the traits break the schema, [`Error::DuplicateIdentity`]
    /// when a code identifier is taken.
    pub fn create_identity(&self, new: NewIdentity) -> Result<IdentityRec, Error> {
        if let Some(violation) = schema::violation(
            &self.config,
            &new.traits,
            self.config.allow_additional_traits,
        ) {
            return Err(Error::InvalidTraits(violation));
        }
        let addresses = schema::code_addresses(&self.config, &new.traits);
        if addresses.is_empty() {
            return Err(Error::InvalidTraits(
                "no code identifier in the traits".into(),
            ));
        }
        let mut store = self.store.lock();
        self.insert_identity(&mut store, new, addresses)
    }

    /// Stores an identity whose traits were validated; the caller holds the lock.
    pub fn insert_identity(
        &self,
        store: &mut Store,
        new: NewIdentity,
        addresses: Vec<String>,
    ) -> Result<IdentityRec, Error> {
        if addresses
            .iter()
            .any(|a| store.by_identifier.contains_key(a))
        {
            return Err(Error::DuplicateIdentity);
        }
        let now = self.now();
        let id = Uuid::new_v4();
        let rec = IdentityRec {
            id,
            state: new.state.unwrap_or_else(|| "active".into()),
            state_changed_at: now,
            traits: new.traits,
            addresses: addresses
                .iter()
                .map(|a| {
                    let verified = new.verified.contains(a);
                    AddressRec {
                        id: Uuid::new_v4(),
                        value: a.clone(),
                        verified,
                        via: "email",
                        status: if verified { "completed" } else { "pending" },
                        verified_at: verified.then_some(now),
                        created_at: now,
                        updated_at: now,
                    }
                })
                .collect(),
            metadata_public: new.metadata_public.unwrap_or(Value::Null),
            metadata_admin: new.metadata_admin.filter(|v| !v.is_null()),
            external_id: new.external_id,
            organization_id: new.organization_id,
            created_at: now,
            updated_at: now,
            code_identifiers: addresses.clone(),
        };
        for a in addresses {
            store.by_identifier.insert(a, id);
        }
        store.identity_order.push(id);
        store.identities.insert(id, rec.clone());
        Ok(rec)
    }

    /// Mails a new code to `address` and returns its record for the flow.
    pub fn send_code(
        &self,
        store: &mut Store,
        kind: FlowKind,
        address: &str,
        identity_id: Option<Uuid>,
    ) -> OneTimeCode {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let now = self.now();
        let minutes = self.config.code_lifespan.as_secs() / 60;
        // Templates login_code/valid and registration_code/valid (identical in v26.2.0 and
        // HEAD). The subject is trimmed by Kratos, the plaintext body keeps its final newline.
        let (template_type, subject, body) = match kind {
            FlowKind::Login => (
                "login_code_valid",
                format!("Use code {code} to log in"),
                format!("Login to your account with the following code:\n\n{code}\n\nIt expires in {minutes} minutes.\n"),
            ),
            FlowKind::Registration => (
                "registration_code_valid",
                format!("Use code {code} to complete your account registration"),
                format!(
                    "Complete your account registration with the following code:\n\n{code}\n\nThis code expires in {minutes} minutes.\n"
                ),
            ),
        };
        store.messages.push_back(MessageRec {
            id: Uuid::new_v4(),
            recipient: address.to_owned(),
            subject,
            body,
            template_type,
            code: code.clone(),
            created_at: now,
        });
        const MAX_MESSAGES: usize = 100_000;
        while store.messages.len() > MAX_MESSAGES {
            store.messages.pop_front();
        }
        OneTimeCode {
            hmac: self.code_hmac(&code),
            address: address.to_owned(),
            identity_id,
            expires_at: now
                + time::Duration::try_from(self.config.code_lifespan)
                    .unwrap_or(time::Duration::HOUR),
            used: false,
        }
    }

    /// The device of a request (`SetSessionDeviceInformation`).
    pub fn device(&self, req: &crate::http::Req) -> DeviceRec {
        let location = [req.header("cf-ipcity"), req.header("cf-ipcountry")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let all: Vec<&str> = req
            .headers
            .get_all("user-agent")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let user_agent = (!all.is_empty()).then(|| all.join(" "));
        DeviceRec {
            id: Uuid::new_v4(),
            ip_address: req.client_ip(),
            user_agent,
            location,
        }
    }

    /// Issues an active session for an identity (`ActivateSession` + upsert).
    pub fn issue_session(
        &self,
        store: &mut Store,
        identity_id: Uuid,
        req: &crate::http::Req,
    ) -> SessionRec {
        let now = self.now();
        let mut session = SessionRec {
            id: Uuid::new_v4(),
            token: format!(
                "ory_st_{}",
                Alphanumeric.sample_string(&mut rand::rng(), 32)
            ),
            identity_id,
            active: false,
            expires_at: now,
            authenticated_at: now,
            issued_at: now,
            amr: Vec::new(),
            devices: Vec::new(),
        };
        session.activate(now, self.config.session_lifespan, self.device(req));
        const MAX_SESSIONS: usize = 500_000;
        if store.sessions.len() >= MAX_SESSIONS {
            store.sessions.retain(|_, s| s.expires_at > now && s.active);
        }
        store
            .sessions
            .insert(session.token.clone(), session.clone());
        session
    }

    /// The `Set-Cookie` line for a session, and remembers which session the value stands for.
    /// The value is opaque, like Kratos's encoded gorilla session.
    pub fn session_cookie(&self, store: &mut Store, session: &SessionRec) -> String {
        let value = Alphanumeric.sample_string(&mut rand::rng(), 64);
        store
            .session_cookies
            .insert(value.clone(), session.token.clone());
        let max_age = (session.expires_at - self.now()).whole_seconds().max(0);
        let expires = httpdate(session.expires_at);
        format!("ory_kratos_session={value}; Path=/; Expires={expires}; Max-Age={max_age}; HttpOnly{}; SameSite=Lax", self.urls.cookie_secure)
    }

    /// Stores an error for the error UI (`errorx.Manager.Create`) and returns its URL.
    pub fn error_ui_url(&self, error: &crate::error::ApiError) -> String {
        let id = Uuid::new_v4();
        let value = serde_json::to_value(&error.body.error).unwrap_or(Value::Null);
        self.errors.lock().insert(id, (value, self.now()));
        crate::http::append_query(&self.urls.error_ui, "id", &id.to_string())
    }
}

/// An RFC 1123 date for `Expires`.
fn httpdate(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// --- JSON views -------------------------------------------------------------------------------

/// How much of an identity a response shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdentityView {
    /// `Identity.MarshalJSON`: no credentials, no `metadata_admin`.
    Public,
    /// `WithCredentialsNoConfigAndAdminMetadataInJSON`.
    Admin,
    /// Admin with the `code` credential's `config` (`include_credential=code`).
    AdminWithConfig,
}

/// An identity in Kratos's field order (`identity.Identity`).
#[derive(Serialize)]
pub(crate) struct IdentityJson {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<HashMapSorted>,
    schema_id: &'static str,
    schema_url: String,
    state: String,
    state_changed_at: String,
    traits: Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verifiable_addresses: Vec<AddressJson>,
    metadata_public: Value,
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
    config: Option<Value>,
    version: u32,
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

impl Shared {
    pub fn identity_json(&self, rec: &IdentityRec, view: IdentityView) -> IdentityJson {
        let admin = view != IdentityView::Public;
        let credentials = admin.then(|| {
            let config = (view == IdentityView::AdminWithConfig).then(|| {
                let addresses: Vec<Value> = rec
                    .code_identifiers
                    .iter()
                    .map(|a| serde_json::json!({ "channel": "email", "address": a }))
                    .collect();
                serde_json::json!({ "addresses": addresses })
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
            schema_id: schema::SCHEMA_ID,
            schema_url: self.urls.public(&format!(
                "/schemas/{}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    schema::SCHEMA_ID
                )
            )),
            state: rec.state.clone(),
            state_changed_at: rfc3339(rec.state_changed_at),
            traits: rec.traits.clone(),
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
            metadata_public: rec.metadata_public.clone(),
            metadata_admin: if admin {
                rec.metadata_admin.clone()
            } else {
                None
            },
            created_at: rfc3339(rec.created_at),
            updated_at: rfc3339(rec.updated_at),
            organization_id: rec.organization_id.clone(),
        }
    }

    /// A session with its identity (public view), in Kratos's field order.
    pub fn session_json(&self, store: &Store, s: &SessionRec) -> SessionJson {
        let identity = store
            .identities
            .get(&s.identity_id)
            .map(|i| self.identity_json(i, IdentityView::Public));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AppState {
        AppState::new(Config::default(), "http://127.0.0.1:4433/").unwrap()
    }

    #[test]
    fn a_duplicate_identifier_is_refused_case_insensitively() {
        let st = state();
        let traits = |e: &str| {
            serde_json::json!({ "email": e })
                .as_object()
                .unwrap()
                .clone()
        };
        st.0.create_identity(NewIdentity {
            traits: traits("a@example.com"),
            ..Default::default()
        })
        .unwrap();
        let err =
            st.0.create_identity(NewIdentity {
                traits: traits("A@Example.com"),
                ..Default::default()
            })
            .unwrap_err();
        assert!(matches!(err, Error::DuplicateIdentity));
    }

    #[test]
    fn the_public_identity_view_omits_credentials_and_admin_metadata() {
        let st = state();
        let traits = serde_json::json!({ "email": "a@example.com" })
            .as_object()
            .unwrap()
            .clone();
        let rec =
            st.0.create_identity(NewIdentity {
                traits,
                metadata_admin: Some(serde_json::json!({"x":1})),
                ..Default::default()
            })
            .unwrap();
        let public = serde_json::to_value(st.0.identity_json(&rec, IdentityView::Public)).unwrap();
        assert!(public.get("credentials").is_none() && public.get("metadata_admin").is_none());
        assert!(
            public.get("recovery_addresses").is_none(),
            "omitempty in Kratos"
        );
        assert_eq!(public["organization_id"], Value::Null);
        assert_eq!(
            public["schema_url"],
            "http://127.0.0.1:4433/schemas/ZGVmYXVsdA"
        );
        let admin = serde_json::to_value(st.0.identity_json(&rec, IdentityView::Admin)).unwrap();
        assert_eq!(
            admin["credentials"]["code"]["identifiers"][0],
            "a@example.com"
        );
        assert!(admin["credentials"]["code"].get("config").is_none());
        assert_eq!(admin["metadata_admin"]["x"], 1);
    }

    #[test]
    fn codes_are_six_digits_and_stored_as_hmac_only() {
        let st = state();
        let mut store = st.0.store.lock();
        let otc =
            st.0.send_code(&mut store, FlowKind::Login, "a@example.com", None);
        let msg = store.messages.back().unwrap();
        assert_eq!(msg.code.len(), 6);
        assert!(msg.code.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(otc.hmac, st.0.code_hmac(&msg.code));
        assert_eq!(msg.subject, format!("Use code {} to log in", msg.code));
        assert!(msg.body.ends_with("It expires in 60 minutes.\n"));
    }

    #[test]
    fn httpdate_is_rfc1123() {
        assert_eq!(
            httpdate(time::macros::datetime!(2026-01-02 03:04:05 UTC)),
            "Fri, 02 Jan 2026 03:04:05 GMT"
        );
    }
}
