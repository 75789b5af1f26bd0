//! The state of one emulator instance: [`AppState`], a cheap handle on [`Shared`] (config, URLs,
//! clock, the [`Store`] behind its lock, error containers, faults), and every operation on it
//! (identities, codes, sessions, CSRF cookies, new flows, return URLs) in one place. Records
//! live in [`crate::records`], their JSON in [`crate::views`], responses in [`crate::flows`].
//!
//! The lock: a handler that changes a flow holds `store` from reading the flow until the changed
//! flow is saved, so two submits of one flow are applied one after the other; the response of
//! such a submit is serialised under the lock too (a few KiB of JSON). Handlers that only read
//! (whoami, `GET …/flows`, admin lists) copy what they need and render after releasing it.
//! Nothing awaits while holding the lock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ory_otc_protocol::courier::CourierMessage;
use ory_otc_protocol::flow::{FlowType, State};
use ory_otc_protocol::session::Identity;
use ory_otc_protocol::ui::Ui;
use parking_lot::Mutex;
use rand::distr::{Alphanumeric, SampleString};
use rand::Rng as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::{Config, CookieSameSite, KratosVersion};
use crate::csrf;
use crate::error::{ApiError, Error};
use crate::faults::{Fault, FaultId, Faults};
use crate::http::{self, Req};
use crate::records::{
    AddressRec, DeviceRec, Flow, FlowKind, IdentityRec, MessageRec, NewIdentity, OneTimeCode,
    RecoveryRec, SessionRec, Store,
};
use crate::schema::IdentitySchema;
use crate::views::{self, IdentityView};
use ory_otc_protocol::error::id as error_id;

/// Shared state of one emulator instance; cheap to clone. Derefs to [`Shared`].
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// What every handler reads and changes; reached through [`AppState`].
pub struct Shared {
    pub(crate) config: Config,
    pub(crate) urls: Urls,
    pub(crate) schema: IdentitySchema,
    pub(crate) clock: Clock,
    pub(crate) store: Mutex<Store>,
    /// Error containers for the error UI; a lock of their own, because errors are forwarded
    /// while a handler holds `store`.
    pub(crate) errors: Mutex<HashMap<Uuid, (Value, OffsetDateTime)>>,
    pub(crate) faults: Faults,
    pub(crate) requests: AtomicU64,
    /// Key of the code HMAC; codes are stored only as HMACs, as Kratos does.
    code_key: [u8; 32],
}

