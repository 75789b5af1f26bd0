//! One router per Kratos area, merged by [`crate::app`].

pub(crate) mod control;
pub(crate) mod courier;
pub(crate) mod errors;
pub(crate) mod identities;
pub(crate) mod login;
pub(crate) mod registration;
pub(crate) mod sessions;

use axum::extract::{Request, State};
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

/// Go's `http.NotFound`, which Kratos's router answers for unknown paths.
pub(crate) async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "404 page not found\n")
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
