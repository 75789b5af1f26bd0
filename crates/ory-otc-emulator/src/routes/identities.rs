//! Admin identities: list (with `credentials_identifier`), get, create (docs/kratos-protocol.md §1, §10).

use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, LOCATION};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ory_otc_protocol::body::CreateIdentityBody;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, Error};
use crate::flows;
use crate::http::{self, Req};
use crate::records::{IdentityRec, NewIdentity};
use crate::schema;
use crate::state::AppState;
use crate::views::{self, IdentityView};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/identities", get(list).post(create))
        .route("/admin/identities/{id}", get(get_one).delete(delete_one))
}

/// Which credential configs to show (`include_credential`).
fn view(req: &Req) -> Result<IdentityView, ApiError> {
    let mut view = IdentityView::Admin;
    let query = req.uri.query().unwrap_or("");
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != "include_credential" {
            continue;
        }
        match v.as_ref() {
            "code" => view = IdentityView::AdminWithConfig,
            "password" | "oidc" | "totp" | "lookup_secret" | "webauthn" | "passkey" | "saml"
            | "link_recovery" | "code_recovery" | "profile" => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid value `{other}` for parameter `include_credential`."
                )))
            }
        }
    }
    Ok(view)
}

/// docs/kratos-protocol.md §10 "Identity list with credentials_identifier": an array, `[]` without a match;
/// filters cannot be combined.
async fn list(State(state): State<AppState>, req: Req) -> Response {
    let filters = [
        "ids",
        "organization_id",
        "credentials_identifier",
        "preview_credentials_identifier_similar",
    ];
    let used = filters.iter().filter(|f| !req.query(f).is_empty()).count();
    if used > 1 {
        return flows::envelope(
            &req,
            ApiError::bad_request("You cannot combine multiple filters in this API"),
        );
    }
    let view = match view(&req) {
        Ok(v) => v,
        Err(e) => return flows::envelope(&req, e),
    };
    let exact = req.query("credentials_identifier");
    let similar = req.query("preview_credentials_identifier_similar");
    let ids: Vec<String> = form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.into_owned())
        .collect();
    for id in &ids {
        if Uuid::parse_str(id).is_err() {
            return flows::envelope(
                &req,
                ApiError::bad_request(format!("Invalid UUID value `{id}` for parameter `ids`.")),
            );
        }
    }
    let store = state.store.lock();
    let matches = |i: &IdentityRec| -> bool {
        if !exact.is_empty() {
            return i
                .code_identifiers
                .contains(&schema::normalize_email(&exact));
        }
        if !similar.is_empty() {
            return i
                .code_identifiers
                .iter()
                .any(|c| c.starts_with(&schema::normalize_email(&similar)));
        }
        if !ids.is_empty() {
            return ids.contains(&i.id.to_string());
        }
        true
    };
    // Kratos pages identities by id (keyset pagination), so the list is in id order.
    let mut found: Vec<&IdentityRec> = store
        .identity_order
        .iter()
        .filter_map(|id| store.identities.get(id))
        .filter(|i| matches(i))
        .collect();
    found.sort_by_key(|i| i.id);
    let out: Vec<_> = found
        .into_iter()
        .map(|i| views::identity(&state.urls, i, view))
        .collect();
    drop(store);
    http::json(StatusCode::OK, &out)
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>, req: Req) -> Response {
    let view = match view(&req) {
        Ok(v) => v,
        Err(e) => return flows::envelope(&req, e),
    };
    let id = Uuid::parse_str(&id).unwrap_or(Uuid::nil());
    let found = state
        .store
        .lock()
        .identities
        .get(&id)
        .map(|i| views::identity(&state.urls, i, view));
    match found {
        Some(i) => http::json(StatusCode::OK, &i),
        None => flows::envelope(&req, ApiError::not_found_resource()),
    }
}

/// `DELETE /admin/identities/{id}`: 204, its sessions gone with it; 404 when unknown.
async fn delete_one(State(state): State<AppState>, Path(id): Path<String>, req: Req) -> Response {
    let id = Uuid::parse_str(&id).unwrap_or(Uuid::nil());
    if state.delete_identity(id) {
        return axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT);
    }
    flows::envelope(&req, ApiError::not_found_resource())
}

/// docs/kratos-protocol.md §10 "Create identity": strict JSON, 201 with `Location`, 409 on duplicates.
async fn create(State(state): State<AppState>, req: Req) -> Response {
    let body: CreateIdentityBody = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        // herodot's 400 with the decoder's error as `message` and no reason.
        Err(e) => {
            return flows::envelope(
                &req,
                ApiError::new(StatusCode::BAD_REQUEST).with_message(go_decode_error(&e)),
            )
        }
    };
    if let Some(s) = body.state.as_deref() {
        if s != "active" && s != "inactive" {
            return flows::envelope(
                &req,
                ApiError::bad_request(format!("identity state is not valid: {s}")),
            );
        }
    }
    let verified: Vec<String> = body
        .verifiable_addresses
        .iter()
        .flatten()
        .filter(|a| a.get("verified").and_then(Value::as_bool) == Some(true))
        .filter_map(|a| a.get("value").and_then(Value::as_str))
        .map(schema::normalize_email)
        .collect();
    let new = NewIdentity {
        traits: body.traits,
        traits_last: Vec::new(),
        state: body.state,
        metadata_public: body.metadata_public,
        metadata_admin: body.metadata_admin,
        external_id: body.external_id,
        organization_id: body.organization_id,
        verified,
    };
    match state.add_identity(new) {
        Ok(rec) => {
            // `urlx.AppendPaths(SelfAdminURL, "identities", id)`: no `/admin` prefix.
            let location = state.urls.admin(&format!("/identities/{}", rec.id));
            let mut res = http::json(
                StatusCode::CREATED,
                &views::identity(&state.urls, &rec, IdentityView::Created),
            );
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(LOCATION, v);
            }
            res
        }
        Err(Error::DuplicateIdentity) => {
            let err = ApiError::new(StatusCode::CONFLICT)
                .with_reason("This identity conflicts with another identity that already exists.");
            flows::envelope(&req, err)
        }
        // source notes C16: 400 whose reason is the validator's error text.
        Err(Error::InvalidTraits(reason)) => flows::envelope(&req, ApiError::bad_request(reason)),
        Err(e) => flows::envelope(&req, ApiError::bad_request(e.to_string())),
    }
}

/// Phrases serde's strict-decoding errors like Go's `encoding/json` (`json: unknown field "x"`).
fn go_decode_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some(name) = rest.split('`').next() {
            return format!("json: unknown field \"{name}\"");
        }
    }
    if msg.starts_with("missing field `traits`") {
        return "json: missing field \"traits\"".into();
    }
    http::go_json_error(e)
}
