//! Sessions: `/sessions/whoami` and native logout (reference §1, §10).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete};
use axum::Router;
use ory_otc_protocol::session::AUTHENTICATED_IDENTITY_HEADER;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::http::{self, Req};
use crate::state::{AppState, SessionRec, Store};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        // The whoami handler answers every method (reference §1).
        .route("/sessions/whoami", any(whoami))
        .route("/self-service/logout/api", delete(logout_api))
}

const SESSION_COOKIE: &str = "ory_kratos_session";

impl AppState {
    /// `ManagerHTTP.extractToken`: `X-Session-Token`, then the session cookie, then
    /// `Authorization: Bearer`.
    pub(crate) fn session_token(&self, store: &Store, req: &Req) -> Option<String> {
        if let Some(t) = req.header("x-session-token").filter(|t| !t.is_empty()) {
            return Some(t.to_owned());
        }
        if let Some(token) = req
            .cookie(SESSION_COOKIE)
            .and_then(|v| store.session_cookies.get(&v).cloned())
        {
            return Some(token);
        }
        let auth = req.header("authorization")?;
        let (scheme, token) = auth.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .then(|| token.trim().to_owned())
    }

    /// The request's active session, if any (`FetchFromRequest`).
    pub(crate) fn session_from_request(
        &self,
        store: &Store,
        req: &Req,
        now: OffsetDateTime,
    ) -> Option<SessionRec> {
        let token = self.session_token(store, req)?;
        store.active_session(&token, now).cloned()
    }
}

/// reference §10 "whoami": 200 session JSON with `X-Kratos-Authenticated-Identity-Id`, or 401
/// without an error id.
async fn whoami(State(state): State<AppState>, req: Req) -> Response {
    let store = state.0.store.lock();
    let Some(session) = state.session_from_request(&store, &req, state.0.now()) else {
        drop(store);
        let err = ApiError::new(StatusCode::UNAUTHORIZED)
            .with_reason("No valid session credentials found in the request.");
        return state.envelope(&req, err);
    };
    let body = state.0.session_json(&store, &session);
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
        Err(e) => return state.envelope(&req, ApiError::bad_request(e.0)),
    };
    let token = body
        .get("session_token")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut store = state.0.store.lock();
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
            state.envelope(&req, err)
        }
    }
}
