//! `GET /self-service/errors?id=`, where browsers land after a forwarded error, and the identity
//! schema at `/schemas/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::flows;
use crate::http::{self, Req};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/self-service/errors", get(get_error))
        .route("/schemas/{id}", get(get_schema))
}

/// `errorx.ErrorContainer`.
#[derive(Serialize)]
struct ErrorContainer {
    id: String,
    error: Value,
    created_at: String,
    updated_at: String,
}

async fn get_error(State(state): State<AppState>, req: Req) -> Response {
    let id = Uuid::parse_str(&req.query("id")).unwrap_or(Uuid::nil());
    let found = state.errors.lock().get(&id).cloned();
    match found {
        Some((error, at)) => http::json(
            StatusCode::OK,
            &ErrorContainer {
                id: id.to_string(),
                error,
                created_at: rfc3339(at),
                updated_at: rfc3339(at),
            },
        ),
        None => flows::envelope(&req, ApiError::not_found_resource()),
    }
}

async fn get_schema(State(state): State<AppState>, Path(id): Path<String>, req: Req) -> Response {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_bytes())
        .ok();
    let wanted = state.schema.id.as_bytes();
    if decoded.as_deref() != Some(wanted) && id.as_bytes() != wanted {
        return flows::envelope(&req, ApiError::not_found_resource());
    }
    // The document as configured, so its key order (the form's order) is kept.
    let mut res = Response::new(axum::body::Body::from(state.schema.text.clone()));
    let content_type = match state.version() {
        crate::config::KratosVersion::V1_3_1 => "application/json",
        _ => "application/json; charset=utf-8",
    };
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    res
}
