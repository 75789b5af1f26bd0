//! Sessions: `/sessions/whoami` and native logout (reference §1, §10).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete};
use axum::Router;
use ory_otc_protocol::session::AUTHENTICATED_IDENTITY_HEADER;
use serde_json::Value;

use crate::error::ApiError;
use crate::flows;
use crate::http::{self, Req};
use crate::state::AppState;
use crate::views;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        // The whoami handler answers every method (reference §1).
        .route("/sessions/whoami", any(whoami))
        .route("/self-service/logout/api", delete(logout_api))
}

/// reference §10 "whoami": 200 session JSON with `X-Kratos-Authenticated-Identity-Id`, or 401
/// without an error id.
async fn whoami(State(state): State<AppState>, req: Req) -> Response {
    let store = state.store.lock();
    let Some(session) = state.session_from_request(&store, &req, state.now()) else {
        drop(store);
        let err = ApiError::new(StatusCode::UNAUTHORIZED)
            .with_reason("No valid session credentials found in the request.");
        return flows::envelope(&req, err);
    };
    let body = views::session(&state.urls, &store, &session);
    drop(store);
    let mut res = http::json(StatusCode::OK, &body);
    if let Ok(v) = HeaderValue::from_str(&session.identity_id.to_string()) {
        res.headers_mut().insert(AUTHENTICATED_IDENTITY_HEADER, v);
    }
    res
}

/// reference §10 "Native logout": 204; 403 for an unknown token; 400 for a bad body.
async fn logout_api(State(state): State<AppState>, req: Req) -> Response {
    let body = match http::decode_json_only(&req, &["DELETE"]) {
        Ok(v) => v,
        Err(e) => return flows::envelope(&req, ApiError::bad_request(e.0)),
    };
    let token = body
        .get("session_token")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut store = state.store.lock();
    match store.sessions.get_mut(token) {
        Some(s) => {
            // Revoking twice is a 204 again (derived: the revoke query matches inactive rows).
            s.active = false;
            StatusCode::NO_CONTENT.into_response()
        }
        None => {
            drop(store);
            let err = ApiError::new(StatusCode::FORBIDDEN)
                .with_reason("The provided Ory Session Token could not be found, is invalid, or otherwise malformed.");
            flows::envelope(&req, err)
        }
    }
}
