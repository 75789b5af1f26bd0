//! What login and registration share: new flows, CSRF and the API-flow guard, flow JSON
//! responses, and Kratos's flow error writer (`WriteFlowError`, docs/kratos-protocol.md §5 "How a flow error is
//! rendered").

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ory_otc_protocol::error::id as error_id;
use ory_otc_protocol::flow::FlowType;
use ory_otc_protocol::ui::Text;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::{minutes_between, rfc3339};
use crate::config::KratosVersion;
use crate::csrf;
use crate::error::ApiError;
use crate::http::{self, Req};
use crate::nodes;
use crate::records::{Flow, FlowKind, Store, Transient};
use crate::state::AppState;
use crate::text;
use crate::views;

/// Why a submit did not go through, before it is rendered.
#[derive(Debug)]
pub(crate) enum FlowErr {
    /// Schema-style validation messages: `(node name, message)`, `""` meaning `ui.messages`.
    Messages(Vec<(String, Text)>),
    /// A herodot error: 400s become 4000001 on the flow, other statuses are forwarded.
    Api(ApiError),
    /// The flow (or, in v26.2.0, the code) expired at this time.
    Expired(OffsetDateTime),
}

impl FlowErr {
    pub fn form(message: Text) -> Self {
        FlowErr::Messages(vec![(String::new(), message)])
    }

    pub fn field(field: &str, message: Text) -> Self {
        FlowErr::Messages(vec![(field.to_owned(), message)])
    }

    pub fn bad_request(reason: &str) -> Self {
        FlowErr::Api(ApiError::bad_request(reason))
    }
}

/// `flow.EnsureCSRF` (docs/kratos-protocol.md §2): the API-flow guard, or the browser token check.
pub(crate) fn ensure_csrf(
    state: &AppState,
    req: &Req,
    flow_type: FlowType,
    sent: Option<&str>,
) -> Result<(), FlowErr> {
    match flow_type {
        FlowType::Api => {
            if req.header("origin").is_some_and(|o| !o.is_empty()) {
                return Err(FlowErr::bad_request(text::reason::ORIGIN_ON_API_FLOW));
            }
            let found: Vec<String> = req
                .cookies()
                .into_iter()
                .map(|(name, _)| name)
                .filter(|n| {
                    !n.starts_with("__cf") && !n.starts_with("_cf") && !n.starts_with("cf_")
                })
                .collect();
            if !found.is_empty() {
                let err = ApiError::bad_request(text::reason::COOKIE_ON_API_FLOW)
                    .with_detail("found cookies", json!(found));
                return Err(FlowErr::Api(err));
            }
            Ok(())
        }
        FlowType::Browser => {
            let ok = state
                .csrf_secret(req)
                .is_some_and(|s| csrf::verify(&s, sent.unwrap_or("")));
            if ok {
                Ok(())
            } else {
                Err(FlowErr::Api(csrf_violation(state, req)))
            }
        }
    }
}

/// `nosurfx.CSRFErrorReason`: the 403 `security_csrf_violation` with its hint and reason.
pub(crate) fn csrf_violation(state: &AppState, req: &Req) -> ApiError {
    const NO_COOKIE: &str = "The HTTP Cookie Header is empty or not set.";
    const COOKIE_MISSING: &str =
        "The HTTP Cookie Header was set but did not include the anti-CSRF cookie.";
    const TOKEN_NOT_SENT: &str = "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).";
    const MISMATCH: &str = "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.";
    const AJAX: &str = "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded.";
    const SERVER: &str = "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly.";

    let base = ApiError::new(StatusCode::FORBIDDEN)
        .with_id(error_id::SECURITY_CSRF_VIOLATION)
        .with_message("the request was rejected to protect you from Cross-Site-Request-Forgery")
        .with_reason("Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.");
    if state.version() == KratosVersion::V1_3_1 {
        // v1.3.1 builds these errors as package variables on herodot v0.10.3, whose
        // value-receiver `WithDetail` writes into the map it shares with the error it copies:
        // after package init that one map holds the old docs URL, the last hint and the last
        // reject reason, so every CSRF violation shows the same details (herodot v0.10.8, in
        // v26.2.0, clones the map; see docs/kratos-source-notes.md).
        return base
            .with_detail("docs", json!("https://www.ory.sh/kratos/docs/debug/csrf"))
            .with_detail("hint", json!(TOKEN_NOT_SENT))
            .with_detail("reject_reason", json!(MISMATCH));
    }
    let docs = match state.version() {
        KratosVersion::Latest => "https://www.ory.com/docs/troubleshooting/csrf",
        _ => "https://www.ory.sh/kratos/docs/debug/csrf",
    };
    let base = base.with_detail("docs", json!(docs));
    let ajax = matches!(req.header("sec-fetch-mode"), Some("cors" | "same-origin"));
    let hinted = |e: ApiError| e.with_detail("hint", json!(if ajax { AJAX } else { SERVER }));
    if req.header("cookie").unwrap_or("").is_empty() {
        return hinted(base).with_detail("reject_reason", json!(NO_COOKIE));
    }
    if req.cookie(&state.urls.csrf_cookie).is_none() {
        return hinted(base).with_detail("reject_reason", json!(COOKIE_MISSING));
    }
    if !req
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json")
    {
        let form_token = crate::http::decode_fields(req, &["POST", "PUT", "PATCH", "GET"])
            .ok()
            .and_then(|f| f.string("csrf_token"))
            .unwrap_or_default();
        if form_token.is_empty() && req.header("x-csrf-token").unwrap_or("").is_empty() {
            return base.with_detail("hint", json!(TOKEN_NOT_SENT));
        }
    }
    hinted(base).with_detail("reject_reason", json!(MISMATCH))
}

