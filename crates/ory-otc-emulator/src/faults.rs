//! Fault injection for reliability tests: a middleware that, for requests matching a fault,
//! delays, refuses, mangles or never answers them.
//!
//! A fault without a route applies to every public route; admin routes are faulted only by a
//! fault whose route names them, so tests can still read codes and set faults. The emulator's
//! own control routes (`/admin/emulator/…`) are never faulted.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{stream, StreamExt as _};
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::state::AppState;

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// Matches paths starting with this, e.g. `/self-service/login`.
    pub path_prefix: String,
    /// Matches only this method (case-insensitive) when set.
    pub method: Option<String>,
}

impl RouteMatch {
    pub fn prefix(path_prefix: impl Into<String>) -> Self {
        RouteMatch {
            path_prefix: path_prefix.into(),
            method: None,
        }
    }

    pub fn with_method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// What happens to a matching request. "Processed" means the request reaches the emulator
/// and changes its state (a code is mailed, a flow advances) before its response is mangled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Waits this long, then processes the request normally.
    Latency(Duration),
    /// Accepts the request and never answers (not processed). `close()` drops the connection.
    Hang,
    /// Processed; sends the status line and headers, then the body never comes.
    StallBody,
    /// Processed; sends the headers and half of the body, then breaks the connection.
    ResetMidBody,
    /// Not processed: 502 with an HTML page, as a proxy in front of Kratos would answer.
    BadGateway,
    /// Not processed: 500 with a herodot error envelope.
    ServerError,
    /// Not processed: 200 with an HTML body.
    NonJson,
    /// Processed; the JSON body is cut in half (a well-framed response with invalid JSON).
    TruncatedJson,
    /// Not processed: 200 with a JSON body larger than 1 MiB.
    OversizedBody,
    /// Not processed: 429 with `Retry-After` and `x-ratelimit-*` headers.
    RateLimited { retry_after: Duration },
    /// Processed; `ui.action` in the response points at another origin (e.g. `https://evil.test`).
    ForeignAction { origin: String },
    /// Not processed: a redirect (302, 307, …) to `location`, typically another host.
    Redirect { status: u16, location: String },
}

/// A fault: what, where, and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `None` applies to every public (non-`/admin`) route.
    pub route: Option<RouteMatch>,
    pub kind: FaultKind,
    /// Applies to the next `n` matching requests only; `None` until cleared.
    pub times: Option<u32>,
}

impl Fault {
    /// A fault on every public route.
    pub fn global(kind: FaultKind) -> Self {
        Fault {
            route: None,
            kind,
            times: None,
        }
    }

    /// A fault on the routes under `path_prefix`.
    pub fn on(path_prefix: impl Into<String>, kind: FaultKind) -> Self {
        Fault {
            route: Some(RouteMatch::prefix(path_prefix)),
            kind,
            times: None,
        }
    }

    /// Limits the fault to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        match &self.route {
            Some(r) => r.matches(method, path),
            None => !path.starts_with("/admin"),
        }
    }
}

/// Identifies a fault set with `set_fault`, to remove it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(pub u64);

/// The active faults, first match wins.
#[derive(Debug, Default)]
pub struct Faults {
    list: Mutex<Vec<(FaultId, Fault)>>,
    next: AtomicU64,
}

impl Faults {
    pub fn add(&self, fault: Fault) -> FaultId {
        let id = FaultId(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        self.list.lock().push((id, fault));
        id
    }

    pub fn remove(&self, id: FaultId) -> bool {
        let mut list = self.list.lock();
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        before != list.len()
    }

    pub fn clear(&self) {
        self.list.lock().clear();
    }

    pub fn active(&self) -> Vec<(FaultId, Fault)> {
        self.list.lock().clone()
    }

    /// The first fault matching the request, counting one use of it.
    fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut list = self.list.lock();
        let pos = list.iter().position(|(_, f)| f.matches(method, path))?;
        let kind = list[pos].1.kind.clone();
        if let Some(n) = list[pos].1.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                list.remove(pos);
            }
        }
        Some(kind)
    }
}

/// Put into request extensions by the server loop: cancelling it tells the connection task
/// that the request hangs on purpose, so `close()` drops the connection instead of waiting.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnControl {
    pub hung: CancellationToken,
}

pub(crate) const CONTROL_PREFIX: &str = "/admin/emulator";