/// The URLs an instance advertises, and its cookies' attributes.
pub(crate) struct Urls {
    /// The base without a trailing slash, to append paths to.
    pub origin: String,
    /// The admin base (`serve.admin.base_url`, default `<public>/admin`) without a trailing
    /// slash.
    pub admin_origin: String,
    pub csrf_cookie: String,
    pub session_cookie: String,
    /// `Domain`, `Secure` and `SameSite` of the CSRF cookie (nosurfx's base cookie).
    csrf_attrs: String,
    /// `Path`, `Domain`, `Secure` and `SameSite` of the session cookie, after `Expires`.
    session_path: String,
    session_attrs: String,
    session_persistent: bool,
    pub login_ui: String,
    pub registration_ui: String,
    pub error_ui: String,
    pub default_return: String,
    pub logout_return: String,
    pub allowed_returns: Vec<url::Url>,
    /// `identity.default_schema_id`, shown as `schema_id` and in `schema_url`.
    pub schema_id: String,
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
        // Kratos's `CookieSecure`: on unless in dev mode over plain HTTP.
        let secure = parsed.scheme() == "https";
        let c = &config.cookies;
        // nosurfx: SameSite is forced to Lax when the cookie is not secure.
        let same_site = |s: CookieSameSite| if secure { s } else { CookieSameSite::Lax };
        let domain = |d: &Option<String>| {
            d.as_deref()
                .map(|d| format!("; Domain={d}"))
                .unwrap_or_default()
        };
        let secure_attr = if secure { "; Secure" } else { "" };
        let csrf_attrs = format!(
            "{}; HttpOnly{secure_attr}; SameSite={}",
            domain(&c.domain),
            same_site(c.same_site).as_str()
        );
        let session_domain = c.session_domain.clone().or_else(|| c.domain.clone());
        let session_attrs = format!(
            "{}; HttpOnly{secure_attr}; SameSite={}",
            domain(&session_domain),
            same_site(c.session_same_site.unwrap_or(c.same_site)).as_str()
        );
        let mut allowed_returns = vec![parsed];
        for raw in &config.allowed_return_urls {
            let u = url::Url::parse(raw)
                .map_err(|e| Error::Config(format!("allowed return URL {raw:?}: {e}")))?;
            allowed_returns.push(u);
        }
        let pick =
            |u: &Option<String>, flow: &str| u.clone().unwrap_or_else(|| format!("{ui}/{flow}"));
        Ok(Urls {
            // Without `serve.admin.base_url`, the admin API is `<public>/admin`, as on Ory
            // Network (Kratos's admin server accepts paths with and without the prefix).
            admin_origin: config.admin_url.as_deref().map_or_else(
                || format!("{origin}/admin"),
                |a| a.trim_end_matches('/').to_owned(),
            ),
            csrf_cookie: crate::csrf::cookie_name(base),
            session_cookie: c.session_name.clone(),
            csrf_attrs,
            session_path: c.session_path.clone().unwrap_or_else(|| c.path.clone()),
            session_attrs,
            session_persistent: c.session_persistent,
            login_ui: pick(&config.ui_urls.login, "login"),
            registration_ui: pick(&config.ui_urls.registration, "registration"),
            error_ui: pick(&config.ui_urls.error, "error"),
            logout_return: config
                .logout_return_url
                .clone()
                .unwrap_or_else(|| default_return.clone()),
            default_return,
            allowed_returns,
            schema_id: config.schema_id.clone(),
            origin,
        })
    }

    /// `urlx.AppendPaths(SelfPublicURL, path)`.
    pub fn public(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }

    /// `urlx.AppendPaths(SelfAdminURL, path)`.
    pub fn admin(&self, path: &str) -> String {
        format!("{}{}", self.admin_origin, path)
    }

    /// The CSRF cookie's `Set-Cookie` line for a (base64) secret.
    pub fn csrf_cookie_line(&self, value: &str, path: &str) -> String {
        format!(
            "{}={value}; Path={path}; Max-Age={}{}",
            self.csrf_cookie,
            csrf::COOKIE_MAX_AGE_SECS,
            self.csrf_attrs
        )
    }

    /// The session cookie's `Set-Cookie` line (gorilla/sessions' cookie).
    pub fn session_cookie_line(
        &self,
        value: &str,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> String {
        let lifetime = if self.session_persistent {
            let max_age = (expires - now).whole_seconds().max(0);
            format!("; Expires={}; Max-Age={max_age}", httpdate(expires))
        } else {
            String::new()
        };
        format!(
            "{}={value}; Path={}{lifetime}{}",
            self.session_cookie, self.session_path, self.session_attrs
        )
    }

    /// The `Set-Cookie` line that deletes the session cookie (gorilla's `MaxAge < 0`: an
    /// encoded empty session, expired).
    pub fn session_cookie_clearing_line(&self) -> String {
        let value = Alphanumeric.sample_string(&mut rand::rng(), 64);
        format!(
            "{}={value}; Path={}; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0{}",
            self.session_cookie, self.session_path, self.session_attrs
        )
    }
}

/// The Rust API of an instance (also reached through [`crate::Emulator`]).
impl AppState {
    /// State for `config`, advertised at `public_base_url` (e.g. `http://127.0.0.1:4433/`).
    ///
    /// # Errors
    /// [`Error::Config`] for a configuration Kratos would refuse, [`Error::InvalidTraits`] or
    /// [`Error::DuplicateIdentity`] for bad seeded identities.
    pub fn new(config: Config, public_base_url: &str) -> Result<Self, Error> {
        config.validate().map_err(Error::Config)?;
        let urls = Urls::new(&config, public_base_url)?;
        let schema = IdentitySchema::from_config(&config)?;
        let mut code_key = [0u8; 32];
        rand::rng().fill(&mut code_key);
        let shared = Shared {
            urls,
            schema,
            clock: Clock::default(),
            store: Mutex::new(Store::default()),
            errors: Mutex::new(HashMap::new()),
            faults: Faults::default(),
            requests: AtomicU64::new(0),
            code_key,
            config,
        };
        let state = AppState {
            shared: Arc::new(shared),
        };
        for seed in state.config.identities.clone() {
            let mut traits = seed.traits.clone().unwrap_or_default();
            set_trait(&mut traits, state.schema.email_trait(), &seed.email);
            state.add_identity(NewIdentity {
                traits,
                ..NewIdentity::default()
            })?;
        }
        Ok(state)
    }