/// A flow as JSON.
pub(crate) fn flow_json(flow: &Flow, status: StatusCode, transient: Transient) -> Response {
    match flow.kind {
        FlowKind::Login => http::json(status, &views::login_flow(flow, transient)),
        FlowKind::Registration => http::json(status, &views::registration_flow(flow, transient)),
    }
}

/// A herodot envelope for this request (`error.request` echoes `X-Request-ID`).
pub(crate) fn envelope(req: &Req, err: ApiError) -> Response {
    err.with_request(req.request_id()).into_response()
}

/// `errorx.Manager.Forward`: JSON requests get the envelope, browsers the error UI.
pub(crate) fn forward_error(state: &AppState, req: &Req, err: ApiError) -> Response {
    if req.is_json() || req.accepts_json() {
        return envelope(req, err);
    }
    let to = state.error_ui_url(&err);
    http::redirect(&req.method, StatusCode::SEE_OTHER, &to)
}

/// The error handler's `forward` when the flow is unknown (`f == nil`).
pub(crate) fn nil_flow_error(state: &AppState, req: &Req, err: ApiError) -> Response {
    if req.is_json() {
        return envelope(req, err);
    }
    forward_error(state, req, err)
}

/// The error handler's `forward` for a known flow: API flows always get the envelope.
fn forward_flow_error(state: &AppState, req: &Req, flow_type: FlowType, err: ApiError) -> Response {
    match flow_type {
        FlowType::Api => envelope(req, err),
        FlowType::Browser => forward_error(state, req, err),
    }
}

/// Kratos's `ErrorHandler.WriteFlowError` for login and registration. `flow` carries the
/// strategy's changes (the CSRF node, values); it is saved unless the error is forwarded.
pub(crate) fn write_flow_error(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    err: FlowErr,
) -> Response {
    let now = state.now();
    let messages = match err {
        FlowErr::Expired(expired_at) => {
            return replace_expired(state, store, req, &flow, expired_at)
        }
        FlowErr::Messages(m) => m,
        FlowErr::Api(e) => {
            let disabled = e.body.error.id.as_deref() == Some("identity_disabled");
            if disabled && state.version() == KratosVersion::Latest {
                vec![(String::new(), text::account_disabled())]
            } else if e.status == StatusCode::BAD_REQUEST {
                vec![(String::new(), text::generic(e.reason()))]
            } else {
                return forward_flow_error(state, req, flow.flow_type, e);
            }
        }
    };
    flow.ui.messages.clear();
    nodes::reset_messages(&mut flow.ui.nodes);
    for (field, message) in messages {
        if field.is_empty() {
            flow.ui.messages.push(message);
        } else {
            nodes::add_field_message(&mut flow.ui.nodes, &field, message);
        }
    }
    match flow.kind {
        FlowKind::Login => nodes::sort_login(&mut flow.ui.nodes),
        FlowKind::Registration => nodes::sort_registration(
            &mut flow.ui.nodes,
            &state.schema.keys,
            state.version() == KratosVersion::V1_3_1,
        ),
    }
    flow.updated_at = now;
    store.flows.insert(flow.id, flow.clone());
    if flow.flow_type == FlowType::Browser && !req.is_json() {
        // docs/kratos-protocol.md §2: login redirects with 303, registration with 302.
        let status = match flow.kind {
            FlowKind::Login => StatusCode::SEE_OTHER,
            FlowKind::Registration => StatusCode::FOUND,
        };
        return http::redirect(&req.method, status, &state.flow_ui_url(&flow));
    }
    // The handler re-reads the flow, so values Kratos does not persist are gone.
    flow_json(&flow, StatusCode::BAD_REQUEST, Transient::default())
}

