//! The JS result types: each core outcome becomes a discriminated union on `status`, with
//! `ok` a literal `true`/`false`, so `switch (result.status)` narrows it in TypeScript.
//! Optional fields come last in every type: napi and serde then write the same key order (see
//! "Results as JSON text" below).

use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, ToNapiValue};
use napi_derive::napi;
use ory_otc_core::outcome as core;
use ory_otc_core::protocol::session as wire;
use serde::Serialize;
use serde_json::Value;

/// A message from Kratos, from `ui.messages` or from a node's `messages`.
#[napi(object, object_from_js = false)]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UiMessage {
    /// Kratos's message id, e.g. 1010014 ("code sent"), 4010008 ("invalid code").
    pub id: u32,
    #[napi(js_name = "type", ts_type = "'info' | 'error' | 'success'")]
    #[serde(rename = "type")]
    pub kind: String,
    /// The text in English, as Kratos wrote it. Texts change between Kratos releases; ids do not.
    pub text: String,
    /// Values the text was made from, e.g. `{ property: 'identifier' }`.
    #[napi(ts_type = "Record<string, unknown>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
}

/// Sent a code: `status` says what happened. `ok` is true only for `code_sent`.
#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
#[derive(Serialize)]
#[serde(
    tag = "status",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
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
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        flow_id: Option<String>,
    },
    /// The flow expired (a resend on an old flow). Start again, on `newFlowId` if given.
    FlowExpired {
        #[napi(ts_type = "false")]
        ok: bool,
        flow_id: String,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new_flow_id: Option<String>,
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
        messages: Vec<UiMessage>,
        /// Seconds to wait, from `Retry-After` or `x-ratelimit-reset`, when Ory said.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u32>,
    },
    /// A refusal this library does not classify; nothing of it is dropped.
    Rejected {
        #[napi(ts_type = "false")]
        ok: bool,
        /// The HTTP status Kratos answered with.
        http_status: u16,
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        flow_id: Option<String>,
        #[napi(ts_type = "FlowType")]
        #[serde(skip_serializing_if = "Option::is_none")]
        flow_type: Option<String>,
        /// `error.id` of Kratos's error envelope, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        error_id: Option<String>,
        /// `error.reason` of Kratos's error envelope, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// Submitted a code: `status` says what happened. `ok` is true for `signed_in` and `registered`.
#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
#[derive(Serialize)]
#[serde(
    tag = "status",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum VerifyCodeResult {
    /// The code was right and a session exists.
    SignedIn {
        #[napi(ts_type = "true")]
        ok: bool,
        #[napi(ts_type = "FlowType")]
        flow_type: String,
        session: Session,
        identity: Identity,
        /// The session token: API flows only (browser flows set Kratos's session cookie, in
        /// `setCookie`). Keep it secret: store it in an HttpOnly cookie.
        #[serde(skip_serializing_if = "Option::is_none")]
        session_token: Option<String>,
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
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new_flow_id: Option<String>,
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
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new_flow_id: Option<String>,
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
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u32>,
    },
    /// A refusal this library does not classify; nothing of it is dropped.
    Rejected {
        #[napi(ts_type = "false")]
        ok: bool,
        http_status: u16,
        messages: Vec<UiMessage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        flow_id: Option<String>,
        #[napi(ts_type = "FlowType")]
        #[serde(skip_serializing_if = "Option::is_none")]
        flow_type: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
#[derive(Serialize)]
#[serde(
    tag = "status",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
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
        #[serde(skip_serializing_if = "Option::is_none")]
        error_id: Option<String>,
    },
    RateLimited {
        #[napi(ts_type = "false")]
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u32>,
    },
}

#[napi(
    discriminant = "status",
    discriminant_case = "snake_case",
    object_from_js = false
)]
#[derive(Serialize)]
#[serde(
    tag = "status",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
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
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u32>,
    },
}

/// A Kratos session, with camelCase keys.
#[napi(object, object_from_js = false)]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub active: bool,
    pub authentication_methods: Vec<AuthenticationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticated_at: Option<String>,
    #[napi(ts_type = "'aal0' | 'aal1' | 'aal2' | 'aal3'")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_assurance_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// Absent when Kratos withholds it (the session needs a second factor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

