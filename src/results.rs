//! The JS result types: each core outcome becomes a discriminated union on `status`, with
//! `ok` a literal `true`/`false`, so `switch (result.status)` narrows it in TypeScript.

use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, ToNapiValue};
use napi_derive::napi;
use ory_otc_core::outcome as core;
use ory_otc_core::protocol::session as wire;
use serde_json::Value;

/// A message from Kratos, from `ui.messages` or from a node's `messages`.
#[napi(object, object_from_js = false)]
pub struct UiMessage {
    /// Kratos's message id, e.g. 1010014 ("code sent"), 4010008 ("invalid code").
    pub id: u32,
    #[napi(js_name = "type", ts_type = "'info' | 'error' | 'success'")]
    pub kind: String,
    /// The text in English, as Kratos wrote it. Texts change between Kratos releases; ids do not.
    pub text: String,
    /// Values the text was made from, e.g. `{ property: 'identifier' }`.
    #[napi(ts_type = "Record<string, unknown>")]
    pub context: Option<Value>,
}

/// Sent a code: `status` says what happened. `ok` is true only for `code_sent`.
#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
pub enum SendCodeResult {
    /// Kratos mailed a code (Kratos answered this with HTTP 400 and state `sent_email`).
    CodeSent {
        #[napi(ts_type = "true")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        /// The address the code went to, lowercased as Kratos keeps it.
        identifier: String,
        /// When the flow expires (RFC 3339).
        expires_at: String,
        messages: Vec<UiMessage>,
    },
    /// 4000035: no account with this address (login).
    AccountNotFound {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// 4000040/4000041/4000002: Kratos refused the address itself.
    InvalidIdentifier {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// A session already exists for this client.
    SessionAlreadyAvailable {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: Option<String>,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// The flow expired (a resend on an old flow). Start again, on `newFlowId` if given.
    FlowExpired {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        new_flow_id: Option<String>,
        messages: Vec<UiMessage>,
    },
    /// Kratos does not know this flow (a resend).
    FlowNotFound {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// Browser flows: Kratos refused the request as a CSRF violation (403
    /// `security_csrf_violation`): the browser's cookies were not passed on, lack Kratos's CSRF
    /// cookie, or belong to another flow. `cause` says which, judged from the cookies sent.
    CsrfViolation {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        #[napi(ts_type = "'no_cookie' | 'no_csrf_cookie' | 'mismatch'")]
        cause: String,
        /// What to check, in a sentence.
        hint: String,
        messages: Vec<UiMessage>,
    },
    /// HTTP 429 from Ory Network's rate limiter.
    RateLimited {
        #[napi(ts_type = "false")]
        ok: bool,
        /// Seconds to wait, from `Retry-After` or `x-ratelimit-reset`, when Ory said.
        retry_after_seconds: Option<u32>,
        messages: Vec<UiMessage>,
    },
    /// A refusal this library does not classify; nothing of it is dropped.
    Rejected {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: Option<String>,
        #[napi(ts_type = "FlowType")]
        flow_type: Option<String>,
        /// The HTTP status Kratos answered with.
        http_status: u16,
        /// `error.id` of Kratos's error envelope, if any.
        error_id: Option<String>,
        /// `error.reason` of Kratos's error envelope, if any.
        reason: Option<String>,
        messages: Vec<UiMessage>,
    },
}

/// Submitted a code: `status` says what happened. `ok` is true for `signed_in` and `registered`.
#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
pub enum VerifyCodeResult {
    /// The code was right and a session exists.
    SignedIn {
        #[napi(ts_type = "true")]
        ok: bool,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        /// The session token: API flows only (browser flows set Kratos's session cookie, in
        /// `setCookie`). Keep it secret: store it in an HttpOnly cookie.
        session_token: Option<String>,
        session: Session,
        identity: Identity,
    },
    /// The registration succeeded; the project issues no session after registration.
    Registered {
        #[napi(ts_type = "true")]
        ok: bool,
        #[napi(ts_type = "'registration'")]
        flow_type: String,
        identity: Identity,
    },
    /// 4010008/4040003: the code is wrong or used (after Kratos v26.2.0, also expired).
    InvalidCode {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// The code expired but the flow did not (Kratos v26.2.0 and earlier): resend a code.
    CodeExpired {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        new_flow_id: Option<String>,
        messages: Vec<UiMessage>,
    },
    /// "The request was submitted too often": this flow takes no more codes; start again.
    TooManyAttempts {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// 4000007: the code was right, but an account with this address already exists.
    AccountExists {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// The flow expired. Start again, on `newFlowId` if given.
    FlowExpired {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        new_flow_id: Option<String>,
        messages: Vec<UiMessage>,
    },
    /// Kratos does not know this flow.
    FlowNotFound {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
    },
    /// Browser flows: Kratos refused the request as a CSRF violation (403
    /// `security_csrf_violation`): the browser's cookies were not passed on, lack Kratos's CSRF
    /// cookie, or belong to another flow. `cause` says which, judged from the cookies sent.
    CsrfViolation {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        #[napi(ts_type = "'no_cookie' | 'no_csrf_cookie' | 'mismatch'")]
        cause: String,
        /// What to check, in a sentence.
        hint: String,
        messages: Vec<UiMessage>,
    },
    /// HTTP 429 from Ory Network's rate limiter.
    RateLimited {
        #[napi(ts_type = "false")]
        ok: bool,
        retry_after_seconds: Option<u32>,
        messages: Vec<UiMessage>,
    },
    /// A refusal this library does not classify; nothing of it is dropped.
    Rejected {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: Option<String>,
        #[napi(ts_type = "FlowType")]
        flow_type: Option<String>,
        http_status: u16,
        error_id: Option<String>,
        reason: Option<String>,
        messages: Vec<UiMessage>,
    },
}

#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
pub enum WhoamiResult {
    Active {
        #[napi(ts_type = "true")]
        ok: bool,
        session: Session,
    },
    /// No valid session for this token (401), or it needs a second factor (403).
    Unauthorized {
        #[napi(ts_type = "false")]
        ok: bool,
        error_id: Option<String>,
    },
    RateLimited {
        #[napi(ts_type = "false")]
        ok: bool,
        retry_after_seconds: Option<u32>,
    },
}

#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
pub enum LogoutResult {
    /// The session is revoked (also when it already was).
    LoggedOut {
        #[napi(ts_type = "true")]
        ok: bool,
    },
    /// Kratos does not know this token.
    UnknownSession {
        #[napi(ts_type = "false")]
        ok: bool,
    },
    RateLimited {
        #[napi(ts_type = "false")]
        ok: bool,
        retry_after_seconds: Option<u32>,
    },
}

/// A Kratos session, with camelCase keys.
#[napi(object, object_from_js = false)]
pub struct Session {
    pub id: String,
    pub active: bool,
    pub expires_at: Option<String>,
    pub authenticated_at: Option<String>,
    #[napi(ts_type = "'aal0' | 'aal1' | 'aal2' | 'aal3'")]
    pub authenticator_assurance_level: Option<String>,
    pub authentication_methods: Vec<AuthenticationMethod>,
    pub issued_at: Option<String>,
    /// Absent when Kratos withholds it (the session needs a second factor).
    pub identity: Option<Identity>,
}

#[napi(object, object_from_js = false)]
pub struct AuthenticationMethod {
    /// `code` for this library's sign-ins.
    pub method: String,
    pub aal: Option<String>,
    pub completed_at: Option<String>,
}

/// A Kratos identity, with camelCase keys. `traits` keeps the keys of your identity schema.
#[napi(object, object_from_js = false)]
pub struct Identity {
    pub id: String,
    pub schema_id: String,
    #[napi(ts_type = "'active' | 'inactive'")]
    pub state: Option<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub traits: Value,
    pub verifiable_addresses: Vec<VerifiableAddress>,
    #[napi(ts_type = "unknown")]
    pub metadata_public: Value,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub organization_id: Option<String>,
}

#[napi(object, object_from_js = false)]
pub struct VerifiableAddress {
    pub value: String,
    pub verified: bool,
    /// `email` or `sms`.
    pub via: String,
    #[napi(ts_type = "'pending' | 'sent' | 'completed'")]
    pub status: String,
    pub verified_at: Option<String>,
}

fn flow_type(kind: core::FlowKind) -> String {
    kind.as_str().to_owned()
}

fn messages(list: Vec<core::Message>) -> Vec<UiMessage> {
    list.into_iter().map(UiMessage::from).collect()
}

impl From<core::Message> for UiMessage {
    fn from(m: core::Message) -> Self {
        let kind = match m.kind {
            ory_otc_core::protocol::ui::TextKind::Info => "info",
            ory_otc_core::protocol::ui::TextKind::Error => "error",
            ory_otc_core::protocol::ui::TextKind::Success => "success",
        };
        UiMessage {
            id: m.id,
            kind: kind.to_owned(),
            text: m.text,
            context: m.context.map(Value::Object),
        }
    }
}

impl From<core::SendCode> for SendCodeResult {
    fn from(o: core::SendCode) -> Self {
        use core::SendCode as S;
        match o {
            S::CodeSent {
                flow_id,
                flow_kind,
                identifier,
                expires_at,
                messages: m,
            } => SendCodeResult::CodeSent {
                ok: true,
                flow_id,
                flow_type: flow_type(flow_kind),
                identifier,
                expires_at,
                messages: messages(m),
            },
            S::AccountNotFound {
                flow_id,
                flow_kind,
                messages: m,
            } => SendCodeResult::AccountNotFound {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            S::InvalidIdentifier {
                flow_id,
                flow_kind,
                messages: m,
            } => SendCodeResult::InvalidIdentifier {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            S::SessionAlreadyAvailable {
                flow_id,
                flow_kind,
                messages: m,
            } => SendCodeResult::SessionAlreadyAvailable {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            S::FlowExpired {
                flow_id,
                flow_kind,
                new_flow_id,
                messages: m,
            } => SendCodeResult::FlowExpired {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                new_flow_id,
                messages: messages(m),
            },
            S::FlowNotFound { flow_id, flow_kind } => SendCodeResult::FlowNotFound {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: Vec::new(),
            },
            S::CsrfViolation {
                flow_id,
                flow_kind,
                cause,
            } => SendCodeResult::CsrfViolation {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                cause: cause.as_str().to_owned(),
                hint: cause.hint().to_owned(),
                messages: Vec::new(),
            },
            S::RateLimited {
                retry_after_seconds,
            } => SendCodeResult::RateLimited {
                ok: false,
                retry_after_seconds,
                messages: Vec::new(),
            },
            S::Rejected(r) => SendCodeResult::Rejected {
                ok: false,
                flow_id: r.flow_id,
                flow_type: r.flow_kind.map(flow_type),
                http_status: r.http_status,
                error_id: r.error_id,
                reason: r.reason,
                messages: messages(r.messages),
            },
            // core::SendCode is exhaustive today; a new variant must be mapped here.
        }
    }
}

impl From<core::VerifyCode> for VerifyCodeResult {
    fn from(o: core::VerifyCode) -> Self {
        use core::VerifyCode as V;
        match o {
            V::SignedIn {
                flow_kind,
                session_token,
                session,
                identity,
            } => VerifyCodeResult::SignedIn {
                ok: true,
                flow_type: flow_type(flow_kind),
                session_token: session_token.map(ory_otc_core::Secret::into_exposed),
                session: Session::from(*session),
                identity: Identity::from(*identity),
            },
            V::Registered { identity } => VerifyCodeResult::Registered {
                ok: true,
                flow_type: "registration".into(),
                identity: Identity::from(*identity),
            },
            V::InvalidCode {
                flow_id,
                flow_kind,
                messages: m,
            } => VerifyCodeResult::InvalidCode {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            V::CodeExpired {
                flow_id,
                flow_kind,
                new_flow_id,
                messages: m,
            } => VerifyCodeResult::CodeExpired {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                new_flow_id,
                messages: messages(m),
            },
            V::TooManyAttempts {
                flow_id,
                flow_kind,
                messages: m,
            } => VerifyCodeResult::TooManyAttempts {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            V::AccountExists {
                flow_id,
                flow_kind,
                messages: m,
            } => VerifyCodeResult::AccountExists {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: messages(m),
            },
            V::FlowExpired {
                flow_id,
                flow_kind,
                new_flow_id,
                messages: m,
            } => VerifyCodeResult::FlowExpired {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                new_flow_id,
                messages: messages(m),
            },
            V::FlowNotFound { flow_id, flow_kind } => VerifyCodeResult::FlowNotFound {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                messages: Vec::new(),
            },
            V::CsrfViolation {
                flow_id,
                flow_kind,
                cause,
            } => VerifyCodeResult::CsrfViolation {
                ok: false,
                flow_id,
                flow_type: flow_type(flow_kind),
                cause: cause.as_str().to_owned(),
                hint: cause.hint().to_owned(),
                messages: Vec::new(),
            },
            V::RateLimited {
                retry_after_seconds,
            } => VerifyCodeResult::RateLimited {
                ok: false,
                retry_after_seconds,
                messages: Vec::new(),
            },
            V::Rejected(r) => VerifyCodeResult::Rejected {
                ok: false,
                flow_id: r.flow_id,
                flow_type: r.flow_kind.map(flow_type),
                http_status: r.http_status,
                error_id: r.error_id,
                reason: r.reason,
                messages: messages(r.messages),
            },
        }
    }
}

impl From<core::Whoami> for WhoamiResult {
    fn from(o: core::Whoami) -> Self {
        match o {
            core::Whoami::Active { session } => WhoamiResult::Active {
                ok: true,
                session: Session::from(*session),
            },
            core::Whoami::Unauthorized { error_id } => WhoamiResult::Unauthorized {
                ok: false,
                error_id,
            },
            core::Whoami::RateLimited {
                retry_after_seconds,
            } => WhoamiResult::RateLimited {
                ok: false,
                retry_after_seconds,
            },
        }
    }
}

impl From<core::Logout> for LogoutResult {
    fn from(o: core::Logout) -> Self {
        match o {
            core::Logout::LoggedOut => LogoutResult::LoggedOut { ok: true },
            core::Logout::UnknownSession => LogoutResult::UnknownSession { ok: false },
            core::Logout::RateLimited {
                retry_after_seconds,
            } => LogoutResult::RateLimited {
                ok: false,
                retry_after_seconds,
            },
        }
    }
}

impl From<wire::Session> for Session {
    fn from(s: wire::Session) -> Self {
        Session {
            id: s.id,
            active: s.active,
            expires_at: s.expires_at,
            authenticated_at: s.authenticated_at,
            authenticator_assurance_level: s.authenticator_assurance_level,
            authentication_methods: s
                .authentication_methods
                .into_iter()
                .map(|m| AuthenticationMethod {
                    method: m.method,
                    aal: m.aal,
                    completed_at: m.completed_at,
                })
                .collect(),
            issued_at: s.issued_at,
            identity: s.identity.map(Identity::from),
        }
    }
}

impl From<wire::Identity> for Identity {
    fn from(i: wire::Identity) -> Self {
        Identity {
            id: i.id,
            schema_id: i.schema_id,
            state: i.state,
            traits: i.traits,
            verifiable_addresses: i
                .verifiable_addresses
                .into_iter()
                .map(|a| VerifiableAddress {
                    value: a.value,
                    verified: a.verified,
                    via: a.via,
                    status: a.status,
                    verified_at: a.verified_at,
                })
                .collect(),
            metadata_public: i.metadata_public,
            created_at: i.created_at,
            updated_at: i.updated_at,
            organization_id: i.organization_id,
        }
    }
}

/// A result and, in browser mode, the `Set-Cookie` headers Kratos sent during the call, as the
/// result's `setCookie` (an array, possibly empty). API-mode results have no `setCookie`.
///
/// One property added to whichever result object napi made, rather than a field in every
/// variant of every result type; `index.d.ts` types it per mode.
pub struct WithCookies<R> {
    result: R,
    set_cookie: Option<Vec<String>>,
}

impl<T, R: From<T>> From<crate::client::Answer<T>> for WithCookies<R> {
    fn from(answer: crate::client::Answer<T>) -> Self {
        WithCookies {
            result: R::from(answer.outcome),
            set_cookie: answer.set_cookie,
        }
    }
}

impl<R: ToNapiValue> ToNapiValue for WithCookies<R> {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        // SAFETY: called by napi on the JS thread with its live env (the contract of the trait);
        // `value` is the object the result just became, in the same handle scope.
        unsafe {
            let value = R::to_napi_value(env, val.result)?;
            if let Some(list) = val.set_cookie {
                let mut obj = Object::from_napi_value(env, value)?;
                obj.set_named_property("setCookie", list)?;
            }
            Ok(value)
        }
    }
}
