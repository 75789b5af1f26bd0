//! What a call can end in, as values. Every outcome Kratos expects is a variant here; only
//! failures to carry out the call are [`crate::Error`]s.

use ory_otc_protocol::session::{Identity, Session};
use ory_otc_protocol::ui::Text;
use ory_otc_protocol::Secret;

/// A UI message as Kratos sends it: `{ id, text, type, context? }`.
pub type Message = Text;

/// Which self-service flow a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    Login,
    Registration,
}

impl FlowKind {
    /// The path segment Kratos uses: `login` or `registration`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Login => "login",
            FlowKind::Registration => "registration",
        }
    }
}

/// Why Kratos refused a browser flow's request as a CSRF violation, judged from the cookies the
/// request carried (Kratos's own `reject_reason` differs between releases, and v1.3.1 sends
/// the same one for every cause: docs/kratos-protocol.md §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfCause {
    /// The request had no cookies at all: the browser's `Cookie` header was not passed on.
    NoCookie,
    /// Cookies, but not Kratos's CSRF cookie: it was not passed on, it expired, or it is set
    /// for another host than the one the browser sent this request to.
    NoCsrfCookie,
    /// The CSRF cookie does not match the flow: it belongs to another flow's browser or to
    /// another Kratos (a foreign cookie), or it changed since the flow was created.
    Mismatch,
}

impl CsrfCause {
    /// `no_cookie`, `no_csrf_cookie` or `mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            CsrfCause::NoCookie => "no_cookie",
            CsrfCause::NoCsrfCookie => "no_csrf_cookie",
            CsrfCause::Mismatch => "mismatch",
        }
    }

    /// What to check, in a sentence.
    pub fn hint(self) -> &'static str {
        match self {
            CsrfCause::NoCookie => "The request carried no cookies: pass the browser's Cookie header to the call (options.cookie).",
            CsrfCause::NoCsrfCookie => "The browser's cookies lack Kratos's CSRF cookie: it was not set on this browser (forward every setCookie of the result that started the flow), it expired, or its Domain does not match the app's host (see the cookieDomain option).",
            CsrfCause::Mismatch => "Kratos's CSRF cookie does not belong to this flow: the flow was started by another browser or another Kratos, or the cookie changed since. Start a new flow.",
        }
    }
}

/// A refusal the classifier does not know, kept whole so nothing is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub flow_id: Option<String>,
    pub flow_kind: Option<FlowKind>,
    /// The HTTP status Kratos answered with.
    pub http_status: u16,
    /// `error.id` of an error envelope, when there was one.
    pub error_id: Option<String>,
    /// `error.reason` (else `error.message`) of an error envelope.
    pub reason: Option<String>,
    /// The flow's messages (form first, then per node).
    pub messages: Vec<Message>,
}

/// The outcome of sending (or re-sending) a code.
#[derive(Debug, Clone, PartialEq)]
pub enum SendCode {
    /// Kratos mailed a code: the flow is in state `sent_email` with message 1010014 (login,
    /// 1010025 for refresh/aal2) or 1040005 (registration). Kratos answers this with HTTP 400.
    CodeSent {
        flow_id: String,
        flow_kind: FlowKind,
        /// The address the code went to, as Kratos normalised it (lowercased e-mail).
        identifier: String,
        /// When the flow expires (RFC 3339).
        expires_at: String,
        messages: Vec<Message>,
    },
    /// 4000035: no account with this address, or it has no code credential (login only).
    AccountNotFound {
        flow_id: String,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// 4000040/4000041 (not a valid e-mail or phone) or 4000002 (missing).
    InvalidIdentifier {
        flow_id: String,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// `session_already_available`, or 4000001 "A valid session was detected".
    SessionAlreadyAvailable {
        flow_id: Option<String>,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// 410 `self_service_flow_expired` (a resend on an old flow).
    FlowExpired {
        flow_id: String,
        flow_kind: FlowKind,
        new_flow_id: Option<String>,
        messages: Vec<Message>,
    },
    /// 404: Kratos does not know this flow (a resend).
    FlowNotFound {
        flow_id: String,
        flow_kind: FlowKind,
    },
    /// Browser flows: 403 `security_csrf_violation` (a resend with missing or foreign cookies).
    CsrfViolation {
        flow_id: String,
        flow_kind: FlowKind,
        cause: CsrfCause,
    },
    /// 429 from Ory Network's rate limiter.
    RateLimited {
        retry_after_seconds: Option<u32>,
    },
    Rejected(Rejection),
}

/// The outcome of submitting a code.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyCode {
    /// A session exists. API flows carry its token; browser flows set Kratos's session cookie.
    SignedIn {
        flow_kind: FlowKind,
        session_token: Option<Secret>,
        session: Box<Session>,
        identity: Box<Identity>,
    },
    /// The registration succeeded on a project that issues no session after registration.
    Registered {
        identity: Box<Identity>,
    },
    /// 4010008 / 4040003 (wrong, used, or, after v26.2.0, expired code) or "already used".
    InvalidCode {
        flow_id: String,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// Kratos v26.2.0 and earlier: the code expired while the flow is still valid (a 410 that
    /// names the code's expiry). Later Kratos reports this as [`VerifyCode::InvalidCode`].
    CodeExpired {
        flow_id: String,
        flow_kind: FlowKind,
        new_flow_id: Option<String>,
        messages: Vec<Message>,
    },
    /// 4000001 "The request was submitted too often": this flow takes no more codes.
    TooManyAttempts {
        flow_id: String,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// 4000007 / 4000028: the code was right, but an account with this address exists.
    AccountExists {
        flow_id: String,
        flow_kind: FlowKind,
        messages: Vec<Message>,
    },
    /// 410 `self_service_flow_expired`: start again, on `new_flow_id` if given.
    FlowExpired {
        flow_id: String,
        flow_kind: FlowKind,
        new_flow_id: Option<String>,
        messages: Vec<Message>,
    },
    /// 404: Kratos does not know this flow.
    FlowNotFound {
        flow_id: String,
        flow_kind: FlowKind,
    },
    /// Browser flows: 403 `security_csrf_violation`, the browser's cookies missing or foreign.
    CsrfViolation {
        flow_id: String,
        flow_kind: FlowKind,
        cause: CsrfCause,
    },
    RateLimited {
        retry_after_seconds: Option<u32>,
    },
    Rejected(Rejection),
}

/// The outcome of `whoami`.
#[derive(Debug, Clone, PartialEq)]
pub enum Whoami {
    Active {
        session: Box<Session>,
    },
    /// 401 (no valid session) or 403 (`session_aal2_required`).
    Unauthorized {
        error_id: Option<String>,
    },
    RateLimited {
        retry_after_seconds: Option<u32>,
    },
}

/// The outcome of a logout.
#[derive(Debug, Clone, PartialEq)]
pub enum Logout {
    /// 204: the session is revoked (API flows: also when it already was).
    LoggedOut,
    /// API flows: 403/401, Kratos does not know this token. Browser flows: 401, the cookies
    /// carry no session.
    UnknownSession,
    RateLimited {
        retry_after_seconds: Option<u32>,
    },
}
