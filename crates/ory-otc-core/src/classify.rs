//! Turning Kratos's answers into outcomes (docs/kratos-protocol.md §5, §6, §12).
//!
//! The rule: decide by the flow's `state` and message ids, never by the status code alone.
//! Kratos answers 400 when a code was sent and has answered 200 for some failures; its
//! statuses changed between releases, its message ids did not. Status codes decide only what
//! they alone can: 5xx is a server error, 429 is a rate limit, 3xx is a misconfiguration.

use std::borrow::Cow;

use ory_otc_protocol::error::{id as error_id, ErrorResponse, GenericError};
use ory_otc_protocol::flow::State;
use ory_otc_protocol::message as msg;
use ory_otc_protocol::session::{Identity, LoginSuccess, LogoutFlow, RegistrationSuccess, Session};
use ory_otc_protocol::Secret;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use crate::error::Error;
use crate::flow::{AnyFlow, FlowView, UiView};
use crate::http::{is_success, Reply};
use crate::outcome::{CsrfCause, FlowKind, Logout, Rejection, SendCode, VerifyCode, Whoami};

/// A reply, decoded by shape. No `Debug`: a success can hold the session token. A flow
/// borrows from the reply's body.
pub(crate) enum Decoded<'r, T> {
    /// A 2xx body that is neither a flow nor an envelope (a login success, a session).
    Success(T),
    /// A flow object: Kratos's answer to most submits, whatever the status.
    Flow(AnyFlow<'r>),
    /// `{"error":{…}}`.
    Envelope(Box<ErrorResponse>),
    /// 429.
    RateLimited(Option<u32>),
    /// 204 with no body.
    NoContent,
}

/// Decodes a reply, turning what is never an outcome into an [`Error`].
pub(crate) fn decode<'r, T: Success>(
    reply: &'r Reply,
    kind: FlowKind,
) -> Result<Decoded<'r, T>, Error> {
    let status = reply.status;
    if (500..=599).contains(&status) {
        // A proxy's HTML 502 has no envelope; Kratos's own 500 does.
        // Only the id is wanted: a plain decode, no error message built for an HTML page.
        let id = serde_json::from_slice::<ErrorResponse>(&reply.body)
            .ok()
            .and_then(|e| e.error.id);
        return Err(Error::Server {
            status,
            error_id: id,
            target: reply.target.to_string(),
        });
    }
    if status == 429 {
        return Ok(Decoded::RateLimited(reply.retry_after_seconds));
    }
    if (300..=399).contains(&status) {
        return Err(Error::protocol(
            Some(status),
            &reply.target,
            format!("unexpected redirect ({status}); is the base URL Kratos's public URL?"),
        ));
    }
    if status == 204 && reply.body.is_empty() {
        return Ok(Decoded::NoContent);
    }
    if !reply.json {
        return Err(Error::protocol(
            Some(status),
            &reply.target,
            "the response is not JSON",
        ));
    }
    // One pass reads an envelope or a flow, whichever the body is. A body it cannot read (bad
    // JSON, a key of the wrong type, a flow without its id) is decoded again the careful way,
    // which names what is wrong; so is a flow or an envelope nobody expects to be malformed.
    let decoded = match read_whole::<Shape<'r>>(&reply.body) {
        Ok(shape) => match shape.into_decoded(kind) {
            Some(decoded) => decoded,
            None => return decode_by_peeking(reply, kind),
        },
        Err(_) => return decode_by_peeking(reply, kind),
    };
    match decoded {
        Shaped::Envelope(env) => Ok(Decoded::Envelope(env)),
        Shaped::Flow(flow) => Ok(Decoded::Flow(flow)),
        Shaped::Other(parts) if is_success(status) => match T::from_parts(parts) {
            Some(success) => Ok(Decoded::Success(success)),
            None => Ok(Decoded::Success(parse(reply)?)),
        },
        Shaped::Other(_) => Err(neither(reply)),
    }
}

/// A success body [`decode`] can be asked for. The bodies of a verified code are read in the
/// same pass as the shape ([`SuccessParts`]); others are decoded again once the shape says the
/// body is neither a flow nor an envelope.
pub(crate) trait Success: DeserializeOwned {
    /// The success made of the parts the shape pass read, when they make one.
    fn from_parts(_parts: SuccessParts) -> Option<Self> {
        None
    }
}

impl Success for IgnoredAny {}
impl Success for Session {}
impl Success for LogoutFlow {}

impl Success for LoginSuccess {
    fn from_parts(parts: SuccessParts) -> Option<Self> {
        Some(LoginSuccess {
            session_token: parts.session_token,
            session: parts.session?,
            continue_with: parts.continue_with,
        })
    }
}

impl Success for RegistrationSuccess {
    fn from_parts(parts: SuccessParts) -> Option<Self> {
        Some(RegistrationSuccess {
            session_token: parts.session_token,
            session: parts.session,
            identity: parts.identity?,
            continue_with: parts.continue_with,
        })
    }
}

/// The keys of the success bodies of a verified code ([`LoginSuccess`],
/// [`RegistrationSuccess`]), typed as they are there.
pub(crate) struct SuccessParts {
    session_token: Option<Secret>,
    session: Option<Session>,
    identity: Option<Identity>,
    continue_with: Option<Vec<serde_json::Value>>,
}

/// The keys that tell an envelope from a flow from anything else, and what the client reads of
/// each, read in one pass: the keys of an envelope (Kratos's `{"error":{…},"use_flow_id":…}`),
/// of a flow ([`FlowView`]) and of the success bodies of a verified code ([`SuccessParts`]).
/// Other keys are skipped.
#[derive(Deserialize)]
struct Shape<'a> {
    #[serde(default)]
    error: Option<GenericError>,
    #[serde(default)]
    expired_at: Option<String>,
    #[serde(default)]
    since: Option<i64>,
    #[serde(default)]
    use_flow_id: Option<String>,
    #[serde(default)]
    redirect_browser_to: Option<String>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    expires_at: Option<Cow<'a, str>>,
    #[serde(default)]
    state: Option<State>,
    #[serde(borrow, default)]
    ui: Option<UiView<'a>>,
    #[serde(default)]
    session_token: Option<Secret>,
    #[serde(default)]
    session: Option<Session>,
    #[serde(default)]
    identity: Option<Identity>,
    #[serde(default)]
    continue_with: Option<Vec<serde_json::Value>>,
}