/// `PrepareReplacementForExpiredFlow` plus its response (docs/kratos-protocol.md §6 "Flow expired").
fn replace_expired(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    old: &Flow,
    expired_at: OffsetDateTime,
) -> Response {
    let now = state.now();
    let mut fresh = match old.kind {
        FlowKind::Login => crate::routes::login::build_flow(state, req, old.flow_type),
        FlowKind::Registration => {
            crate::routes::registration::build_flow(state, req, old.flow_type)
        }
    };
    fresh.request_url = old.request_url.clone();
    fresh.ui.messages.push(match old.kind {
        FlowKind::Login => text::login_flow_expired(expired_at, now),
        FlowKind::Registration => text::registration_flow_expired(expired_at, now),
    });
    let fresh_id = fresh.id;
    let location = state.flow_ui_url(&fresh);
    store.insert_flow(fresh, state.config.max_flows);
    if old.flow_type == FlowType::Api || req.is_json() {
        let since = now - expired_at;
        let mut err = ApiError::new(StatusCode::GONE)
            .with_id(error_id::SELF_SERVICE_FLOW_EXPIRED)
            .with_message("self-service flow expired")
            .with_reason(format!(
                "The self-service flow expired {:.2} minutes ago, initialize a new one.",
                minutes_between(expired_at, now)
            ));
        err.body.expired_at = Some(rfc3339(expired_at));
        err.body.since = Some(i64::try_from(since.whole_nanoseconds()).unwrap_or(i64::MAX));
        err.body.use_flow_id = Some(fresh_id.to_string());
        // source notes C6: ExpiredError is written as-is, so no `error.request` echo.
        return err.into_response();
    }
    http::redirect(&req.method, StatusCode::SEE_OTHER, &location)
}

/// The 410 of `GET …/flows?id=` for an expired flow (docs/kratos-protocol.md §6, login and registration).
pub(crate) fn expired_get_error(state: &AppState, flow: &Flow) -> ApiError {
    let (name, init_browser, init_api) = match flow.kind {
        FlowKind::Login => (
            "login",
            "/self-service/login/browser",
            "/self-service/login/api",
        ),
        FlowKind::Registration => (
            "registration",
            "/self-service/registration/browser",
            "/self-service/registration/api",
        ),
    };
    let base = ApiError::new(StatusCode::GONE).with_id(error_id::SELF_SERVICE_FLOW_EXPIRED);
    match flow.flow_type {
        FlowType::Browser => {
            let return_to = flow.return_to().unwrap_or_default();
            let mut redirect_to = state.urls.public(init_browser);
            if !return_to.is_empty() {
                redirect_to = http::append_query(&redirect_to, "return_to", &return_to);
            }
            base.with_reason(format!(
                "The {name} flow has expired. Redirect the user to the {name} flow init endpoint to initialize a new {name} flow."
            ))
            .with_detail("redirect_to", json!(redirect_to))
            .with_detail("return_to", json!(return_to))
        }
        FlowType::Api => base
            .with_reason(format!(
                "The {name} flow has expired. Call the {name} flow init API endpoint to initialize a new {name} flow."
            ))
            .with_detail("api", json!(state.urls.public(init_api))),
    }
}

/// Whether `flow` has expired at `now` (`Flow.Valid`).
pub(crate) fn is_expired(flow: &Flow, now: OffsetDateTime) -> bool {
    flow.expires_at < now
}

/// `nosurf.VerifyToken(GenerateCSRFToken(r), flow.CSRFToken)`.
pub(crate) fn csrf_matches(state: &AppState, req: &Req, flow: &Flow) -> bool {
    state
        .csrf_secret(req)
        .is_some_and(|s| crate::csrf::verify(&s, &flow.csrf_token))
}

/// `GET /self-service/{login,registration}/flows?id=` (docs/kratos-protocol.md §1, §6): an unknown or malformed
/// id → 404, then the CSRF check of a browser flow, then 410 for an expired flow, else 200.
pub(crate) fn get_flow(state: &AppState, req: &Req, kind: FlowKind) -> Response {
    let id = Uuid::parse_str(&req.query("id")).unwrap_or(Uuid::nil());
    let flow = state
        .store
        .lock()
        .flows
        .get(&id)
        .filter(|f| f.kind == kind)
        .cloned();
    let Some(flow) = flow else {
        return envelope(req, ApiError::not_found_resource());
    };
    if flow.flow_type == FlowType::Browser && !csrf_matches(state, req, &flow) {
        return envelope(req, csrf_violation(state, req));
    }
    if is_expired(&flow, state.now()) {
        return envelope(req, expired_get_error(state, &flow));
    }
    flow_json(&flow, StatusCode::OK, Transient::default())
}