#[napi(object, object_from_js = false)]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationMethod {
    /// `code` for this library's sign-ins.
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// A Kratos identity, with camelCase keys. `traits` keeps the keys of your identity schema.
#[napi(object, object_from_js = false)]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub id: String,
    pub schema_id: String,
    #[napi(ts_type = "Record<string, unknown>")]
    pub traits: Value,
    pub verifiable_addresses: Vec<VerifiableAddress>,
    #[napi(ts_type = "unknown")]
    pub metadata_public: Value,
    #[napi(ts_type = "'active' | 'inactive'")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
}

#[napi(object, object_from_js = false)]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiableAddress {
    pub value: String,
    pub verified: bool,
    /// `email` or `sms`.
    pub via: String,
    #[napi(ts_type = "'pending' | 'sent' | 'completed'")]
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
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

// ---- Results as JSON text ------------------------------------------------------------------
//
// `JSON.parse` of the text `serde_json` writes from the `Serialize` derived above makes the same
// JS value as the Node-API conversions napi derives (see `crate::call::JsResult`): the same keys
// in the same order. napi-rs sets the discriminant (`status`) first, then the fields that are
// always set in declaration order, then the optional ones that are set, in declaration order;
// serde writes the tag first and then every field in declaration order. The two agree because
// every type here declares its optional fields last (keep it so), and `None` leaves a key out
// both ways. A `serde_json::Value` (traits, metadata, a message's context) becomes the same value
// both ways unless it holds an integer beyond ±(2^53 - 1) (Node-API makes a BigInt), a
// `__proto__` key (Node-API sets the prototype) or very deep nesting (Node-API refuses it): such
// a result is made by Node-API. `__test__/results-json.test.js` compares both ways over every
// variant, key order included.

use crate::call::JsResult;

/// Nesting at which a `Value` is left to Node-API (which refuses 128 levels).
const JSON_MAX_DEPTH: usize = 100;
/// The largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Whether `JSON.parse` makes the same JS value of `value`'s JSON as Node-API makes of it.
fn exact_in_json(value: &Value, depth: usize) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => match (n.as_i64(), n.is_u64()) {
            (Some(i), _) => i.unsigned_abs() <= MAX_SAFE_INTEGER,
            (None, true) => false,
            (None, false) => true,
        },
        Value::Array(items) => {
            depth < JSON_MAX_DEPTH && items.iter().all(|v| exact_in_json(v, depth + 1))
        }
        Value::Object(map) => {
            depth < JSON_MAX_DEPTH
                && map
                    .iter()
                    .all(|(k, v)| k != "__proto__" && exact_in_json(v, depth + 1))
        }
    }
}

/// JSON text of a result, when JSON says it exactly.
fn json_of<T: Serialize + Exact>(value: &T) -> Option<String> {
    if !value.exact() {
        return None;
    }
    serde_json::to_string(value).ok()
}

/// Whether every `Value` inside is [`exact_in_json`].
trait Exact {
    fn exact(&self) -> bool;
}

impl Exact for UiMessage {
    fn exact(&self) -> bool {
        self.context.as_ref().is_none_or(|c| exact_in_json(c, 0))
    }
}

impl Exact for Vec<UiMessage> {
    fn exact(&self) -> bool {
        self.iter().all(Exact::exact)
    }
}

impl Exact for Identity {
    fn exact(&self) -> bool {
        exact_in_json(&self.traits, 0) && exact_in_json(&self.metadata_public, 0)
    }
}

impl Exact for Session {
    fn exact(&self) -> bool {
        self.identity.as_ref().is_none_or(Exact::exact)
    }
}

impl Exact for SendCodeResult {
    fn exact(&self) -> bool {
        match self {
            SendCodeResult::CodeSent { messages, .. }
            | SendCodeResult::AccountNotFound { messages, .. }
            | SendCodeResult::InvalidIdentifier { messages, .. }
            | SendCodeResult::SessionAlreadyAvailable { messages, .. }
            | SendCodeResult::FlowExpired { messages, .. }
            | SendCodeResult::FlowNotFound { messages, .. }
            | SendCodeResult::CsrfViolation { messages, .. }
            | SendCodeResult::RateLimited { messages, .. }
            | SendCodeResult::Rejected { messages, .. } => messages.exact(),
        }
    }
}

