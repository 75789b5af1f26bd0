//! `GET /admin/courier/messages` and `GET /admin/courier/messages/{id}` (docs/kratos-protocol.md §1, §10).

use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, LINK};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use uuid::Uuid;

use crate::error::ApiError;
use crate::flows;
use crate::http::{self, Req};
use crate::records::MessageRec;
use crate::state::AppState;
use crate::views;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/courier/messages", get(list))
        .route("/admin/courier/messages/{id}", get(get_one))
}

const STATUSES: [&str; 4] = ["queued", "sent", "processing", "abandoned"];
const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 500;

/// docs/kratos-protocol.md §10 "Courier list": newest first, `recipient` exact, `status` checked, keyset pages
/// of `page_size` (default 10) linked from the `Link` header; subject and body redacted unless
/// dev mode.
async fn list(State(state): State<AppState>, req: Req) -> Response {
    if req.has_query("status") && !STATUSES.contains(&req.query("status").as_str()) {
        let err = ApiError::bad_request("Message status is not valid");
        return flows::envelope(&req, err);
    }
    let size = match req.query("page_size").as_str() {
        "" => DEFAULT_PAGE_SIZE,
        raw => match raw.parse::<usize>() {
            Ok(n) => n.clamp(1, MAX_PAGE_SIZE),
            Err(e) => {
                return flows::envelope(
                    &req,
                    ApiError::bad_request(format!("strconv.Atoi: parsing {raw:?}: {e}")),
                )
            }
        },
    };
    let status = req.query("status");
    let recipient = req.query("recipient");
    let token = req.query("page_token");
    let dev = state.config.dev_mode;
    let store = state.store.lock();
    // Every message stays `queued`, so a status filter other than that matches nothing.
    let matching: Vec<&MessageRec> = store
        .messages
        .iter()
        .rev()
        .filter(|m| recipient.is_empty() || m.recipient == recipient)
        .filter(|_| status.is_empty() || status == "queued")
        .collect();
    let start = match Uuid::parse_str(&token) {
        Ok(after) => matching
            .iter()
            .position(|m| m.id == after)
            .map_or(matching.len(), |p| p + 1),
        Err(_) => 0,
    };
    let page: Vec<_> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|m| views::message(m, dev))
        .collect();
    let next = (start + size < matching.len())
        .then(|| page.last().map(|m| m.id.clone()))
        .flatten();
    drop(store);
    let mut res = http::json(StatusCode::OK, &page);
    let path = req.uri.path();
    let first = format!("<{path}?page_size={size}&page_token=>; rel=\"first\"");
    let link = match next {
        Some(after) => {
            format!("{first},<{path}?page_size={size}&page_token={after}>; rel=\"next\"")
        }
        None => first,
    };
    if let Ok(v) = HeaderValue::from_str(&link) {
        res.headers_mut().insert(LINK, v);
    }
    res
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>, req: Req) -> Response {
    let id = Uuid::parse_str(&id).unwrap_or(Uuid::nil());
    let dev = state.config.dev_mode;
    let message = state
        .store
        .lock()
        .messages
        .iter()
        .find(|m| m.id == id)
        .map(|m| views::message(m, dev));
    match message {
        Some(m) => http::json(StatusCode::OK, &m),
        None => flows::envelope(&req, ApiError::not_found_resource()),
    }
}