enum Shaped<'r> {
    Envelope(Box<ErrorResponse>),
    Flow(AnyFlow<'r>),
    /// Neither: a success body, or nothing the client knows.
    Other(SuccessParts),
}

impl<'a> Shape<'a> {
    /// What the body is, as [`decode_by_peeking`] decides it; `None` when that must decide
    /// (a flow that lacks a key it needs, to be named in the error).
    fn into_decoded(self, kind: FlowKind) -> Option<Shaped<'a>> {
        if let Some(error) = self.error {
            return Some(Shaped::Envelope(Box::new(ErrorResponse {
                error,
                expired_at: self.expired_at,
                since: self.since,
                use_flow_id: self.use_flow_id,
                redirect_browser_to: self.redirect_browser_to,
            })));
        }
        match (self.ui, self.state) {
            (Some(ui), Some(state)) => {
                let flow = FlowView {
                    id: self.id?,
                    expires_at: self.expires_at?,
                    state,
                    ui,
                };
                Some(Shaped::Flow(AnyFlow::new(kind, flow)))
            }
            _ => Some(Shaped::Other(SuccessParts {
                session_token: self.session_token,
                session: self.session,
                identity: self.identity,
                continue_with: self.continue_with,
            })),
        }
    }
}

/// [`decode`]'s careful way: which of `error`, `ui` and `state` the body has, then the body
/// decoded as what that makes it, with the JSON path of the first mismatch.
fn decode_by_peeking<'r, T: Success>(
    reply: &'r Reply,
    kind: FlowKind,
) -> Result<Decoded<'r, T>, Error> {
    #[derive(Deserialize)]
    struct Peek {
        error: Option<IgnoredAny>,
        ui: Option<IgnoredAny>,
        state: Option<IgnoredAny>,
    }
    let peek: Peek = parse(reply)?;
    if peek.error.is_some() {
        return Ok(Decoded::Envelope(Box::new(parse(reply)?)));
    }
    if peek.ui.is_some() && peek.state.is_some() {
        return Ok(Decoded::Flow(AnyFlow::new(kind, parse_borrowed(reply)?)));
    }
    if is_success(reply.status) {
        return Ok(Decoded::Success(parse(reply)?));
    }
    Err(neither(reply))
}

fn neither(reply: &Reply) -> Error {
    Error::protocol(
        Some(reply.status),
        &reply.target,
        "the response is neither a flow nor an error envelope",
    )
}

/// Deserializes the body, naming the JSON path of the first mismatch.
///
/// Path tracking about doubles the cost of decoding a flow, so a body is decoded plainly
/// first and decoded again with the path tracked only when that fails.
fn parse<T: DeserializeOwned>(reply: &Reply) -> Result<T, Error> {
    parse_borrowed(reply)
}

/// [`parse`], for a value that may borrow from the body.
fn parse_borrowed<'r, T: Deserialize<'r>>(reply: &'r Reply) -> Result<T, Error> {
    if let Ok(value) = read(&reply.body) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(&reply.body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let detail = format!(
            "invalid JSON at {path}: {}",
            without_values(&e.into_inner())
        );
        Error::protocol(Some(reply.status), &reply.target, detail)
    })
}

/// `T` from the start of a JSON body (what follows it is not read). A body that is UTF-8 as a
/// whole, as every JSON body should be, is checked once and read as text, which spares
/// serde_json checking each string it reads; any other is read as bytes, as before.
fn read<'r, T: Deserialize<'r>>(body: &'r [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => T::deserialize(&mut serde_json::Deserializer::from_str(text)),
        Err(_) => T::deserialize(&mut serde_json::Deserializer::from_slice(body)),
    }
}

/// [`read`], refusing anything but whitespace after the value.
fn read_whole<'r, T: Deserialize<'r>>(body: &'r [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// serde's message about a body, without the values it quotes. serde writes the value it
/// refused into its message (`invalid type: string "ory_st_…", expected a sequence`), and that
/// value can be the session token of a login success whose other fields have the wrong shape.
/// Field names (`missing field `id``) are kept; from the first quoted value on, the rest is cut.
fn without_values(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    let kept = if message.starts_with("missing field") || message.starts_with("duplicate field") {
        message
    } else {
        match message.find(['"', '`']) {
            Some(at) => &message[..at],
            None => message,
        }
    };
    let cut = if kept.len() < message.len() {
        " …"
    } else {
        ""
    };
    format!(
        "{}{cut} (line {}, column {})",
        kept.trim_end(),
        err.line(),
        err.column()
    )
}

fn rejection(flow_id: Option<&str>, kind: FlowKind, status: u16, body: Rejected<'_>) -> Rejection {
    let (error_id, reason, messages) = match body {
        Rejected::Flow(flow) => (None, None, flow.messages()),
        Rejected::Envelope(env) => (
            env.error.id.clone(),
            env.error
                .reason
                .clone()
                .or_else(|| Some(env.error.message.clone())),
            Vec::new(),
        ),
        Rejected::Nothing => (None, None, Vec::new()),
    };
    Rejection {
        flow_id: flow_id.map(str::to_owned),
        flow_kind: Some(kind),
        http_status: status,
        error_id,
        reason,
        messages,
    }
}

enum Rejected<'a> {
    Flow(&'a AnyFlow<'a>),
    Envelope(&'a ErrorResponse),
    Nothing,
}

/// The answer to creating a flow (`GET /self-service/<kind>/api`): the flow, or why not.
#[derive(Debug)]
pub(crate) enum Created<'r> {
    Flow(AnyFlow<'r>),
    Refused(SendCode),
}

pub(crate) fn flow_created(kind: FlowKind, reply: &Reply) -> Result<Created<'_>, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) if is_success(reply.status) => Ok(Created::Flow(flow)),
        Decoded::RateLimited(secs) => Ok(Created::Refused(SendCode::RateLimited {
            retry_after_seconds: secs,
        })),
        // docs/kratos-protocol.md §6: creating a flow with a session answers 400 session_already_available.
        Decoded::Envelope(env)
            if env.error.id.as_deref() == Some(error_id::SESSION_ALREADY_AVAILABLE) =>
        {
            Ok(Created::Refused(SendCode::SessionAlreadyAvailable {
                flow_id: None,
                flow_kind: kind,
                messages: Vec::new(),
            }))
        }
        Decoded::Envelope(env) => Ok(Created::Refused(SendCode::Rejected(rejection(
            None,
            kind,
            reply.status,
            Rejected::Envelope(&env),
        )))),
        Decoded::Flow(flow) => Ok(Created::Refused(SendCode::Rejected(rejection(
            Some(flow.id()),
            kind,
            reply.status,
            Rejected::Flow(&flow),
        )))),
        Decoded::Success(_) | Decoded::NoContent => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "creating a flow did not return a flow",
        )),
    }
}

