//! Turning Kratos's answers into outcomes (reference §5, §6, §12).
//!
//! The rule: decide by the flow's `state` and message ids, never by the status code alone.
//! Kratos answers 400 when a code was sent and has answered 200 for some failures; its
//! statuses changed between releases, its message ids did not. Status codes decide only what
//! they alone can: 5xx is a server error, 429 is a rate limit, 3xx is a misconfiguration.

use ory_otc_protocol::error::{id as error_id, ErrorResponse};
use ory_otc_protocol::flow::State;
use ory_otc_protocol::message as msg;
use ory_otc_protocol::session::{LoginSuccess, RegistrationSuccess, Session};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use crate::error::Error;
use crate::flow::AnyFlow;
use crate::http::{is_success, Reply};
use crate::outcome::{FlowKind, Logout, Rejection, SendCode, VerifyCode, Whoami};

/// A reply, decoded by shape.
#[derive(Debug)]
pub(crate) enum Decoded<T> {
    /// A 2xx body that is neither a flow nor an envelope (a login success, a session).
    Success(T),
    /// A flow object: Kratos's answer to most submits, whatever the status.
    Flow(AnyFlow),
    /// `{"error":{…}}`.
    Envelope(Box<ErrorResponse>),
    /// 429.
    RateLimited(Option<u32>),
    /// 204 with no body.
    NoContent,
}

/// Decodes a reply, turning what is never an outcome into an [`Error`].
pub(crate) fn decode<T: DeserializeOwned>(reply: &Reply, kind: FlowKind) -> Result<Decoded<T>, Error> {
    let status = reply.status;
    if (500..=599).contains(&status) {
        // A proxy's HTML 502 has no envelope; Kratos's own 500 does.
        let id = parse::<ErrorResponse>(reply).ok().and_then(|e| e.error.id);
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
        return Err(Error::protocol(Some(status), &reply.target, "the response is not JSON"));
    }
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
        let flow = match kind {
            FlowKind::Login => AnyFlow::Login(Box::new(parse(reply)?)),
            FlowKind::Registration => AnyFlow::Registration(Box::new(parse(reply)?)),
        };
        return Ok(Decoded::Flow(flow));
    }
    if is_success(status) {
        return Ok(Decoded::Success(parse(reply)?));
    }
    Err(Error::protocol(
        Some(status),
        &reply.target,
        "the response is neither a flow nor an error envelope",
    ))
}

/// Deserializes the body, naming the JSON path of the first mismatch.
fn parse<T: DeserializeOwned>(reply: &Reply) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(&reply.body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let detail = format!("invalid JSON at {path}: {}", e.into_inner());
        Error::protocol(Some(reply.status), &reply.target, detail)
    })
}