impl Exact for VerifyCodeResult {
    fn exact(&self) -> bool {
        match self {
            VerifyCodeResult::SignedIn {
                session, identity, ..
            } => session.exact() && identity.exact(),
            VerifyCodeResult::Registered { identity, .. } => identity.exact(),
            VerifyCodeResult::InvalidCode { messages, .. }
            | VerifyCodeResult::CodeExpired { messages, .. }
            | VerifyCodeResult::TooManyAttempts { messages, .. }
            | VerifyCodeResult::AccountExists { messages, .. }
            | VerifyCodeResult::FlowExpired { messages, .. }
            | VerifyCodeResult::FlowNotFound { messages, .. }
            | VerifyCodeResult::CsrfViolation { messages, .. }
            | VerifyCodeResult::RateLimited { messages, .. }
            | VerifyCodeResult::Rejected { messages, .. } => messages.exact(),
        }
    }
}

impl Exact for WhoamiResult {
    fn exact(&self) -> bool {
        match self {
            WhoamiResult::Active { session, .. } => session.exact(),
            WhoamiResult::Unauthorized { .. } | WhoamiResult::RateLimited { .. } => true,
        }
    }
}

impl Exact for LogoutResult {
    fn exact(&self) -> bool {
        true
    }
}

macro_rules! json_results {
    ($($t:ty),*) => {$(
        impl JsResult for $t {
            const FROM_JSON: bool = true;
            fn json(&self) -> Option<String> {
                json_of(self)
            }
        }
    )*};
}

json_results!(SendCodeResult, VerifyCodeResult, WhoamiResult, LogoutResult);

impl<R: JsResult> JsResult for WithCookies<R> {
    const FROM_JSON: bool = R::FROM_JSON;

    /// The result's JSON with `setCookie` last, where `to_napi_value` adds it.
    fn json(&self) -> Option<String> {
        let mut text = self.result.json()?;
        if let Some(list) = &self.set_cookie {
            // The result is an object: `{…}` becomes `{…,"setCookie":[…]}`.
            text.pop();
            text.push_str(",\"setCookie\":");
            text.push_str(&serde_json::to_string(list).ok()?);
            text.push('}');
        }
        Some(text)
    }
}

/// Every result variant, with and without its optional fields, made both ways: a hidden
/// export for `__test__/results-json.test.js`, which checks that both make the same values.
/// Returns `[made by Node-API, made by JSON.parse or null when JSON is not used]` pairs.
#[napi(js_name = "__testResultsBothWays", skip_typescript)]
pub fn test_results_both_ways(env: &napi::Env) -> napi::Result<Object<'_>> {
    let mut pairs = Vec::new();
    for sample in samples::all() {
        pairs.push(sample.both_ways(env)?);
    }
    let mut list = env.create_array(0)?;
    for (i, (by_napi, by_json)) in pairs.into_iter().enumerate() {
        let mut pair = env.create_array(2)?;
        pair.set(0, by_napi)?;
        pair.set(1, by_json)?;
        list.set(i as u32, pair)?;
    }
    list.coerce_to_object()
}

mod samples {
    use super::*;
    use napi::bindgen_prelude::Unknown;
    use serde_json::json;

    pub(super) enum Sample {
        Send(WithCookies<SendCodeResult>),
        Verify(WithCookies<VerifyCodeResult>),
        Whoami(WithCookies<WhoamiResult>),
        Logout(WithCookies<LogoutResult>),
    }