/// The answer to fetching a flow (`GET /self-service/<kind>/flows?id=`).
#[derive(Debug)]
pub(crate) enum Fetched<'r> {
    Flow(AnyFlow<'r>),
    NotFound,
    /// 410: the flow expired. A GET names no replacement flow.
    Expired,
    /// Browser flows: 403 `security_csrf_violation` (docs/kratos-protocol.md §5.5).
    Csrf(CsrfCause),
    RateLimited(Option<u32>),
    Refused(Rejection),
}

pub(crate) fn flow_fetched<'r>(
    kind: FlowKind,
    flow_id: &str,
    reply: &'r Reply,
) -> Result<Fetched<'r>, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) if is_success(reply.status) => Ok(Fetched::Flow(flow)),
        Decoded::RateLimited(secs) => Ok(Fetched::RateLimited(secs)),
        // docs/kratos-protocol.md §6: unknown and malformed ids are both 404 on GET.
        Decoded::Envelope(_) if reply.status == 404 => Ok(Fetched::NotFound),
        Decoded::Envelope(env) if is_expired(&env) => Ok(Fetched::Expired),
        Decoded::Envelope(env) if is_csrf(&env) => Ok(Fetched::Csrf(reply.csrf_cause)),
        Decoded::Envelope(env) => Ok(Fetched::Refused(rejection(
            Some(flow_id),
            kind,
            reply.status,
            Rejected::Envelope(&env),
        ))),
        Decoded::Flow(flow) => Ok(Fetched::Refused(rejection(
            Some(flow_id),
            kind,
            reply.status,
            Rejected::Flow(&flow),
        ))),
        Decoded::Success(_) | Decoded::NoContent => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "fetching a flow did not return a flow",
        )),
    }
}

fn is_csrf(env: &ErrorResponse) -> bool {
    env.error.id.as_deref() == Some(error_id::SECURITY_CSRF_VIOLATION)
}

fn is_expired(env: &ErrorResponse) -> bool {
    env.error.id.as_deref() == Some(error_id::SELF_SERVICE_FLOW_EXPIRED) || env.error.code == 410
}

/// The answer to a send or resend (docs/kratos-protocol.md §6, login rows 2–4 and registration rows 2–4).
pub(crate) fn code_sent(
    kind: FlowKind,
    flow_id: &str,
    submitted: &str,
    reply: &Reply,
) -> Result<SendCode, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) => Ok(send_outcome(flow, submitted, reply.status)),
        Decoded::RateLimited(secs) => Ok(SendCode::RateLimited {
            retry_after_seconds: secs,
        }),
        Decoded::Envelope(env) => Ok(send_refusal(kind, flow_id, reply, &env)),
        Decoded::Success(_) | Decoded::NoContent => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "sending a code did not return a flow",
        )),
    }
}