fn rejection(flow_id: Option<&str>, kind: FlowKind, status: u16, body: Rejected<'_>) -> Rejection {
    let (error_id, reason, messages) = match body {
        Rejected::Flow(flow) => (None, None, flow.messages()),
        Rejected::Envelope(env) => (
            env.error.id.clone(),
            env.error.reason.clone().or_else(|| Some(env.error.message.clone())),
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
    Flow(&'a AnyFlow),
    Envelope(&'a ErrorResponse),
    Nothing,
}

/// The answer to creating a flow (`GET /self-service/<kind>/api`): the flow, or why not.
pub(crate) enum Created {
    Flow(AnyFlow),
    Refused(SendCode),
}

pub(crate) fn flow_created(kind: FlowKind, reply: &Reply) -> Result<Created, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) if is_success(reply.status) => Ok(Created::Flow(flow)),
        Decoded::RateLimited(secs) => Ok(Created::Refused(SendCode::RateLimited {
            retry_after_seconds: secs,
        })),
        // Reference §6: creating a flow with a session answers 400 session_already_available.
        Decoded::Envelope(env) if env.error.id.as_deref() == Some(error_id::SESSION_ALREADY_AVAILABLE) => {
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
pub(crate) enum Fetched {
    Flow(AnyFlow),
    NotFound,
    /// 410: the flow expired. A GET names no replacement flow.
    Expired,
    RateLimited(Option<u32>),
    Refused(Rejection),
}

pub(crate) fn flow_fetched(kind: FlowKind, flow_id: &str, reply: &Reply) -> Result<Fetched, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) if is_success(reply.status) => Ok(Fetched::Flow(flow)),
        Decoded::RateLimited(secs) => Ok(Fetched::RateLimited(secs)),
        // Reference §6: unknown and malformed ids are both 404 on GET.
        Decoded::Envelope(_) if reply.status == 404 => Ok(Fetched::NotFound),
        Decoded::Envelope(env) if is_expired(&env) => Ok(Fetched::Expired),
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

fn is_expired(env: &ErrorResponse) -> bool {
    env.error.id.as_deref() == Some(error_id::SELF_SERVICE_FLOW_EXPIRED) || env.error.code == 410
}

/// The answer to a send or resend (reference §6, login rows 2–4 and registration rows 2–4).
pub(crate) fn code_sent(kind: FlowKind, flow_id: &str, submitted: &str, reply: &Reply) -> Result<SendCode, Error> {
    match decode::<IgnoredAny>(reply, kind)? {
        Decoded::Flow(flow) => Ok(send_outcome(flow, submitted, reply.status)),
        Decoded::RateLimited(secs) => Ok(SendCode::RateLimited {
            retry_after_seconds: secs,
        }),
        Decoded::Envelope(env) => Ok(send_refusal(kind, flow_id, reply.status, &env)),
        Decoded::Success(_) | Decoded::NoContent => Err(Error::protocol(
            Some(reply.status),
            &reply.target,
            "sending a code did not return a flow",
        )),
    }
}

fn send_outcome(flow: AnyFlow, submitted: &str, status: u16) -> SendCode {
    let kind = flow.kind();
    let sent_ids: &[u32] = match kind {
        FlowKind::Login => &[msg::LOGIN_CODE_SENT, msg::LOGIN_CODE_SENT_MFA],
        FlowKind::Registration => &[msg::REGISTRATION_CODE_SENT],
    };
    let flow_id = flow.id().to_owned();
    if flow.state() == State::SentEmail && flow.has_message(sent_ids) {
        let identifier = flow.address().map(str::to_owned).unwrap_or_else(|| normalize(submitted));
        return SendCode::CodeSent {
            flow_id,
            flow_kind: kind,
            identifier,
            expires_at: flow.expires_at().to_owned(),
            messages: flow.messages(),
        };
    }
    let messages = flow.messages();
    if flow.has_message(&[msg::ACCOUNT_NOT_FOUND_OR_NO_CODE]) {
        return SendCode::AccountNotFound { flow_id, flow_kind: kind, messages };
    }
    if flow.has_message(&[msg::INVALID_EMAIL, msg::INVALID_PHONE, msg::REQUIRED_PROPERTY]) {
        return SendCode::InvalidIdentifier { flow_id, flow_kind: kind, messages };
    }
    // Reference §6, login "Session already available: submit": a 400 flow with 4000001.
    if flow.has_generic_reason("valid session was detected") {
        return SendCode::SessionAlreadyAvailable { flow_id: Some(flow_id), flow_kind: kind, messages };
    }
    SendCode::Rejected(rejection(Some(&flow_id), kind, status, Rejected::Flow(&flow)))
}

fn send_refusal(kind: FlowKind, flow_id: &str, status: u16, env: &ErrorResponse) -> SendCode {
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
        _ => SendCode::Rejected(rejection(Some(flow_id), kind, status, Rejected::Envelope(env))),
    }
}

/// What a 410 on a code submit means. Kratos v26.2.0 and earlier answer an expired *code* with
/// the same 410 `self_service_flow_expired` as an expired *flow*; only a look at the old flow
/// tells them apart, which the client does when it sees [`Verified::Expired410`].
pub(crate) enum Verified {
    Outcome(VerifyCode),
    Expired410 { new_flow_id: Option<String> },
}

/// The answer to a code submit (reference §6, login rows 5–14, registration rows 5–15).
pub(crate) fn code_verified(kind: FlowKind, flow_id: &str, reply: &Reply) -> Result<Verified, Error> {
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
    let LoginSuccess { session_token, mut session, .. } = ok;
    match session.identity.take() {
        Some(identity) => VerifyCode::SignedIn {
            flow_kind: FlowKind::Login,
            session_token,
            session: Box::new(session),
            identity: Box::new(identity),
        },
        // Reference §6: the identity is null when the session's AAL is below what whoami
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
    let RegistrationSuccess { session_token, session, identity, .. } = ok;
    match session {
        Some(session) => VerifyCode::SignedIn {
            flow_kind: FlowKind::Registration,
            session_token,
            session: Box::new(session),
            identity: Box::new(identity),
        },
        None => VerifyCode::Registered { identity: Box::new(identity) },
    }
}

fn verify_refusal<T>(kind: FlowKind, flow_id: &str, reply: &Reply, decoded: Decoded<T>) -> Result<Verified, Error> {
    let status = reply.status;
    let outcome = match decoded {
        Decoded::Flow(flow) => verify_flow_refusal(flow_id, flow, status),
        Decoded::RateLimited(secs) => VerifyCode::RateLimited { retry_after_seconds: secs },
        Decoded::Envelope(env) if is_expired(&env) => {
            return Ok(Verified::Expired410 { new_flow_id: env.use_flow_id.clone() });
        }
        Decoded::Envelope(_) if status == 404 => VerifyCode::FlowNotFound {
            flow_id: flow_id.to_owned(),
            flow_kind: kind,
        },
        Decoded::Envelope(env) => VerifyCode::Rejected(rejection(Some(flow_id), kind, status, Rejected::Envelope(&env))),
        Decoded::Success(_) | Decoded::NoContent => VerifyCode::Rejected(rejection(Some(flow_id), kind, status, Rejected::Nothing)),
    };
    Ok(Verified::Outcome(outcome))
}

fn verify_flow_refusal(submitted_id: &str, flow: AnyFlow, status: u16) -> VerifyCode {
    let kind = flow.kind();
    let flow_id = submitted_id.to_owned();
    let messages = flow.messages();
    if flow.has_message(&[msg::LOGIN_CODE_INVALID, msg::REGISTRATION_CODE_INVALID]) {
        return VerifyCode::InvalidCode { flow_id, flow_kind: kind, messages };
    }
    // 4000001 carries several refusals; its reason tells them apart (reference §6, §8).
    if flow.has_generic_reason("submitted too often") {
        return VerifyCode::TooManyAttempts { flow_id, flow_kind: kind, messages };
    }
    if flow.has_generic_reason("already used") {
        return VerifyCode::InvalidCode { flow_id, flow_kind: kind, messages };
    }
    if flow.has_message(&[msg::DUPLICATE_CREDENTIALS, msg::DUPLICATE_CREDENTIALS_HINT]) {
        return VerifyCode::AccountExists { flow_id, flow_kind: kind, messages };
    }
    // A replacement flow that says the old one expired (what a browser is redirected to).
    if flow.has_message(&[msg::LOGIN_FLOW_EXPIRED, msg::REGISTRATION_FLOW_EXPIRED]) {
        let new_flow_id = (flow.id() != flow_id).then(|| flow.id().to_owned());
        return VerifyCode::FlowExpired { flow_id, flow_kind: kind, new_flow_id, messages };
    }
    VerifyCode::Rejected(rejection(Some(&flow_id), kind, status, Rejected::Flow(&flow)))
}

/// The answer to `GET /sessions/whoami` (reference §10).
pub(crate) fn whoami(reply: &Reply) -> Result<Whoami, Error> {
    match decode::<Session>(reply, FlowKind::Login)? {
        Decoded::Success(session) => Ok(Whoami::Active { session: Box::new(session) }),
        Decoded::RateLimited(secs) => Ok(Whoami::RateLimited { retry_after_seconds: secs }),
        Decoded::Envelope(env) if matches!(reply.status, 401 | 403) => Ok(Whoami::Unauthorized { error_id: env.error.id }),
        _ => Err(Error::protocol(Some(reply.status), &reply.target, "whoami returned neither a session nor 401")),
    }
}

/// The answer to `DELETE /self-service/logout/api` (reference §10).
pub(crate) fn logout(reply: &Reply) -> Result<Logout, Error> {
    match decode::<IgnoredAny>(reply, FlowKind::Login)? {
        Decoded::NoContent => Ok(Logout::LoggedOut),
        Decoded::RateLimited(secs) => Ok(Logout::RateLimited { retry_after_seconds: secs }),
        Decoded::Envelope(_) if matches!(reply.status, 401 | 403) => Ok(Logout::UnknownSession),
        _ => Err(Error::protocol(Some(reply.status), &reply.target, "logout returned neither 204 nor 403")),
    }
}

/// Kratos lowercases an identifier that contains `@` (reference §3).
pub(crate) fn normalize(identifier: &str) -> String {
    let trimmed = identifier.trim();
    if trimmed.contains('@') {
        trimmed.to_lowercase()
    } else {
        trimmed.to_owned()
    }
}