    fn make<R: JsResult>(
        env: &napi::Env,
        value: R,
    ) -> napi::Result<(Unknown<'_>, Option<Unknown<'_>>)> {
        let json = value.json();
        #[allow(unsafe_code)]
        // SAFETY: `env` is the live env of this JS thread, in the scope of the calling export.
        let by_napi = unsafe {
            let raw = R::to_napi_value(env.raw(), value)?;
            Unknown::from_raw_unchecked(env.raw(), raw)
        };
        let by_json = match json {
            Some(text) => {
                let raw = crate::call::parse_json_for_test(env, &text)?;
                #[allow(unsafe_code)]
                // SAFETY: as above.
                Some(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
            }
            None => None,
        };
        Ok((by_napi, by_json))
    }

    impl Sample {
        pub(super) fn both_ways(
            self,
            env: &napi::Env,
        ) -> napi::Result<(Unknown<'_>, Option<Unknown<'_>>)> {
            match self {
                Sample::Send(r) => make(env, r),
                Sample::Verify(r) => make(env, r),
                Sample::Whoami(r) => make(env, r),
                Sample::Logout(r) => make(env, r),
            }
        }
    }

    fn cookies<R>(result: R, set_cookie: bool) -> WithCookies<R> {
        WithCookies {
            result,
            set_cookie: set_cookie.then(|| {
                vec![
                    "csrf_token_x=abc; Path=/; HttpOnly".to_owned(),
                    "ory_kratos_session=\"q\"; Max-Age=0".to_owned(),
                ]
            }),
        }
    }

    fn messages(full: bool) -> Vec<UiMessage> {
        if !full {
            return Vec::new();
        }
        vec![
            UiMessage {
                id: 1010014,
                kind: "info".into(),
                text: "A code was sent \"here\"\u{2028} ✓".into(),
                context: None,
            },
            UiMessage {
                id: 4000002,
                kind: "error".into(),
                text: "Property identifier is missing.".into(),
                context: Some(json!({"property": "identifier", "n": 1.5, "list": [1, -2, null]})),
            },
        ]
    }

    fn identity(full: bool, traits: Value) -> Identity {
        Identity {
            id: "i-1".into(),
            schema_id: "default".into(),
            state: full.then(|| "active".into()),
            traits,
            verifiable_addresses: vec![VerifiableAddress {
                value: "a@example.com".into(),
                verified: full,
                via: "email".into(),
                status: "completed".into(),
                verified_at: full.then(|| "2026-01-01T12:00:00Z".into()),
            }],
            metadata_public: if full {
                json!({"plan": {"tier": 2, "ratio": -0.25, "tags": ["a", "b"]}, "10": true})
            } else {
                Value::Null
            },
            created_at: full.then(|| "2026-01-01T12:00:00Z".into()),
            updated_at: full.then(|| "2026-01-01T12:00:01Z".into()),
            organization_id: None,
        }
    }

    fn session(full: bool, traits: Value) -> Session {
        Session {
            id: "s-1".into(),
            active: true,
            expires_at: full.then(|| "2026-01-02T12:00:00Z".into()),
            authenticated_at: full.then(|| "2026-01-01T12:00:00Z".into()),
            authenticator_assurance_level: full.then(|| "aal1".into()),
            authentication_methods: vec![AuthenticationMethod {
                method: "code".into(),
                aal: full.then(|| "aal1".into()),
                completed_at: None,
            }],
            issued_at: full.then(|| "2026-01-01T12:00:00Z".into()),
            identity: full.then(|| identity(full, traits)),
        }
    }

    fn traits() -> Value {
        json!({"email": "a@example.com", "name": {"first": "Ada", "last": "Ł"}, "age": 36, "ok": false})
    }

    fn send(full: bool) -> Vec<SendCodeResult> {
        let id = || "f-1".to_owned();
        let kind = || "login".to_owned();
        vec![
            SendCodeResult::CodeSent {
                ok: true,
                flow_id: id(),
                flow_type: kind(),
                identifier: "a@example.com".into(),
                expires_at: "2026-01-01T13:00:00Z".into(),
                messages: messages(full),
            },
            SendCodeResult::AccountNotFound {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            SendCodeResult::InvalidIdentifier {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            SendCodeResult::SessionAlreadyAvailable {
                ok: false,
                flow_id: full.then(id),
                flow_type: kind(),
                messages: messages(full),
            },
            SendCodeResult::FlowExpired {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                new_flow_id: full.then(|| "f-2".into()),
                messages: messages(full),
            },
            SendCodeResult::FlowNotFound {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            SendCodeResult::CsrfViolation {
                ok: false,
                flow_id: id(),
                flow_type: "registration".into(),
                cause: "mismatch".into(),
                hint: "Start a new flow.".into(),
                messages: messages(full),
            },
            SendCodeResult::RateLimited {
                ok: false,
                retry_after_seconds: full.then_some(30),
                messages: messages(full),
            },
            SendCodeResult::Rejected {
                ok: false,
                flow_id: full.then(id),
                flow_type: full.then(kind),
                http_status: 422,
                error_id: full.then(|| "x_y".into()),
                reason: full.then(|| "because".into()),
                messages: messages(full),
            },
        ]
    }

    fn verify(full: bool, traits: Value) -> Vec<VerifyCodeResult> {
        let id = || "f-1".to_owned();
        let kind = || "registration".to_owned();
        vec![
            VerifyCodeResult::SignedIn {
                ok: true,
                flow_type: kind(),
                session_token: full.then(|| "ory_st_test".into()),
                session: session(full, traits.clone()),
                identity: identity(full, traits.clone()),
            },
            VerifyCodeResult::Registered {
                ok: true,
                flow_type: kind(),
                identity: identity(full, traits),
            },
            VerifyCodeResult::InvalidCode {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            VerifyCodeResult::CodeExpired {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                new_flow_id: full.then(|| "f-2".into()),
                messages: messages(full),
            },
            VerifyCodeResult::TooManyAttempts {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            VerifyCodeResult::AccountExists {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            VerifyCodeResult::FlowExpired {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                new_flow_id: full.then(|| "f-2".into()),
                messages: messages(full),
            },
            VerifyCodeResult::FlowNotFound {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                messages: messages(full),
            },
            VerifyCodeResult::CsrfViolation {
                ok: false,
                flow_id: id(),
                flow_type: kind(),
                cause: "no_cookie".into(),
                hint: "Pass the cookie.".into(),
                messages: messages(full),
            },
            VerifyCodeResult::RateLimited {
                ok: false,
                retry_after_seconds: full.then_some(5),
                messages: messages(full),
            },
            VerifyCodeResult::Rejected {
                ok: false,
                flow_id: full.then(id),
                flow_type: full.then(kind),
                http_status: 400,
                error_id: full.then(|| "x_y".into()),
                reason: full.then(|| "because".into()),
                messages: messages(full),
            },
        ]
    }

    pub(super) fn all() -> Vec<Sample> {
        let mut all = Vec::new();
        for full in [true, false] {
            for r in send(full) {
                all.push(Sample::Send(cookies(r, full)));
            }
            for r in verify(full, traits()) {
                all.push(Sample::Verify(cookies(r, !full)));
            }
            all.push(Sample::Whoami(cookies(
                WhoamiResult::Active {
                    ok: true,
                    session: session(full, traits()),
                },
                full,
            )));
            all.push(Sample::Whoami(cookies(
                WhoamiResult::Unauthorized {
                    ok: false,
                    error_id: full.then(|| "session_inactive".into()),
                },
                false,
            )));
            all.push(Sample::Whoami(cookies(
                WhoamiResult::RateLimited {
                    ok: false,
                    retry_after_seconds: full.then_some(1),
                },
                full,
            )));
            all.push(Sample::Logout(cookies(
                LogoutResult::LoggedOut { ok: true },
                full,
            )));
            all.push(Sample::Logout(cookies(
                LogoutResult::UnknownSession { ok: false },
                false,
            )));
            all.push(Sample::Logout(cookies(
                LogoutResult::RateLimited {
                    ok: false,
                    retry_after_seconds: full.then_some(2),
                },
                full,
            )));
        }
        // Values JSON cannot say as Node-API makes them: left to Node-API.
        let mut deep = json!("bottom");
        for _ in 0..JSON_MAX_DEPTH {
            deep = json!([deep]);
        }
        for odd in [
            json!({"big": 9007199254740993u64}),
            json!({"negative": -9007199254740993i64}),
            json!({"huge": u64::MAX}),
            serde_json::from_str::<Value>(r#"{"__proto__": {"polluted": true}}"#)
                .unwrap_or_default(),
            json!({"deep": deep}),
        ] {
            for r in verify(true, odd).into_iter().take(2) {
                all.push(Sample::Verify(cookies(r, false)));
            }
        }
        all
    }
}
