//! Sessions: `/sessions/whoami` and native logout (docs/kratos-protocol.md §1, §10).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get};
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
        // The whoami handler answers every method (docs/kratos-protocol.md §1).
        .route("/sessions/whoami", any(whoami))
        .route("/self-service/logout/api", delete(logout_api))
        .route("/self-service/logout/browser", get(logout_browser))
        .route("/self-service/logout", get(logout_submit))
}

/// docs/kratos-protocol.md §10 "whoami": 200 session JSON with `X-Kratos-Authenticated-Identity-Id`, or 401
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

/// docs/kratos-protocol.md §10 "Native logout": 204; 403 for an unknown token; 400 for a bad body.
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

/// `session.NewErrNoActiveSessionFound`: what `FetchFromRequest` fails with in the logout
/// handlers (whoami answers its own 401 instead).
fn no_active_session() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED)
        .with_id("session_inactive")
        .with_message("request does not have a valid authentication session")
        .with_reason("No active session was found in this request.")
}

/// The logout's `return_to`: allowed URLs only, else the logout default
/// (`redir.SecureRedirectTo` with `selfservice.flows.logout.after.default_browser_return_url`).
fn logout_return_to(state: &AppState, req: &Req) -> Result<String, ApiError> {
    let raw = req.query("return_to");
    if raw.is_empty() {
        return Ok(state.urls.logout_return.clone());
    }
    state.secure_return_to(Some(&raw))
}

/// `GET /self-service/logout/browser` (docs/kratos-protocol.md §10): 200 JSON with
/// `logout_url` and `logout_token` for the request's session, whatever `Accept` says; without a
/// session the error goes through the error manager (envelope for JSON, error UI otherwise).
async fn logout_browser(State(state): State<AppState>, req: Req) -> Response {
    let session = {
        let store = state.store.lock();
        state.session_from_request(&store, &req, state.now())
    };
    let Some(session) = session else {
        return flows::forward_error(&state, &req, no_active_session());
    };
    let mut url = http::append_query(
        &state.urls.public("/self-service/logout"),
        "token",
        &session.logout_token,
    );
    if !req.query("return_to").is_empty() {
        match logout_return_to(&state, &req) {
            Ok(to) => url = http::append_query(&url, "return_to", &to),
            Err(e) => return flows::forward_error(&state, &req, e),
        }
    }
    #[derive(serde::Serialize)]
    struct LogoutFlow {
        logout_url: String,
        logout_token: String,
    }
    http::json(
        StatusCode::OK,
        &LogoutFlow {
            logout_url: url,
            logout_token: session.logout_token,
        },
    )
}

/// `GET /self-service/logout?token=` (docs/kratos-protocol.md §10): revokes the cookie's
/// session when the token matches, clears the session cookie, rotates the CSRF cookie, and
/// answers 204 to a JSON request or 303 to the return URL.
async fn logout_submit(State(state): State<AppState>, req: Req) -> Response {
    let expected = req.query("token");
    if expected.is_empty() {
        let err = ApiError::bad_request("Please include a token in the URL query.");
        return flows::forward_error(&state, &req, err);
    }
    let mut store = state.store.lock();
    let Some(session) = state.session_from_request(&store, &req, state.now()) else {
        drop(store);
        return flows::forward_error(&state, &req, no_active_session());
    };
    if session.logout_token != expected {
        drop(store);
        let err = ApiError::new(StatusCode::FORBIDDEN).with_reason(
            "Unable to log out because the logout token in the URL query does not match the session cookie.",
        );
        return flows::forward_error(&state, &req, err);
    }
    if let Some(s) = store.sessions.get_mut(&session.token) {
        s.active = false;
    }
    let token = session.token.clone();
    store.session_cookies.retain(|_, t| *t != token);
    drop(store);
    let mut cookies = vec![state.urls.session_cookie_clearing_line()];
    cookies.extend(state.rotate_csrf(&req));
    let to = match logout_return_to(&state, &req) {
        Ok(to) => to,
        Err(e) => return http::with_cookies(flows::forward_error(&state, &req, e), &cookies),
    };
    let res = if req.is_json() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        http::redirect(&req.method, StatusCode::SEE_OTHER, &to)
    };
    http::with_cookies(res, &cookies)
}