    /// The newest code mailed to `email` (addresses compared case-insensitively).
    pub fn code_for(&self, email: &str) -> Option<String> {
        let wanted = email.trim().to_lowercase();
        let store = self.store.lock();
        store
            .messages
            .iter()
            .rev()
            .find(|m| m.recipient.to_lowercase() == wanted)
            .map(|m| m.code.clone())
    }

    /// Every courier message, newest first, subject and body unredacted.
    pub fn messages(&self) -> Vec<CourierMessage> {
        let store = self.store.lock();
        store
            .messages
            .iter()
            .rev()
            .map(|m| views::message(m, true))
            .collect()
    }

    /// Creates an identity whose e-mail trait is `email`, plus `traits`.
    ///
    /// # Errors
    /// [`Error::DuplicateIdentity`] when the address is taken, [`Error::InvalidTraits`] when the
    /// traits break the identity schema.
    pub fn create_identity(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
    ) -> Result<Identity, Error> {
        let mut all = traits.unwrap_or_default();
        set_trait(&mut all, self.schema.email_trait(), email);
        let rec = self.add_identity(NewIdentity {
            traits: all,
            ..Default::default()
        })?;
        let json = serde_json::to_value(views::identity(&self.urls, &rec, IdentityView::Admin))
            .map_err(|e| Error::InvalidTraits(e.to_string()))?;
        serde_json::from_value(json).map_err(|e| Error::InvalidTraits(e.to_string()))
    }

    /// Moves the emulated clock forward: flows, codes and sessions expire without sleeping.
    pub fn advance_time(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn set_fault(&self, fault: Fault) -> FaultId {
        self.faults.add(fault)
    }

    /// Removes one fault; `false` if it was already gone (used up or cleared).
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.faults.remove(id)
    }

    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// The faults in force, with how many uses each has left.
    pub fn active_faults(&self) -> Vec<(FaultId, Fault)> {
        self.faults.active()
    }

