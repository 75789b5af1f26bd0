//! The emulator's own control routes under `/admin/emulator` (not Kratos): read the newest code
//! of an address, move the clock, set and clear faults. They let the standalone binary be
//! driven over HTTP; they are gated by the API key and never faulted.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::faults::{Fault, FaultKind, RouteMatch};
use crate::flows;
use crate::http::{self, Req};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/emulator/codes", get(code_for))
        .route("/admin/emulator/time", post(advance_time))
        .route(
            "/admin/emulator/faults",
            post(set_fault).delete(clear_faults),
        )
}

/// `GET /admin/emulator/codes?email=a@b.c` → `{"code":"123456"}` or 404.
async fn code_for(State(state): State<AppState>, req: Req) -> Response {
    match state.code_for(&req.query("email")) {
        Some(code) => http::json(StatusCode::OK, &json!({ "code": code })),
        None => flows::envelope(&req, ApiError::not_found_resource()),
    }
}

#[derive(Deserialize)]
struct Advance {
    ms: u64,
}

/// `POST /admin/emulator/time` with `{"ms": 3600000}`.
async fn advance_time(State(state): State<AppState>, req: Req) -> Response {
    match serde_json::from_slice::<Advance>(&req.body) {
        Ok(a) => {
            state.clock.advance(Duration::from_millis(a.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => flows::envelope(&req, ApiError::bad_request(e.to_string())),
    }
}

/// A fault as JSON: `{"kind":"hang","route":"/self-service/login","method":"POST","times":1}`;
/// kinds take `ms`, `retry_after_s`, `origin`, `status` and `location` where they need them.
#[derive(Deserialize)]
pub(crate) struct FaultSpec {
    kind: String,
    route: Option<String>,
    method: Option<String>,
    times: Option<u32>,
    ms: Option<u64>,
    retry_after_s: Option<u64>,
    origin: Option<String>,
    status: Option<u16>,
    location: Option<String>,
}

impl FaultSpec {
    pub(crate) fn into_fault(self) -> Result<Fault, String> {
        let kind = match self.kind.as_str() {
            "latency" => {
                FaultKind::Latency(Duration::from_millis(self.ms.ok_or("latency needs ms")?))
            }
            "hang" | "never_respond" => FaultKind::Hang,
            "stall_body" => FaultKind::StallBody,
            "reset_mid_body" => FaultKind::ResetMidBody,
            "bad_gateway" => FaultKind::BadGateway,
            "server_error" => FaultKind::ServerError,
            "non_json" => FaultKind::NonJson,
            "truncated_json" => FaultKind::TruncatedJson,
            "oversized_body" => FaultKind::OversizedBody,
            "rate_limited" => FaultKind::RateLimited {
                retry_after: Duration::from_secs(self.retry_after_s.unwrap_or(1)),
            },
            "foreign_action" => FaultKind::ForeignAction {
                origin: self.origin.unwrap_or_else(|| "https://evil.example".into()),
            },
            "redirect" => FaultKind::Redirect {
                status: self.status.unwrap_or(302),
                location: self
                    .location
                    .unwrap_or_else(|| "https://elsewhere.example/".into()),
            },
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        let route = self.route.map(|p| RouteMatch {
            path_prefix: p,
            method: self.method,
        });
        Ok(Fault {
            route,
            kind,
            times: self.times,
        })
    }
}

async fn set_fault(State(state): State<AppState>, req: Req) -> Response {
    let spec = serde_json::from_slice::<FaultSpec>(&req.body).map_err(|e| e.to_string());
    match spec.and_then(FaultSpec::into_fault) {
        Ok(fault) => {
            let id = state.faults.add(fault);
            http::json(StatusCode::CREATED, &json!({ "id": id.0 }))
        }
        Err(e) => flows::envelope(&req, ApiError::bad_request(e)),
    }
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}