fn send_outcome(flow: AnyFlow<'_>, submitted: &str, status: u16) -> SendCode {
    let kind = flow.kind();
    let sent_ids: &[u32] = match kind {
        FlowKind::Login => &[msg::LOGIN_CODE_SENT, msg::LOGIN_CODE_SENT_MFA],
        FlowKind::Registration => &[msg::REGISTRATION_CODE_SENT],
    };
    let flow_id = flow.id().to_owned();
    if flow.state() == State::SentEmail && flow.has_message(sent_ids) {
        let identifier = flow
            .address()
            .map(Cow::into_owned)
            .unwrap_or_else(|| normalize(submitted));
        let expires_at = flow.expires_at().to_owned();
        return SendCode::CodeSent {
            flow_id,
            flow_kind: kind,
            identifier,
            expires_at,
            messages: flow.into_messages(),
        };
    }
    let messages = flow.messages();
    if flow.has_message(&[msg::ACCOUNT_NOT_FOUND_OR_NO_CODE]) {
        return SendCode::AccountNotFound {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    if flow.has_message(&[
        msg::INVALID_EMAIL,
        msg::INVALID_PHONE,
        msg::REQUIRED_PROPERTY,
    ]) || flow.address_has_error()
    {
        return SendCode::InvalidIdentifier {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    // docs/kratos-protocol.md §6, login "Session already available: submit": a 400 flow with 4000001.
    if flow.has_generic_reason("valid session was detected") {
        return SendCode::SessionAlreadyAvailable {
            flow_id: Some(flow_id),
            flow_kind: kind,
            messages,
        };
    }
    SendCode::Rejected(rejection(
        Some(&flow_id),
        kind,
        status,
        Rejected::Flow(&flow),
    ))
}

fn send_refusal(kind: FlowKind, flow_id: &str, reply: &Reply, env: &ErrorResponse) -> SendCode {
    let status = reply.status;
    match env.error.id.as_deref() {
        Some(error_id::SESSION_ALREADY_AVAILABLE) => SendCode::SessionAlreadyAvailable {
            flow_id: Some(flow_id.to_owned()),
            flow_kind: kind,
            messages: Vec::new(),
        },
        _ if is_expired(env) => SendCode::FlowExpired {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
            new_flow_id: env.use_flow_id.clone(),
            messages: Vec::new(),
        },
        _ if status == 404 => SendCode::FlowNotFound {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
        },
        Some(error_id::SECURITY_CSRF_VIOLATION) => SendCode::CsrfViolation {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
            cause: reply.csrf_cause,
        },
        _ => SendCode::Rejected(rejection(
            Some(flow_id),
            kind,
            status,
            Rejected::Envelope(env),
        )),
    }
}

/// What a 410 on a code submit means. Kratos v26.2.0 and earlier answer an expired *code* with
/// the same 410 `self_service_flow_expired` as an expired *flow*; only a look at the old flow
/// tells them apart, which the client does when it sees [`Verified::Expired410`].
#[derive(Debug)]
pub(crate) enum Verified {
    Outcome(VerifyCode),
    Expired410 { new_flow_id: Option<String> },
}

/// The answer to a code submit (docs/kratos-protocol.md §6, login rows 5–14, registration rows 5–15).
pub(crate) fn code_verified(
    kind: FlowKind,
    flow_id: &str,
    reply: &Reply,
) -> Result<Verified, Error> {
    let outcome = match kind {
        FlowKind::Login => match decode::<LoginSuccess>(reply, kind)? {
            Decoded::Success(ok) => login_success(ok, reply),
            other => return verify_refusal(kind, flow_id, reply, other),
        },
        FlowKind::Registration => match decode::<RegistrationSuccess>(reply, kind)? {
            Decoded::Success(ok) => registration_success(ok),
            other => return verify_refusal(kind, flow_id, reply, other),
        },
    };
    Ok(Verified::Outcome(outcome))
}

fn login_success(ok: LoginSuccess, reply: &Reply) -> VerifyCode {
    let LoginSuccess {
        session_token,
        session,
        ..
    } = ok;
    // The identity stays in the session too, so this session reads like whoami's.
    match session.identity.clone() {
        Some(identity) => VerifyCode::SignedIn {
            flow_kind: FlowKind::Login,
            session_token,
            session: Box::new(session),
            identity: Box::new(identity),
        },
        // docs/kratos-protocol.md §6: the identity is null when the session's AAL is below what whoami
        // requires. That session is useless until a second factor, which this client does
        // not do, so it is not reported as signed in.
        None => VerifyCode::Rejected(Rejection {
            flow_id: None,
            flow_kind: Some(FlowKind::Login),
            http_status: reply.status,
            error_id: Some(error_id::SESSION_AAL2_REQUIRED.to_owned()),
            reason: Some("Kratos withheld the identity: the session needs a second factor".into()),
            messages: Vec::new(),
        }),
    }
}

fn registration_success(ok: RegistrationSuccess) -> VerifyCode {
    let RegistrationSuccess {
        session_token,
        session,
        identity,
        ..
    } = ok;
    match session {
        Some(session) => VerifyCode::SignedIn {
            flow_kind: FlowKind::Registration,
            session_token,
            session: Box::new(session),
            identity: Box::new(identity),
        },
        None => VerifyCode::Registered {
            identity: Box::new(identity),
        },
    }
}

fn verify_refusal<T>(
    kind: FlowKind,
    flow_id: &str,
    reply: &Reply,
    decoded: Decoded<'_, T>,
) -> Result<Verified, Error> {
    let status = reply.status;
    let outcome = match decoded {
        Decoded::Flow(flow) => verify_flow_refusal(flow_id, flow, status),
        Decoded::RateLimited(secs) => VerifyCode::RateLimited {
            retry_after_seconds: secs,
        },
        Decoded::Envelope(env) if is_expired(&env) => {
            return Ok(Verified::Expired410 {
                new_flow_id: env.use_flow_id.clone(),
            });
        }
        Decoded::Envelope(_) if status == 404 => VerifyCode::FlowNotFound {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
        },
        Decoded::Envelope(env) if is_csrf(&env) => VerifyCode::CsrfViolation {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
            cause: reply.csrf_cause,
        },
        Decoded::Envelope(env) => VerifyCode::Rejected(rejection(
            Some(flow_id),
            kind,
            status,
            Rejected::Envelope(&env),
        )),
        Decoded::Success(_) | Decoded::NoContent => {
            VerifyCode::Rejected(rejection(Some(flow_id), kind, status, Rejected::Nothing))
        }
    };
    Ok(Verified::Outcome(outcome))
}

fn verify_flow_refusal(submitted_id: &str, flow: AnyFlow<'_>, status: u16) -> VerifyCode {
    let kind = flow.kind();
    let flow_id = submitted_id.to_owned();
    let messages = flow.messages();
    if flow.has_message(&[msg::LOGIN_CODE_INVALID, msg::REGISTRATION_CODE_INVALID]) {
        return VerifyCode::InvalidCode {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    // 4000001 carries several refusals; its reason tells them apart (docs/kratos-protocol.md §6, §8).
    if flow.has_generic_reason("submitted too often") {
        return VerifyCode::TooManyAttempts {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    if flow.has_generic_reason("already used") {
        return VerifyCode::InvalidCode {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    if flow.has_message(&[msg::DUPLICATE_CREDENTIALS, msg::DUPLICATE_CREDENTIALS_HINT]) {
        return VerifyCode::AccountExists {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    // docs/kratos-protocol.md §8: a flow in passed_challenge answers 4010002 (login) / 4010003 (registration),
    // its code used. That is what the loser of two concurrent submits of one code sees when the
    // winner finished first, and a resubmit after success: the code is no longer valid.
    if flow.state() == State::PassedChallenge
        && flow.has_message(&[msg::LOGIN_NO_STRATEGY, msg::REGISTRATION_NO_STRATEGY])
    {
        return VerifyCode::InvalidCode {
            flow_id,
            flow_kind: kind,
            messages,
        };
    }
    // A replacement flow that says the old one expired (what a browser is redirected to).
    if flow.has_message(&[msg::LOGIN_FLOW_EXPIRED, msg::REGISTRATION_FLOW_EXPIRED]) {
        let new_flow_id = (flow.id() != flow_id).then(|| flow.id().to_owned());
        return VerifyCode::FlowExpired {
            flow_id,
            flow_kind: kind,
            new_flow_id,
            messages,
        };
    }
    VerifyCode::Rejected(rejection(
        Some(&flow_id),
        kind,
        status,
        Rejected::Flow(&flow),
    ))
}

/// The answer to `GET /sessions/whoami` (docs/kratos-protocol.md §10).
pub(crate) fn whoami(reply: &Reply) -> Result<Whoami, Error> {
    match decode::<Session>(reply, FlowKind::Login)? {
        Decoded::Success(session) => Ok(Whoami::Active {
            session: Box::new(session),
        }),
        Decoded::RateLimited(secs) => Ok(Whoami::RateLimited {
            retry_after_seconds: secs,
        }),
        Decoded::Envelope(env) if matches!(reply.status, 401 | 403) => Ok(Whoami::Unauthorized {
            error_id: env.error.id,
        }),
        _ => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "whoami returned neither a session nor 401",
        )),
    }
}

/// The answer to `DELETE /self-service/logout/api` (docs/kratos-protocol.md §10).
pub(crate) fn logout(reply: &Reply) -> Result<Logout, Error> {
    match decode::<IgnoredAny>(reply, FlowKind::Login)? {
        Decoded::NoContent => Ok(Logout::LoggedOut),
        Decoded::RateLimited(secs) => Ok(Logout::RateLimited {
            retry_after_seconds: secs,
        }),
        Decoded::Envelope(_) if matches!(reply.status, 401 | 403) => Ok(Logout::UnknownSession),
        _ => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "logout returned neither 204 nor 403",
        )),
    }
}

/// The answer to `GET /self-service/logout/browser` (docs/kratos-protocol.md §10.4): where to
/// complete the logout, or why not.
pub(crate) enum LogoutStarted {
    Flow(LogoutFlow),
    Done(Logout),
}

pub(crate) fn logout_started(reply: &Reply) -> Result<LogoutStarted, Error> {
    match decode::<LogoutFlow>(reply, FlowKind::Login)? {
        Decoded::Success(flow) => Ok(LogoutStarted::Flow(flow)),
        Decoded::RateLimited(secs) => Ok(LogoutStarted::Done(Logout::RateLimited {
            retry_after_seconds: secs,
        })),
        // 401 `session_inactive`: the cookies carry no session.
        Decoded::Envelope(_) if matches!(reply.status, 401 | 403) => {
            Ok(LogoutStarted::Done(Logout::UnknownSession))
        }
        _ => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "starting a browser logout returned neither a logout URL nor 401",
        )),
    }
}

/// Kratos lowercases an identifier that contains `@` (docs/kratos-protocol.md §3).
pub(crate) fn normalize(identifier: &str) -> String {
    let trimmed = identifier.trim();
    if trimmed.contains('@') {
        trimmed.to_lowercase()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    //! Every login and registration row of docs/kratos-protocol.md §6, from recorded flow JSON in
    //! `tests/fixtures/`, for Kratos HEAD, v26.2.0 and (where the wire differs) v1.3.1.
    use super::*;
    use crate::error::Target;
    use crate::ErrorCode;
    use bytes::Bytes;

    const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
    const NEW_FLOW_ID: &str = "0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d";

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/",
                $name
            ))
        };
    }

    fn reply(status: u16, body: &'static [u8]) -> Reply {
        Reply {
            status,
            body: Bytes::from_static(body),
            json: !body.starts_with(b"<"),
            retry_after_seconds: None,
            target: Target {
                method: "POST",
                origin: "http://127.0.0.1:4433".into(),
                path: "/self-service/login".into(),
            },
            csrf_cause: crate::outcome::CsrfCause::NoCookie,
        }
    }

    fn send(kind: FlowKind, status: u16, body: &'static [u8]) -> SendCode {
        code_sent(kind, FLOW_ID, "Ada@Example.com", &reply(status, body)).unwrap()
    }

    fn verify(kind: FlowKind, status: u16, body: &'static [u8]) -> VerifyCode {
        match code_verified(kind, FLOW_ID, &reply(status, body)).unwrap() {
            Verified::Outcome(o) => o,
            Verified::Expired410 { .. } => panic!("unexpected 410"),
        }
    }

    fn ids(messages: &[crate::Message]) -> Vec<u32> {
        messages.iter().map(|m| m.id).collect()
    }

    // §6 login row 2: code sent is a 400 with state sent_email and 1010014.
    #[test]
    fn a_400_sent_email_flow_is_code_sent() {
        for body in [
            &fixture!("login_code_sent.json")[..],
            &fixture!("login_code_sent_v1.3.1.json")[..],
            &fixture!("login_code_sent_mfa.json")[..],
        ] {
            match send(FlowKind::Login, 400, body) {
                SendCode::CodeSent {
                    flow_id,
                    flow_kind,
                    identifier,
                    expires_at,
                    messages,
                } => {
                    assert_eq!(flow_id, FLOW_ID);
                    assert_eq!(flow_kind, FlowKind::Login);
                    assert_eq!(identifier, "ada@example.com");
                    assert_eq!(expires_at, "2026-01-01T13:00:00.123456Z");
                    assert!(ids(&messages) == [1010014] || ids(&messages) == [1010025]);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    // §12: HEAD's aal2 fast path answers the same flow with 200; the status does not matter.
    #[test]
    fn a_200_sent_email_flow_is_code_sent_too() {
        assert!(matches!(
            send(FlowKind::Login, 200, fixture!("login_code_sent.json")),
            SendCode::CodeSent { .. }
        ));
    }

    // §6 login row 3.
    #[test]
    fn message_4000035_is_account_not_found() {
        match send(
            FlowKind::Login,
            400,
            fixture!("login_account_not_found.json"),
        ) {
            SendCode::AccountNotFound {
                flow_id, messages, ..
            } => {
                assert_eq!(flow_id, FLOW_ID);
                assert_eq!(ids(&messages), [4000035]);
            }
            other => panic!("{other:?}"),
        }
    }

    // §6 login row 4, registration rows 3-4, and v1.3.1's 4000001 on traits.email (§12).
    #[test]
    fn bad_or_missing_addresses_are_invalid_identifier() {
        let cases: [(FlowKind, &[u8], u32); 4] = [
            (
                FlowKind::Login,
                fixture!("login_identifier_missing.json"),
                4000002,
            ),
            (
                FlowKind::Registration,
                fixture!("registration_invalid_email.json"),
                4000040,
            ),
            (
                FlowKind::Registration,
                fixture!("registration_invalid_email_v1.3.1.json"),
                4000001,
            ),
            (
                FlowKind::Registration,
                fixture!("registration_email_missing.json"),
                4000002,
            ),
        ];
        for (kind, body, id) in cases {
            match send(kind, 400, body) {
                SendCode::InvalidIdentifier {
                    flow_kind,
                    messages,
                    ..
                } => {
                    assert_eq!(flow_kind, kind);
                    assert_eq!(ids(&messages), [id]);
                }
                other => panic!("{id}: {other:?}"),
            }
        }
    }

    // §6 login "Session already available: submit" and "create".
    #[test]
    fn a_valid_session_is_session_already_available() {
        assert!(matches!(
            send(
                FlowKind::Login,
                400,
                fixture!("login_session_available_on_submit.json")
            ),
            SendCode::SessionAlreadyAvailable {
                flow_id: Some(_),
                ..
            }
        ));
        assert!(matches!(
            send(
                FlowKind::Login,
                400,
                fixture!("session_already_available_400.json")
            ),
            SendCode::SessionAlreadyAvailable { .. }
        ));
    }

    // §2 API-flow guard: an unknown refusal keeps its messages.
    #[test]
    fn the_cookie_guard_is_rejected_with_its_message() {
        match send(FlowKind::Login, 400, fixture!("login_cookie_guard.json")) {
            SendCode::Rejected(r) => {
                assert_eq!(r.http_status, 400);
                assert_eq!(ids(&r.messages), [4000001]);
                assert!(r.messages[0].text.contains("\"Cookie\" key"));
            }
            other => panic!("{other:?}"),
        }
    }

    // §6 registration row 2.
    #[test]
    fn a_registration_code_sent_is_code_sent() {
        match send(
            FlowKind::Registration,
            400,
            fixture!("registration_code_sent.json"),
        ) {
            SendCode::CodeSent {
                flow_kind,
                identifier,
                messages,
                ..
            } => {
                assert_eq!(flow_kind, FlowKind::Registration);
                assert_eq!(identifier, "ada@example.com");
                assert_eq!(ids(&messages), [1040005]);
            }
            other => panic!("{other:?}"),
        }
    }

    // A resend on an old flow: 410 with use_flow_id, 404.
    #[test]
    fn a_resend_on_a_dead_flow_says_so() {
        match send(FlowKind::Login, 410, fixture!("flow_expired_410.json")) {
            SendCode::FlowExpired { new_flow_id, .. } => {
                assert_eq!(new_flow_id.as_deref(), Some(NEW_FLOW_ID))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            send(FlowKind::Login, 404, fixture!("flow_not_found_404.json")),
            SendCode::FlowNotFound { .. }
        ));
    }

    // §6 login row "Success (API)".
    #[test]
    fn a_200_with_a_session_is_signed_in() {
        match verify(FlowKind::Login, 200, fixture!("login_success.json")) {
            VerifyCode::SignedIn {
                flow_kind,
                session_token,
                session,
                identity,
            } => {
                assert_eq!(flow_kind, FlowKind::Login);
                assert_eq!(
                    session_token.unwrap().expose(),
                    "ory_st_0123456789abcdefghijABCDEFGHIJ01"
                );
                assert_eq!(session.id, "3f4a5b6c-7d8e-4f90-a1b2-c3d4e5f6a7b8");
                assert_eq!(session.identity.as_ref(), Some(&*identity));
                assert_eq!(identity.traits["email"], "ada@example.com");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_withheld_identity_is_not_signed_in() {
        match verify(
            FlowKind::Login,
            200,
            fixture!("login_success_identity_withheld.json"),
        ) {
            VerifyCode::Rejected(r) => {
                assert_eq!(r.error_id.as_deref(), Some("session_aal2_required"))
            }
            other => panic!("{other:?}"),
        }
    }

    // §6 login rows 5-8 and registration rows 6-8.
    #[test]
    fn refusals_of_a_code_are_told_apart_by_message_id() {
        let cases: [(FlowKind, &[u8], &str); 9] = [
            (
                FlowKind::Login,
                fixture!("login_wrong_code.json"),
                "invalid_code",
            ),
            (
                FlowKind::Login,
                fixture!("login_code_already_used.json"),
                "invalid_code",
            ),
            (
                FlowKind::Login,
                fixture!("login_too_many_attempts.json"),
                "too_many_attempts",
            ),
            (
                FlowKind::Login,
                fixture!("login_account_disabled.json"),
                "rejected",
            ),
            (
                FlowKind::Login,
                fixture!("login_passed_challenge_reuse.json"),
                "invalid_code",
            ),
            (
                FlowKind::Registration,
                fixture!("registration_wrong_code.json"),
                "invalid_code",
            ),
            (
                FlowKind::Registration,
                fixture!("registration_too_many_attempts.json"),
                "too_many_attempts",
            ),
            (
                FlowKind::Registration,
                fixture!("registration_account_exists.json"),
                "account_exists",
            ),
            (
                FlowKind::Registration,
                fixture!("registration_traits_mismatch.json"),
                "rejected",
            ),
        ];
        for (kind, body, want) in cases {
            let got = verify(kind, 400, body);
            assert_eq!(verify_name(&got), want, "{got:?}");
        }
    }

    // §6 registration rows "Success, API, with/without the session hook".
    #[test]
    fn registration_success_with_and_without_a_session() {
        match verify(
            FlowKind::Registration,
            200,
            fixture!("registration_success_session.json"),
        ) {
            VerifyCode::SignedIn {
                flow_kind,
                session_token,
                identity,
                ..
            } => {
                assert_eq!(flow_kind, FlowKind::Registration);
                assert!(session_token.is_some());
                assert_eq!(identity.id, "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            verify(
                FlowKind::Registration,
                200,
                fixture!("registration_success_no_session.json")
            ),
            VerifyCode::Registered { .. }
        ));
    }

    // §6 "Flow expired" (and §12: v26.2.0's expired code) is a 410 the client looks into.
    #[test]
    fn a_410_on_submit_asks_for_a_closer_look() {
        match code_verified(
            FlowKind::Login,
            FLOW_ID,
            &reply(410, fixture!("flow_expired_410.json")),
        )
        .unwrap()
        {
            Verified::Expired410 { new_flow_id } => {
                assert_eq!(new_flow_id.as_deref(), Some(NEW_FLOW_ID))
            }
            Verified::Outcome(o) => panic!("{o:?}"),
        }
    }

    // §6 unknown and malformed flow ids, CSRF, v1.3.1 disabled identity.
    #[test]
    fn envelopes_on_submit() {
        assert_eq!(
            verify_name(&verify(
                FlowKind::Login,
                404,
                fixture!("flow_not_found_404.json")
            )),
            "flow_not_found"
        );
        for (status, body) in [
            (400, &fixture!("flow_malformed_400.json")[..]),
            (401, &fixture!("identity_disabled_v1.3.1_401.json")[..]),
        ] {
            match verify(FlowKind::Login, status, body) {
                VerifyCode::Rejected(r) => {
                    assert_eq!(r.http_status, status);
                    assert!(r.reason.is_some());
                }
                other => panic!("{other:?}"),
            }
        }
        // §5.5: the cause comes from the cookies the request carried (none here), not from
        // Kratos's texts, which differ between releases.
        match verify(FlowKind::Login, 403, fixture!("csrf_violation_403.json")) {
            VerifyCode::CsrfViolation { cause, flow_id, .. } => {
                assert_eq!(cause, CsrfCause::NoCookie);
                assert_eq!(flow_id, FLOW_ID);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_errors_redirects_and_non_json_are_errors() {
        let err = code_sent(
            FlowKind::Login,
            FLOW_ID,
            "a@b.c",
            &reply(502, fixture!("proxy_502.html")),
        )
        .unwrap_err();
        assert_eq!((err.code(), err.status()), (ErrorCode::Server, Some(502)));
        let err = code_sent(
            FlowKind::Login,
            FLOW_ID,
            "a@b.c",
            &reply(500, fixture!("server_error_500.json")),
        )
        .unwrap_err();
        assert_eq!((err.code(), err.status()), (ErrorCode::Server, Some(500)));
        let err = code_sent(FlowKind::Login, FLOW_ID, "a@b.c", &reply(303, b"")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
        let err = code_sent(
            FlowKind::Login,
            FLOW_ID,
            "a@b.c",
            &reply(200, fixture!("proxy_502.html")),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
    }

    /// What a decode gave, as text: the flow, envelope or success read, or the error.
    fn decoded<T: std::fmt::Debug>(result: Result<Decoded<'_, T>, Error>) -> String {
        match result {
            Ok(Decoded::Flow(flow)) => format!("flow {flow:?}"),
            Ok(Decoded::Envelope(env)) => format!("envelope {env:?}"),
            Ok(Decoded::Success(success)) => format!("success {success:?}"),
            Ok(Decoded::RateLimited(s)) => format!("rate limited {s:?}"),
            Ok(Decoded::NoContent) => "no content".into(),
            Err(e) => format!("error {e}"),
        }
    }

    // The one-pass decode reads every recorded answer as the careful way does, whole and cut.
    #[test]
    fn the_one_pass_decode_agrees_with_the_careful_one() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let whole: &'static [u8] = Box::leak(std::fs::read(&path).unwrap().into_boxed_slice());
            for body in [whole, &whole[..whole.len() / 2]] {
                for status in [200, 400, 401, 403, 404, 410] {
                    for kind in [FlowKind::Login, FlowKind::Registration] {
                        let r = reply(status, body);
                        let fast = decoded(decode::<IgnoredAny>(&r, kind));
                        let careful = decoded(decode_by_peeking::<IgnoredAny>(&r, kind));
                        assert_eq!(fast, careful, "{}", path.display());
                        let fast = decoded(decode::<LoginSuccess>(&r, kind));
                        let careful = decoded(decode_by_peeking::<LoginSuccess>(&r, kind));
                        assert_eq!(fast, careful, "{}", path.display());
                        let fast = decoded(decode::<RegistrationSuccess>(&r, kind));
                        let careful = decoded(decode_by_peeking::<RegistrationSuccess>(&r, kind));
                        assert_eq!(fast, careful, "{}", path.display());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn truncated_json_names_where_it_broke() {
        let body = fixture!("login_code_sent.json");
        let cut: &'static [u8] = &body[..body.len() / 2];
        let err = code_sent(FlowKind::Login, FLOW_ID, "a@b.c", &reply(400, cut)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
        assert!(err.to_string().contains("invalid JSON"), "{err}");
    }

    // Found by the fuzz target: a login success with a field of the wrong shape made serde
    // quote the session token in the error message.
    #[test]
    fn json_errors_do_not_quote_values_from_the_body() {
        let token = "ory_st_0123456789abcdefghijABCDEFGHIJ01";
        for body in [
            format!(
                r#"{{"session_token":"x","session":{{"id":"s","active":true,"authentication_methods":"{token}"}}}}"#
            ),
            format!(
                r#"{{"session_token":"x","session":{{"id":"s","active":true,"devices":"{token}"}}}}"#
            ),
            format!(r#"{{"session_token":"x","session":{{"id":"s","active":"{token}"}}}}"#),
        ] {
            let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
            let err = code_verified(FlowKind::Login, FLOW_ID, &reply(200, body)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Protocol);
            let text = format!("{err} {err:?}");
            assert!(!text.contains(token), "{text}");
            assert!(text.contains("invalid JSON at "), "{text}");
        }
        // What is not a value stays: the field that is missing, where it broke.
        let err = code_verified(
            FlowKind::Login,
            FLOW_ID,
            &reply(200, br#"{"session_token":"x","session":{"active":true}}"#),
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing field `id`"), "{err}");
        assert!(err.to_string().contains("line 1, column"), "{err}");
    }

    #[test]
    fn a_429_is_rate_limited_with_its_delay() {
        let mut r = reply(429, b"");
        r.retry_after_seconds = Some(30);
        assert_eq!(
            code_sent(FlowKind::Login, FLOW_ID, "a@b.c", &r).unwrap(),
            SendCode::RateLimited {
                retry_after_seconds: Some(30)
            }
        );
    }

    // §1 GET of a flow: 200, 404 (unknown or malformed), 410.
    #[test]
    fn fetching_a_flow() {
        assert!(matches!(
            flow_fetched(
                FlowKind::Login,
                FLOW_ID,
                &reply(200, fixture!("login_code_sent.json"))
            )
            .unwrap(),
            Fetched::Flow(_)
        ));
        assert!(matches!(
            flow_fetched(
                FlowKind::Login,
                FLOW_ID,
                &reply(404, fixture!("flow_not_found_404.json"))
            )
            .unwrap(),
            Fetched::NotFound
        ));
        assert!(matches!(
            flow_fetched(
                FlowKind::Login,
                FLOW_ID,
                &reply(410, fixture!("login_flow_get_expired_410.json"))
            )
            .unwrap(),
            Fetched::Expired
        ));
    }

    #[test]
    fn creating_a_flow() {
        assert!(matches!(
            flow_created(FlowKind::Login, &reply(200, fixture!("login_created.json"))).unwrap(),
            Created::Flow(_)
        ));
        assert!(matches!(
            flow_created(
                FlowKind::Registration,
                &reply(200, fixture!("registration_created.json"))
            )
            .unwrap(),
            Created::Flow(_)
        ));
        assert!(matches!(
            flow_created(
                FlowKind::Login,
                &reply(400, fixture!("session_already_available_400.json"))
            )
            .unwrap(),
            Created::Refused(SendCode::SessionAlreadyAvailable { .. })
        ));
        let err = flow_created(FlowKind::Login, &reply(200, b"{\"hello\":1}")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
    }

    // §10 whoami and logout.
    #[test]
    fn whoami_and_logout() {
        assert!(matches!(
            whoami(&reply(200, fixture!("whoami_active.json"))).unwrap(),
            Whoami::Active { .. }
        ));
        assert_eq!(
            whoami(&reply(401, fixture!("whoami_401.json"))).unwrap(),
            Whoami::Unauthorized { error_id: None }
        );
        assert_eq!(
            whoami(&reply(403, fixture!("whoami_aal2_403.json"))).unwrap(),
            Whoami::Unauthorized {
                error_id: Some("session_aal2_required".into())
            }
        );
        assert_eq!(logout(&reply(204, b"")).unwrap(), Logout::LoggedOut);
        assert_eq!(
            logout(&reply(403, fixture!("logout_unknown_403.json"))).unwrap(),
            Logout::UnknownSession
        );
        assert_eq!(
            logout(&reply(400, fixture!("flow_malformed_400.json")))
                .unwrap_err()
                .code(),
            ErrorCode::Protocol
        );
    }

    #[test]
    fn identifiers_with_an_at_sign_are_lowercased() {
        assert_eq!(normalize(" Ada@Example.COM "), "ada@example.com");
        assert_eq!(normalize("+49ABC"), "+49ABC");
    }

    fn verify_name(o: &VerifyCode) -> &'static str {
        match o {
            VerifyCode::SignedIn { .. } => "signed_in",
            VerifyCode::Registered { .. } => "registered",
            VerifyCode::InvalidCode { .. } => "invalid_code",
            VerifyCode::CodeExpired { .. } => "code_expired",
            VerifyCode::TooManyAttempts { .. } => "too_many_attempts",
            VerifyCode::AccountExists { .. } => "account_exists",
            VerifyCode::FlowExpired { .. } => "flow_expired",
            VerifyCode::FlowNotFound { .. } => "flow_not_found",
            VerifyCode::CsrfViolation { .. } => "csrf_violation",
            VerifyCode::RateLimited { .. } => "rate_limited",
            VerifyCode::Rejected(_) => "rejected",
        }
    }
}
