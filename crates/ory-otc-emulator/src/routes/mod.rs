//! One router per Kratos area, merged by [`crate::app`].

pub(crate) mod control;
pub(crate) mod courier;
pub(crate) mod errors;
pub(crate) mod identities;
pub(crate) mod login;
pub(crate) mod registration;
pub(crate) mod sessions;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// The public routes (self-service, sessions, errors, schemas).
pub(crate) fn public() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(registration::router())
        .merge(sessions::router())
        .merge(errors::router())
}

/// The `/admin` routes, behind the API key when one is configured.
pub(crate) fn admin(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(courier::router())
        .merge(identities::router())
        .merge(control::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ))
}

/// Ory Network's project API key check: `Authorization: Bearer <key>` (derived; the exact
/// 401 body of Ory Network is unconfirmed).
async fn require_api_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = state.config.api_key.as_deref() else {
        return next.run(req).await;
    };
    let presented = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if presented.is_some_and(|p| constant_time_eq(p.as_bytes(), key.as_bytes())) {
        return next.run(req).await;
    }
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let err = ApiError::new(StatusCode::UNAUTHORIZED)
        .with_reason(
            "The request could not be authorized because the API key is missing or invalid.",
        )
        .with_request(request_id);
    axum::response::IntoResponse::into_response(err)
}

/// Public paths whose CSRF cookie nosurf leaves alone (`IgnorePath`/`IgnoreGlob` in Kratos's
/// handlers): API inits, submits, sessions, identities, schemas.
fn csrf_ignored(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/self-service/login/api",
        "/self-service/login",
        "/self-service/registration/api",
        "/self-service/registration",
        "/self-service/verification/api",
        "/self-service/verification",
        "/self-service/settings/api",
        "/self-service/settings",
        "/self-service/recovery/api",
        "/self-service/recovery",
        "/self-service/logout/api",
        "/sessions/whoami",
        "/sessions",
        "/identities",
        "/courier/messages",
    ];
    const PREFIXES: &[&str] = &["/sessions/", "/identities/", "/schemas/"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Paths nosurf is disabled for: no `Vary`, no cookie.
fn csrf_disabled(path: &str) -> bool {
    matches!(
        path,
        "/health/alive" | "/health/ready" | "/version" | "/metrics/prometheus"
    )
}

/// What Kratos's servers wrap around every route (docs/kratos-protocol.md §2):
/// - on the public side, nosurf: `Vary: Cookie`, and a new CSRF cookie (`Set-Cookie`, before
///   the handler's own) whenever the request lacks exactly one well-formed one, except on the
///   paths it ignores; the handler's tokens then come from the new cookie (nosurf's context);
/// - `Cache-Control: private, no-cache, no-store, must-revalidate`: on every GET since v26
///   (`httprouterx.NoCacheNegroni`), on every registered route in v1.3.1 (`x.NoCacheHandle`).
///
/// The emulator's `/admin` paths stand for Kratos's admin port, where nosurf does not run.
pub(crate) async fn kratos_layers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with(crate::faults::CONTROL_PREFIX) {
        return next.run(req).await;
    }
    let public = !path.starts_with("/admin") && !csrf_disabled(&path);
    let is_get = req.method() == axum::http::Method::GET;
    let mut minted = None;
    if public && !csrf_ignored(&path) {
        let name = state.urls.csrf_cookie.clone();
        let found: Vec<String> = cookie_values(req.headers(), &name);
        let well_formed = found.len() == 1 && crate::csrf::parse_secret(&found[0]).is_some();
        if !well_formed {
            let (value, line) = state.new_csrf_cookie_value();
            req.extensions_mut().insert(crate::http::CsrfSent(value));
            minted = Some(line);
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let unrouted = h.remove(ROUTER_404).is_some();
    if state.version() == crate::config::KratosVersion::V1_3_1 {
        // herodot v0.10.3 (v1.3.1) writes no `Ory-Error-Id` header.
        h.remove(ory_otc_protocol::error::ORY_ERROR_ID_HEADER);
    }
    if public {
        h.append(axum::http::header::VARY, HeaderValue::from_static("Cookie"));
    }
    let no_cache = match state.version() {
        crate::config::KratosVersion::V1_3_1 => !unrouted,
        _ => is_get,
    };
    if no_cache && !csrf_disabled(&path) {
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
        );
    }
    if let Some(line) = minted {
        let h = res.headers_mut();
        let later: Vec<HeaderValue> = h
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        h.remove(axum::http::header::SET_COOKIE);
        if let Ok(v) = HeaderValue::from_str(&line) {
            h.append(axum::http::header::SET_COOKIE, v);
        }
        for v in later {
            h.append(axum::http::header::SET_COOKIE, v);
        }
    }
    res
}

/// Marks the router's own 404 (no route matched) for [`kratos_layers`], which removes it.
const ROUTER_404: &str = "x-ory-otc-emulator-unrouted";

fn cookie_values(h: &axum::http::HeaderMap, name: &str) -> Vec<String> {
    h.get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .collect()
}

/// Go's `http.NotFound`, which Kratos's router answers for unknown paths.
pub(crate) async fn not_found() -> Response {
    let mut res = plain(StatusCode::NOT_FOUND, "404 page not found\n");
    res.headers_mut()
        .insert(ROUTER_404, HeaderValue::from_static("1"));
    res
}

/// Go's `ServeMux` answer for a known path with another method.
pub(crate) async fn method_not_allowed() -> Response {
    plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n")
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let mut res = Response::new(axum::body::Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res.headers_mut().insert(
        "x-content-type-options",
        axum::http::HeaderValue::from_static("nosniff"),
    );
    res
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
