//! A Kratos-compatible emulator of the one-time-code ("code") method, served over real HTTP on
//! one origin like Ory Network: public self-service routes plus `/admin` routes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ory_otc_emulator::Error> {
//! let emu = ory_otc_emulator::start(ory_otc_emulator::Config::default()).await?;
//! println!("{}", emu.url()); // http://127.0.0.1:<port>
//! // … drive it with an HTTP client, read codes with emu.code_for("a@example.com") …
//! emu.close().await;
//! # Ok(()) }
//! ```
//!
//! What it reproduces is listed in `README.md`; the facts come from Kratos's source and from
//! recordings of real Kratos builds (`tests/kratos/fixtures/`), as `docs/kratos-protocol.md`
//! describes them.

mod clock;
mod config;
pub mod conformance;
mod csrf;
mod error;
mod faults;
mod flows;
mod http;
mod kratos_config;
mod nodes;
mod records;
mod routes;
mod schema;
mod state;
mod text;
mod views;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ory_otc_protocol::courier::CourierMessage;
use ory_otc_protocol::session::Identity;
use parking_lot::Mutex;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

pub use crate::config::{
    Config, CookieSameSite, Cookies, KratosVersion, RegistrationStyle, SeedIdentity, TraitFormat,
    TraitSchema, UiUrls,
};
pub use crate::error::Error;
pub use crate::faults::{Fault, FaultId, FaultKind, RouteMatch};
pub use crate::kratos_config::{parse_go_duration, KratosConfig, KratosConfigSource};
pub use crate::state::AppState;

/// How long `close()` lets a request that is being answered finish.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// The whole emulator as one router: tests can drive it without a socket.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(routes::public())
        .merge(routes::admin(&state))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        // Inside the fault layer, so only deliberate hangs can outlive the timeout.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Kratos's own wrappers (nosurf's cookie and Vary, no-cache), inside the fault layer.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::kratos_layers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::middleware,
        ))
        .with_state(state)
}

/// A running emulator. Dropping it stops the server; [`Emulator::close`] also waits for it.
pub struct Emulator {
    state: AppState,
    url: String,
    addr: SocketAddr,
    api_key: Option<String>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    accept: Mutex<Option<JoinHandle<()>>>,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<AppState>();
};

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key stays out of Debug.
        f.debug_struct("Emulator")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Binds, spawns the server on the current tokio runtime, and returns once it listens.
///
/// # Errors
/// [`Error::Config`] for a configuration Kratos would refuse, [`Error::Bind`] when the address
/// cannot be listened on, and the identity errors of seeded accounts.
pub async fn start(config: Config) -> Result<Emulator, Error> {
    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}/"));
    let api_key = config.api_key.clone();
    let state = AppState::new(config, &base)?;
    let router = app(state.clone());
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let accept = tokio::spawn(accept_loop(
        listener,
        router,
        shutdown.clone(),
        tracker.clone(),
    ));
    Ok(Emulator {
        url: base.trim_end_matches('/').to_owned(),
        addr: local,
        api_key,
        state,
        shutdown,
        tracker,
        accept: Mutex::new(Some(accept)),
    })
}

impl Emulator {
    /// The public origin, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The shared state, for everything below and for [`app`].
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn code_for(&self, email: &str) -> Option<String> {
        self.state.code_for(email)
    }

    pub fn messages(&self) -> Vec<CourierMessage> {
        self.state.messages()
    }

    /// See [`AppState::create_identity`].
    ///
    /// # Errors
    /// As [`AppState::create_identity`].
    pub fn create_identity(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
    ) -> Result<Identity, Error> {
        self.state.create_identity(email, traits)
    }

    pub fn advance_time(&self, by: Duration) {
        self.state.advance_time(by);
    }

    pub fn set_fault(&self, fault: Fault) -> FaultId {
        self.state.set_fault(fault)
    }

    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.state.remove_fault(id)
    }

    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn request_count(&self) -> u64 {
        self.state.request_count()
    }

    /// Stops accepting, lets requests being answered finish (up to 5 s), drops connections
    /// held by hang faults, and returns when the port is free. Calling it twice is harmless.
    pub async fn close(&self) {
        self.shutdown.cancel();
        let accept = self.accept.lock().take();
        if let Some(handle) = accept {
            let _ = handle.await;
        }
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tracker.spawn(serve_connection(
                    stream,
                    peer,
                    router.clone(),
                    shutdown.clone(),
                ));
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    // The listener is dropped here, so the port is free once close() returns.
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    shutdown: CancellationToken,
) {
    let control = faults::ConnControl::default();
    let hung = control.hung.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(http::RemoteAddr(peer));
        req.extensions_mut().insert(control.clone());
        router.clone().oneshot(req.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shutdown.cancelled() => {}
    }
    if hung.is_cancelled() {
        return;
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = hung.cancelled() => {}
        _ = tokio::time::sleep(CLOSE_GRACE) => {}
    }
}