    /// Requests received, faulted ones and admin ones included, control routes excluded.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Shared {
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn code_hmac(&self, code: &str) -> [u8; 32] {
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
    pub(crate) fn add_identity(&self, new: NewIdentity) -> Result<IdentityRec, Error> {
        if let Some(violation) = self
            .schema
            .violation(&new.traits, self.config.version.is_v26_or_older())
        {
            return Err(Error::InvalidTraits(violation));
        }
        let mut store = self.store.lock();
        self.insert_identity(&mut store, new)
    }

    /// Stores an identity whose traits were validated; the caller holds the lock. Its code
    /// identifiers, verifiable and recovery addresses come from the schema's extension.
    ///
    /// # Errors
    /// [`Error::InvalidTraits`] without a code identifier, [`Error::DuplicateIdentity`] when
    /// one is taken.
    pub(crate) fn insert_identity(
        &self,
        store: &mut Store,
        new: NewIdentity,
    ) -> Result<IdentityRec, Error> {
        let identifiers = self.schema.code_addresses(&new.traits);
        if identifiers.is_empty() {
            return Err(Error::InvalidTraits(
                "no code identifier in the traits".into(),
            ));
        }
        if identifiers
            .iter()
            .any(|a| store.by_identifier.contains_key(a))
        {
            return Err(Error::DuplicateIdentity);
        }
        let now = self.now();
        let id = Uuid::new_v4();
        let verifiable = self.schema.verifiable_addresses(&new.traits);
        let recovery = self.schema.recovery_addresses(&new.traits);
        let rec = IdentityRec {
            id,
            state: new.state.unwrap_or_else(|| "active".into()),
            state_changed_at: now,
            addresses: verifiable
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
            recovery: recovery
                .iter()
                .map(|a| RecoveryRec {
                    id: Uuid::new_v4(),
                    value: a.clone(),
                    created_at: now,
                })
                .collect(),
            traits: new.traits,
            traits_last: new.traits_last,
            metadata_public: new.metadata_public.unwrap_or(Value::Null),
            metadata_admin: new.metadata_admin.filter(|v| !v.is_null()),
            external_id: new.external_id,
            organization_id: new.organization_id,
            created_at: now,
            updated_at: now,
            code_identifiers: identifiers.clone(),
        };
        for a in identifiers {
            store.by_identifier.insert(a, id);
        }
        store.identity_order.push(id);
        store.identities.insert(id, rec.clone());
        Ok(rec)
    }

    /// Deletes an identity with its sessions; `false` when there is none.
    pub(crate) fn delete_identity(&self, id: Uuid) -> bool {
        let mut store = self.store.lock();
        let Some(rec) = store.identities.remove(&id) else {
            return false;
        };
        for a in &rec.code_identifiers {
            store.by_identifier.remove(a);
        }
        store.identity_order.retain(|i| *i != id);
        let tokens: Vec<String> = store
            .sessions
            .iter()
            .filter(|(_, s)| s.identity_id == id)
            .map(|(t, _)| t.clone())
            .collect();
        for t in &tokens {
            store.sessions.remove(t);
        }
        store.session_cookies.retain(|_, t| !tokens.contains(t));
        true
    }

    /// Mails a new code to `address` and returns its record for the flow. The code differs from
    /// every code in `replaced` (the flow's earlier codes), so a resend never mails the code it
    /// replaces: Kratos draws 6 random digits and could repeat one by chance (1 in 10^6); the
    /// emulator draws again instead, so tests can rely on the old code being dead.
    pub(crate) fn send_code(
        &self,
        store: &mut Store,
        kind: FlowKind,
        address: &str,
        identity_id: Option<Uuid>,
        replaced: &[OneTimeCode],
    ) -> OneTimeCode {
        let mut rng = rand::rng();
        let code = new_code(
            || rng.random_range(0..1_000_000u32),
            |c| replaced.iter().any(|old| old.hmac == self.code_hmac(c)),
        );
        let now = self.now();
        let minutes = self.config.code_lifespan.as_secs() / 60;
        // Templates login_code/valid and registration_code/valid (identical in v26.2.0 and
        // HEAD). The subject is trimmed by Kratos, the plaintext body keeps its final newline.
        let legacy = self.config.version == KratosVersion::V1_3_1;
        let (template_type, subject, body) = match (kind, legacy) {
            (FlowKind::Login, false) => (
                "login_code_valid",
                format!("Use code {code} to log in"),
                format!("Login to your account with the following code:\n\n{code}\n\nIt expires in {minutes} minutes.\n"),
            ),
            (FlowKind::Registration, false) => (
                "registration_code_valid",
                format!("Use code {code} to complete your account registration"),
                format!(
                    "Complete your account registration with the following code:\n\n{code}\n\nThis code expires in {minutes} minutes.\n"
                ),
            ),
            // v1.3.1's templates: no code in the subject, no lifetime in the body.
            (FlowKind::Login, true) => (
                "login_code_valid",
                "Login to your account".to_owned(),
                format!("Hi,\n\nplease login to your account by entering the following code:\n\n{code}\n"),
            ),
            (FlowKind::Registration, true) => (
                "registration_code_valid",
                "Complete your account registration".to_owned(),
                format!("Hi,\n\nplease complete your account registration by entering the following code:\n\n{code}\n"),
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
    pub(crate) fn device(&self, req: &crate::http::Req) -> DeviceRec {
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
    pub(crate) fn issue_session(
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
            logout_token: format!(
                "ory_lo_{}",
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
    pub(crate) fn session_cookie(&self, store: &mut Store, session: &SessionRec) -> String {
        let value = Alphanumeric.sample_string(&mut rand::rng(), 64);
        store
            .session_cookies
            .insert(value.clone(), session.token.clone());
        self.urls
            .session_cookie_line(&value, session.expires_at, self.now())
    }

    /// Stores an error for the error UI (`errorx.Manager.Create`) and returns its URL.
    pub(crate) fn error_ui_url(&self, error: &crate::error::ApiError) -> String {
        let id = Uuid::new_v4();
        let value = serde_json::to_value(&error.body.error).unwrap_or(Value::Null);
        self.errors.lock().insert(id, (value, self.now()));
        crate::http::append_query(&self.urls.error_ui, "id", &id.to_string())
    }

    // --- sessions ---

    /// `ManagerHTTP.extractToken`: `X-Session-Token`, then the session cookie, then
    /// `Authorization: Bearer`.
    pub(crate) fn session_token(&self, store: &Store, req: &Req) -> Option<String> {
        if let Some(t) = req.header("x-session-token").filter(|t| !t.is_empty()) {
            return Some(t.to_owned());
        }
        if let Some(token) = req
            .cookie(&self.urls.session_cookie)
            .and_then(|v| store.session_cookies.get(&v).cloned())
        {
            return Some(token);
        }
        let auth = req.header("authorization")?;
        let (scheme, token) = auth.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .then(|| token.trim().to_owned())
    }

    /// The request's active session, if any (`FetchFromRequest`).
    pub(crate) fn session_from_request(
        &self,
        store: &Store,
        req: &Req,
        now: OffsetDateTime,
    ) -> Option<SessionRec> {
        let token = self.session_token(store, req)?;
        store.active_session(&token, now).cloned()
    }

    // --- flows, CSRF and return URLs ---

    pub(crate) fn version(&self) -> KratosVersion {
        self.config.version
    }

    /// The cookie secret the request carries, if its CSRF cookie is well-formed.
    pub(crate) fn csrf_secret(&self, req: &Req) -> Option<[u8; 32]> {
        match &req.csrf_sent {
            Some(minted) => csrf::parse_secret(minted),
            None => req
                .cookie(&self.urls.csrf_cookie)
                .and_then(|v| csrf::parse_secret(&v)),
        }
    }

    /// nosurf's `Token(r)`: a masked token for the request's cookie, `""` without one.
    pub(crate) fn request_csrf_token(&self, req: &Req) -> String {
        self.csrf_secret(req)
            .map(|s| csrf::mask(&s))
            .unwrap_or_default()
    }

    /// Code submissions a flow accepts: `max_submissions`, except in v1.3.1, where the limit of
    /// 5 is hard-coded (docs/kratos-source-notes.md C13).
    pub(crate) fn max_submissions(&self) -> u32 {
        match self.config.version {
            KratosVersion::V1_3_1 => 5,
            _ => self.config.max_submissions,
        }
    }

    /// A new CSRF cookie value and its `Set-Cookie` line (nosurf's `RegenerateToken`).
    pub(crate) fn new_csrf_cookie_value(&self) -> (String, String) {
        let value = csrf::new_secret();
        let cookie = self
            .urls
            .csrf_cookie_line(&value, &self.config.cookies.path);
        (value, cookie)
    }

    /// nosurf's `RegenerateToken` in a handler: a new CSRF cookie, unless the middleware set
    /// one on this response already (`ctxWasSent`).
    pub(crate) fn rotate_csrf(&self, req: &Req) -> Option<String> {
        req.csrf_sent
            .is_none()
            .then(|| self.new_csrf_cookie_value().1)
    }

    /// A new flow record with Kratos's defaults and an empty UI.
    pub(crate) fn new_flow(
        &self,
        kind: FlowKind,
        flow_type: FlowType,
        req: &Req,
        csrf_token: String,
    ) -> Flow {
        let now = self.now();
        let id = Uuid::new_v4();
        let route = match kind {
            FlowKind::Login => "/self-service/login",
            FlowKind::Registration => "/self-service/registration",
        };
        let lifespan =
            time::Duration::try_from(self.config.flow_lifespan).unwrap_or(time::Duration::HOUR);
        Flow {
            kind,
            id,
            flow_type,
            expires_at: now + lifespan,
            issued_at: now,
            created_at: now,
            updated_at: now,
            request_url: req.request_url(),
            active: None,
            ui: Ui {
                action: http::append_query(&self.urls.public(route), "flow", &id.to_string()),
                method: "POST".into(),
                nodes: Vec::new(),
                messages: Vec::new(),
            },
            state: State::ChooseMethod,
            csrf_token,
            refresh: false,
            requested_aal: "aal1".into(),
            submit_count: 0,
            codes: Vec::new(),
        }
    }

    /// The UI URL of a flow kind.
    pub(crate) fn ui_url(&self, kind: FlowKind) -> &str {
        match kind {
            FlowKind::Login => &self.urls.login_ui,
            FlowKind::Registration => &self.urls.registration_ui,
        }
    }

    /// `flow.AppendTo(ui_url)`.
    pub(crate) fn flow_ui_url(&self, flow: &Flow) -> String {
        http::append_query(self.ui_url(flow.kind), "flow", &flow.id.to_string())
    }

    /// `SecureRedirectTo` for `return_to`: the URL if allowed, the default if absent, an error
    /// if not allowed (docs/kratos-protocol.md §5, `self_service_flow_return_to_forbidden`).
    pub(crate) fn secure_return_to(&self, raw: Option<&str>) -> Result<String, ApiError> {
        let default = self.urls.default_return.clone();
        let Some(raw) = raw.filter(|s| !s.is_empty()) else {
            return Ok(default);
        };
        let base = url::Url::parse(&default).ok();
        let parsed = match base.as_ref() {
            Some(b) => b.join(raw),
            None => url::Url::parse(raw),
        }
        .map_err(|e| {
            ApiError::bad_request(format!(
                "Unable to parse the return_to query parameter as an URL: {e}"
            ))
        })?;
        let allowed = self.urls.allowed_returns.iter().any(|a| {
            a.scheme().eq_ignore_ascii_case(parsed.scheme())
                && host_allowed(&parsed, a)
                && nonempty_path(&parsed).starts_with(nonempty_path(a))
        });
        if allowed {
            Ok(parsed.to_string())
        } else {
            Err(ApiError::bad_request(format!(
                "Requested return_to URL \"{parsed}\" is not allowed."
            ))
            .with_id(error_id::SELF_SERVICE_FLOW_RETURN_TO_FORBIDDEN))
        }
    }
}

fn host_port(u: &url::Url) -> String {
    match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
        None => u.host_str().unwrap_or("").to_owned(),
    }
}

fn host_allowed(return_to: &url::Url, allowed: &url::Url) -> bool {
    let host = host_port(allowed);
    if let Some(suffix) = host.strip_prefix('*') {
        return host_port(return_to)
            .to_lowercase()
            .ends_with(&suffix.to_lowercase());
    }
    host.eq_ignore_ascii_case(&host_port(return_to))
}

fn nonempty_path(u: &url::Url) -> &str {
    match u.path() {
        "" => "/",
        p => p,
    }
}

/// Puts `value` at a dotted trait path (`email`, `contact.email`), creating objects on the way.
fn set_trait(traits: &mut Map<String, Value>, path: &str, value: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or(path);
    let mut cur = traits;
    for p in parts {
        let slot = cur
            .entry(p.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        cur = slot.as_object_mut().expect("just made an object");
    }
    cur.insert(last.to_owned(), Value::String(value.to_owned()));
}

/// Six digits from `draw`, drawn again while `taken` says the code is one the flow had.
fn new_code(mut draw: impl FnMut() -> u32, taken: impl Fn(&str) -> bool) -> String {
    loop {
        let code = format!("{:06}", draw() % 1_000_000);
        if !taken(&code) {
            return code;
        }
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
        st.add_identity(NewIdentity {
            traits: traits("a@example.com"),
            ..Default::default()
        })
        .unwrap();
        let err = st
            .add_identity(NewIdentity {
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
        let rec = st
            .add_identity(NewIdentity {
                traits,
                metadata_admin: Some(serde_json::json!({"x":1})),
                ..Default::default()
            })
            .unwrap();
        let public =
            serde_json::to_value(views::identity(&st.urls, &rec, IdentityView::Public)).unwrap();
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
        let admin =
            serde_json::to_value(views::identity(&st.urls, &rec, IdentityView::Admin)).unwrap();
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
        let mut store = st.store.lock();
        let otc = st.send_code(&mut store, FlowKind::Login, "a@example.com", None, &[]);
        let msg = store.messages.back().unwrap();
        assert_eq!(msg.code.len(), 6);
        assert!(msg.code.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(otc.hmac, st.code_hmac(&msg.code));
        assert_eq!(msg.subject, format!("Use code {} to log in", msg.code));
        assert!(msg.body.ends_with("It expires in 60 minutes.\n"));
    }

    #[test]
    fn a_new_code_is_drawn_again_when_it_repeats_a_replaced_one() {
        let mut draws = [42u32, 42, 7].into_iter();
        let code = new_code(|| draws.next().unwrap(), |c| c == "000042");
        assert_eq!(code, "000007");
        assert_eq!(draws.next(), None, "drew until the code was free");
        let mut once = [42u32].into_iter();
        assert_eq!(new_code(|| once.next().unwrap(), |_| false), "000042");
    }

    #[test]
    fn httpdate_is_rfc1123() {
        assert_eq!(
            httpdate(time::macros::datetime!(2026-01-02 03:04:05 UTC)),
            "Fri, 02 Jan 2026 03:04:05 GMT"
        );
    }
}