/// The fault middleware; also counts requests.
pub(crate) async fn middleware(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with(CONTROL_PREFIX) {
        return next.run(req).await;
    }
    state.requests.fetch_add(1, Ordering::Relaxed);
    let Some(kind) = state.faults.take(req.method().as_str(), req.uri().path()) else {
        return next.run(req).await;
    };
    let control = req.extensions().get::<ConnControl>().cloned();
    match kind {
        FaultKind::Latency(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        FaultKind::Hang => {
            mark_hung(control.as_ref());
            std::future::pending::<Response>().await
        }
        FaultKind::StallBody => {
            let res = next.run(req).await;
            mark_hung(control.as_ref());
            let (parts, _) = res.into_parts();
            let body = Body::from_stream(stream::pending::<Result<Bytes, Infallible>>());
            Response::from_parts(parts, body)
        }
        FaultKind::ResetMidBody => {
            let (parts, bytes) = buffer(next.run(req).await).await;
            let half = bytes.slice(..bytes.len() / 2);
            // The pause lets hyper flush the head and the first half before the break.
            let broken = stream::once(async move { Ok::<Bytes, std::io::Error>(half) }).chain(stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected connection reset"))
            }));
            let mut res = Response::from_parts(parts, Body::from_stream(broken));
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            res
        }
        FaultKind::TruncatedJson => {
            let (mut parts, bytes) = buffer(next.run(req).await).await;
            let cut = bytes.len() / 2;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes.slice(..cut)))
        }
        FaultKind::ForeignAction { origin } => {
            let (mut parts, bytes) = buffer(next.run(req).await).await;
            let from = format!("\"action\":\"{}", state.urls.origin);
            let to = format!("\"action\":\"{}", origin.trim_end_matches('/'));
            let body = String::from_utf8_lossy(&bytes).replace(&from, &to);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        FaultKind::BadGateway => bad_gateway(),
        FaultKind::ServerError => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
        FaultKind::NonJson => html(StatusCode::OK, "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be right back.</h1></body></html>"),
        FaultKind::OversizedBody => oversized(),
        FaultKind::RateLimited { retry_after } => rate_limited(retry_after),
        FaultKind::Redirect { status, location } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
            let mut res = Response::new(Body::empty());
            *res.status_mut() = status;
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res
        }
    }
}

fn mark_hung(control: Option<&ConnControl>) {
    if let Some(c) = control {
        c.hung.cancel();
    }
}

async fn buffer(res: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

fn html(status: StatusCode, page: &'static str) -> Response {
    let mut res = Response::new(Body::from(page));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

fn bad_gateway() -> Response {
    html(
        StatusCode::BAD_GATEWAY,
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
    )
}

/// A syntactically valid JSON object of 1 MiB + 1 KiB.
fn oversized() -> Response {
    let padding = "a".repeat(1024 * 1024 + 1024);
    let mut res = Response::new(Body::from(format!("{{\"padding\":\"{padding}\"}}")));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

fn rate_limited(retry_after: Duration) -> Response {
    let secs = retry_after.as_secs().max(1);
    let mut res = ApiError::new(StatusCode::TOO_MANY_REQUESTS).into_response();
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    h.insert("x-ratelimit-limit", HeaderValue::from_static("10"));
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("x-ratelimit-reset", HeaderValue::from(secs));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_fault_spares_admin_routes() {
        let f = Fault::global(FaultKind::BadGateway);
        assert!(f.matches("GET", "/self-service/login/api"));
        assert!(!f.matches("GET", "/admin/courier/messages"));
        let admin = Fault::on("/admin", FaultKind::BadGateway);
        assert!(admin.matches("GET", "/admin/courier/messages"));
    }

    #[test]
    fn a_route_fault_can_require_a_method() {
        let f = Fault {
            route: Some(RouteMatch::prefix("/self-service/login").with_method("post")),
            kind: FaultKind::Hang,
            times: None,
        };
        assert!(f.matches("POST", "/self-service/login"));
        assert!(!f.matches("GET", "/self-service/login/api"));
    }

    #[test]
    fn a_counted_fault_disappears_after_its_uses() {
        let faults = Faults::default();
        faults.add(Fault::global(FaultKind::ServerError).times(2));
        assert!(faults.take("GET", "/x").is_some());
        assert!(faults.take("GET", "/x").is_some());
        assert!(faults.take("GET", "/x").is_none());
    }

    #[test]
    fn removing_one_fault_keeps_the_others() {
        let faults = Faults::default();
        let a = faults.add(Fault::global(FaultKind::ServerError));
        faults.add(Fault::global(FaultKind::NonJson));
        assert!(faults.remove(a));
        assert_eq!(faults.take("GET", "/x"), Some(FaultKind::NonJson));
    }
}
