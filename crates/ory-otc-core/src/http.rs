//! The HTTP transport: one keep-alive `reqwest::Client` per [`crate::Client`], and the rules
//! every request follows.
//!
//! - `Accept: application/json` always, `Content-Type: application/json` with a body: Kratos
//!   treats a request as JSON only when one of them says so (docs/kratos-protocol.md §2).
//! - No `Origin` header, and cookies only in browser mode, the browser's own: an API flow
//!   refuses both (docs/kratos-protocol.md §2, API-flow guard).
//! - Requests go to the configured origin only: paths are joined to the base URL, and a URL
//!   read from Kratos (`ui.action`) is used only when it is on that origin ([`Http::endpoint_of`]).
//! - No redirects are followed: Kratos answers JSON requests without redirecting, so a 3xx is a
//!   misconfiguration, and following it could send a request to another host.
//! - Bodies over 1 MiB are refused while reading.
//! - The API key goes to `/admin/` paths only.
//! - GETs are retried at most twice, on connect errors and 502/503/504, with jittered backoff.
//!   POSTs are never retried: a retried send could mail a second code. reqwest's own retries
//!   are off, so these are the only ones.
//! - At most [`MAX_IN_FLIGHT`] requests are in flight per client; the others wait their turn.
//! - A request, from connecting to the last byte of its body, ends within the configured
//!   timeout; a connection is made (TCP, proxy tunnel, TLS) within the connect timeout.
//! - `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (and their lowercase forms) are
//!   honoured as reqwest reads them, when the client is made: an `https` origin is reached
//!   through a `CONNECT` tunnel, an `http` one through the proxy as a forward proxy.
//!
//! reqwest does the connecting (proxies, tunnels, TLS), pooling and timeouts; this module
//! decides what is sent and reads what comes back.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use ory_otc_protocol::Secret;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, RETRY_AFTER,
    SET_COOKIE, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::Config;
use crate::cookies::Cookies;
use crate::error::{Error, Target, TransportStage};
use crate::outcome::CsrfCause;

/// The largest response body read: 1 MiB. Kratos's flows are a few KiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The most requests one client has in flight; more wait for a slot, within their call's
/// timeout. With as many idle connections kept, a burst of calls opens a few hundred
/// connections, not thousands, and does not overflow the server's accept queue.
pub const MAX_IN_FLIGHT: usize = 256;
/// Retries of a GET after the first attempt.
const GET_RETRIES: u32 = 2;
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// How long an idle keep-alive connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// TCP keep-alive probes on open connections: after 15 s idle, every 15 s, 3 times.
const TCP_KEEPALIVE: Duration = Duration::from_secs(15);
const TCP_KEEPALIVE_RETRIES: u32 = 3;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A response, read whole. No `Debug`: a success body holds the session token.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Bytes,
    /// Whether `Content-Type` names JSON.
    pub json: bool,
    /// Seconds from `Retry-After` (delta or HTTP date) or `x-ratelimit-reset`.
    pub retry_after_seconds: Option<u32>,
    pub target: Target,
    /// What a CSRF violation in answer to this request would be down to, judged from the
    /// cookies it carried.
    pub csrf_cause: CsrfCause,
}

/// On whose behalf a request goes: nobody, a session token, or a browser's cookies.
pub(crate) enum Auth<'a> {
    None,
    Token(&'a Secret),
    /// Browser mode: the request carries these cookies, and Kratos's `Set-Cookie` updates them.
    Cookies(&'a mut Cookies),
}

impl Auth<'_> {
    /// The same, borrowed again (a retried GET sends the cookies as they then stand).
    fn reborrow(&mut self) -> Auth<'_> {
        match self {
            Auth::None => Auth::None,
            Auth::Token(t) => Auth::Token(t),
            Auth::Cookies(c) => Auth::Cookies(c),
        }
    }
}

/// Where a request goes on the configured origin: its path and query, e.g.
/// `/self-service/login?flow=…` (with the base URL's path prefix, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    path_and_query: String,
    /// Where the path ends (the query, if any, starts).
    path_end: usize,
}

impl Endpoint {
    fn new(path_and_query: String) -> Self {
        let path_end = path_and_query.find('?').unwrap_or(path_and_query.len());
        Endpoint {
            path_and_query,
            path_end,
        }
    }

    /// The path, without the query (what messages name).
    pub fn path(&self) -> &str {
        &self.path_and_query[..self.path_end]
    }

    fn query(&self) -> Option<&str> {
        self.path_and_query.get(self.path_end + 1..)
    }
}

/// Why a URL read from Kratos is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    NotAUrl,
    /// It points at another origin (this one, serialised).
    OtherOrigin(String),
}

#[derive(Clone)]
pub(crate) struct Http {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    config: Config,
    slots: Semaphore,
    /// `scheme://host[:port]`, as the `url` crate serialises an origin.
    origin: String,
    /// The origin as a URL (path `/`): a request's URL is this with its path and query set.
    origin_url: Url,
    /// The base URL's path without its trailing slash: `` or `/prefix`.
    base_path: String,
    /// `<base path>/admin/`: the paths the API key goes to.
    admin_prefix: String,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(config: Config) -> Result<Self, Error> {
        let base = config.base_url();
        let origin = base.origin().ascii_serialization();
        let bad = |what: &str| Error::Config(format!("cannot use the base URL: {what}"));
        let origin_url = Url::parse(&origin).map_err(|_| bad("no scheme or host"))?;
        if !matches!(origin_url.scheme(), "http" | "https") || origin_url.host().is_none() {
            return Err(bad("no scheme or host"));
        }
        let base_path = base.path().trim_end_matches('/').to_owned();
        let admin_prefix = format!("{base_path}/admin/");

        // Sent with every request by reqwest: made once here.
        let mut headers = HeaderMap::with_capacity(2);
        headers.insert(ACCEPT, JSON);
        let user_agent = HeaderValue::from_str(config.user_agent())
            .map_err(|_| Error::invalid_value("userAgent", "must be visible ASCII characters"))?;
        headers.insert(USER_AGENT, user_agent);

        // An `http` origin reached directly or through an `http` proxy never shakes hands, so a
        // system without a trust store (a slim container without `ca-certificates`) must not stop
        // it. It gets a configuration that trusts nothing: a handshake, should one ever happen,
        // fails closed.
        let proxy = env_proxy_for(&origin);
        let tls_needed = origin_url.scheme() == "https"
            || proxy
                .as_ref()
                .is_some_and(|p| p.uri().scheme_str() == Some("https"));
        let tls = match tls_config() {
            Ok(tls) => tls,
            Err(_) if !tls_needed => trusting_nothing()?,
            Err(e) => return Err(e),
        };
        let mut builder = reqwest::Client::builder();
        if proxy.is_none() {
            // Only this origin is ever requested, and the environment names no proxy for it:
            // told so, reqwest skips looking for a proxy's credentials on every request.
            builder = builder.no_proxy();
        }
        let client = builder
            .tls_backend_preconfigured(tls)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            // The GET retries above are the only ones. A maximum of 0 also spares reqwest a
            // copy of every request kept in case it retried.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .timeout(config.timeout())
            .connect_timeout(config.connect_timeout())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .tcp_nodelay(true)
            .tcp_keepalive(TCP_KEEPALIVE)
            .tcp_keepalive_interval(TCP_KEEPALIVE)
            .tcp_keepalive_retries(TCP_KEEPALIVE_RETRIES)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                config,
                slots: Semaphore::new(MAX_IN_FLIGHT),
                origin,
                origin_url,
                base_path,
                admin_prefix,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A Kratos path under the base URL, e.g. `/self-service/login/api`.
    pub fn endpoint(&self, path: &str) -> Endpoint {
        Endpoint::new(format!("{}{path}", self.inner.base_path))
    }

    /// A Kratos path under the base URL with one query parameter, form-encoded.
    pub fn endpoint_with(&self, path: &str, key: &str, value: &str) -> Endpoint {
        let mut pq = format!("{}{path}?{key}=", self.inner.base_path);
        pq.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        Endpoint::new(pq)
    }

    /// The endpoint of a URL Kratos gave (`ui.action`, a logout URL), if it is on the
    /// configured origin. Only such URLs are ever requested.
    ///
    /// A URL that starts with the origin and goes on with a plain path and query (nothing the
    /// `url` crate would rewrite) is used as it is; any other is parsed, and used as the `url`
    /// crate reads it when its origin is the configured one.
    pub fn endpoint_of(&self, raw: &str) -> Result<Endpoint, Refused> {
        if let Some(rest) = raw.strip_prefix(self.inner.origin.as_str()) {
            if is_plain_path_and_query(rest) {
                return Ok(Endpoint::new(rest.to_owned()));
            }
        }
        let url = Url::parse(raw).map_err(|_| Refused::NotAUrl)?;
        let origin = url.origin().ascii_serialization();
        if origin != self.inner.origin {
            return Err(Refused::OtherOrigin(origin));
        }
        let mut pq = url.path().to_owned();
        if let Some(query) = url.query() {
            pq.push('?');
            pq.push_str(query);
        }
        Ok(Endpoint::new(pq))
    }

    /// GET with retries on connect errors and 502/503/504.
    pub async fn get(&self, endpoint: &Endpoint, mut auth: Auth<'_>) -> Result<Reply, Error> {
        let mut attempt = 0;
        loop {
            let result = self
                .send(Method::GET, endpoint, None, auth.reborrow())
                .await;
            let retry = match &result {
                Ok(reply) => matches!(reply.status, 502..=504),
                Err(e) => e.is_connect(),
            };
            if !retry || attempt == GET_RETRIES {
                return result;
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// POST a JSON body. Never retried.
    pub async fn post<B: Serialize>(
        &self,
        endpoint: &Endpoint,
        body: &B,
        auth: Auth<'_>,
    ) -> Result<Reply, Error> {
        let body = encode(body)?;
        self.send(Method::POST, endpoint, Some(body), auth).await
    }

    /// DELETE with a JSON body. Never retried.
    pub async fn delete<B: Serialize>(
        &self,
        endpoint: &Endpoint,
        body: &B,
    ) -> Result<Reply, Error> {
        let body = encode(body)?;
        self.send(Method::DELETE, endpoint, Some(body), Auth::None)
            .await
    }

    async fn send(
        &self,
        method: Method,
        endpoint: &Endpoint,
        body: Option<Vec<u8>>,
        mut auth: Auth<'_>,
    ) -> Result<Reply, Error> {
        let inner = &*self.inner;
        let target = Target {
            method: method_name(&method),
            origin: inner.origin.clone(),
            path: endpoint.path().to_owned(),
        };
        let mut req = reqwest::Request::new(method, self.url(endpoint));
        let headers = req.headers_mut();
        let mut csrf_cause = CsrfCause::NoCookie;
        match &auth {
            Auth::None => {}
            Auth::Token(token) => {
                headers.insert(
                    HeaderName::from_static(SESSION_TOKEN_HEADER_LOWER),
                    sensitive("sessionToken", token.expose())?,
                );
            }
            Auth::Cookies(cookies) => {
                csrf_cause = cookies.csrf_cause();
                if let Some(header) = cookies.header() {
                    headers.insert(COOKIE, sensitive("cookie", &header)?);
                }
            }
        }
        // The API key goes to `/admin/` paths only (no sign-in request is one).
        if let Some(key) = inner.config.api_key() {
            if endpoint.path().starts_with(&inner.admin_prefix) {
                headers.insert(
                    AUTHORIZATION,
                    sensitive("apiKey", &format!("Bearer {}", key.expose()))?,
                );
            }
        }
        if let Some(body) = body {
            headers.insert(CONTENT_TYPE, JSON);
            *req.body_mut() = Some(body.into());
        }

        // Held until the body is read: one slot is one connection busy.
        let _slot = inner
            .slots
            .acquire()
            .await
            .map_err(|_| Error::Internal("the request slots were closed".into()))?;
        let timeout = inner.config.timeout();
        let resp = inner
            .client
            .execute(req)
            .await
            .map_err(|e| transport_error(e, &target, timeout))?;
        if let Auth::Cookies(cookies) = &mut auth {
            for value in resp.headers().get_all(SET_COOKIE) {
                // Not text: no browser would take it either.
                if let Ok(value) = value.to_str() {
                    cookies.store(value, inner.config.cookie_domain());
                }
            }
        }
        let status = resp.status().as_u16();
        let json = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_content_type);
        let retry_after_seconds = retry_after(resp.headers());
        let body = read(resp, status, &target, timeout).await?;
        Ok(Reply {
            status,
            body,
            json,
            retry_after_seconds,
            target,
            csrf_cause,
        })
    }

    /// The URL of an endpoint on the configured origin: the origin's, with the endpoint's path
    /// and query set (which the `url` crate reads as it would in a whole URL).
    fn url(&self, endpoint: &Endpoint) -> Url {
        let mut url = self.inner.origin_url.clone();
        url.set_path(endpoint.path());
        url.set_query(endpoint.query());
        url
    }
}

/// `X-Session-Token`, as `HeaderName::from_static` wants it (lowercase).
const SESSION_TOKEN_HEADER_LOWER: &str = "x-session-token";

/// The environment's proxy for this origin, as reqwest will choose it: the same variables, read
/// by the same matcher (hyper-util's, which reqwest builds its environment proxy from).
fn env_proxy_for(origin: &str) -> Option<Intercept> {
    let uri = origin.parse::<http::Uri>().ok()?;
    Matcher::from_env().intercept(&uri)
}

/// A response's body, read whole (at most [`MAX_BODY_BYTES`]): a declared length over the
/// limit is refused unread, and a body that grows past it is cut on the chunk that passes it.
async fn read(
    mut resp: reqwest::Response,
    status: u16,
    target: &Target,
    timeout: Duration,
) -> Result<Bytes, Error> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large(status, target));
    }
    // Most bodies arrive in one chunk: it is kept as it came, without a copy.
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error(e, target, timeout))?
    {
        let len = first.as_ref().map_or(0, Bytes::len) + rest.len();
        if len + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large(status, target));
        }
        match &first {
            None if rest.is_empty() => first = Some(chunk),
            _ => {
                if let Some(first) = first.take() {
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

/// Maps reqwest's error: where it happened, and whether a timer ended it (reqwest's
/// `is_timeout` looks through the whole source chain).
fn transport_error(err: reqwest::Error, target: &Target, timeout: Duration) -> Error {
    let stage = if err.is_connect() {
        TransportStage::Connect
    } else if err.is_body() || err.is_decode() {
        TransportStage::Body
    } else {
        TransportStage::Request
    };
    let timed_out = err.is_timeout();
    // without_url: the URL carries the flow id query; messages name origin and path only.
    Error::from_transport(
        Box::new(err.without_url()),
        stage,
        timed_out,
        target,
        timeout,
    )
}

fn too_large(status: u16, target: &Target) -> Error {
    Error::protocol(
        Some(status),
        target,
        "the response body is larger than 1 MiB",
    )
}

/// Whether what follows the origin in a URL is a path (and query) that the `url` crate would
/// keep exactly as it is: it starts with `/`, has no dot segment, no percent-escape in the
/// path, no fragment, and only characters that need no escaping in a path or query.
fn is_plain_path_and_query(rest: &str) -> bool {
    let Some(after_slash) = rest.strip_prefix('/') else {
        return false;
    };
    let (path, query) = match after_slash.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (after_slash, None),
    };
    let unreserved_or_sub = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            )
    };
    let path_ok = path.bytes().all(|b| unreserved_or_sub(b) || b == b'/')
        && path
            .split('/')
            .all(|segment| segment != "." && segment != "..");
    let query_ok = query.is_none_or(|q| {
        q.bytes()
            .all(|b| unreserved_or_sub(b) || matches!(b, b'/' | b'?' | b'%'))
    });
    path_ok && query_ok
}

pub(crate) fn is_json_content_type(value: &str) -> bool {
    let mime = value.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json") || mime.to_ascii_lowercase().ends_with("+json")
}

/// `Retry-After` as seconds (a delay or an HTTP date), else `x-ratelimit-reset`, which Ory
/// Network sends as seconds until the window resets.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<u32> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(v) = text(RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.parse::<u32>() {
            return Some(secs);
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            let secs = at
                .duration_since(std::time::SystemTime::now())
                .map(|d| d.as_secs().min(u32::MAX as u64) as u32)
                .unwrap_or(0);
            return Some(secs);
        }
    }
    text("x-ratelimit-reset").and_then(|v| v.parse::<u32>().ok())
}

fn encode<B: Serialize>(body: &B) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body)
        .map_err(|e| Error::Internal(format!("cannot encode a request body: {e}")))
}

/// A header value marked sensitive, so hyper never prints it.
fn sensitive(name: &str, value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_value(name, "must contain visible ASCII characters only"))?;
    v.set_sensitive(true);
    Ok(v)
}

fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        _ => "HTTP",
    }
}

/// 100 ms, 200 ms, … times a random factor in [0.5, 1.5), so that many clients that failed
/// together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.pow(attempt);
    base.mul_f64(0.5 + fastrand::f64())
}

/// rustls with the ring provider and the operating system's trust store.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .with_no_client_auth();
    Ok(config)
}

/// rustls that trusts no certificate, for clients that never use TLS.
fn trusting_nothing() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(config)
}

/// Whether a status is a success. Kept here so classification reads in statuses, not ranges.
pub(crate) fn is_success(status: u16) -> bool {
    StatusCode::from_u16(status).is_ok_and(|s| s.is_success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(is_json_content_type("application/problem+json"));
        assert!(!is_json_content_type("text/html; charset=utf-8"));
        assert!(!is_json_content_type(""));
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_ratelimit_reset() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("17"));
        assert_eq!(retry_after(&h), Some(17));

        let mut h = HeaderMap::new();
        let future = std::time::SystemTime::now() + Duration::from_secs(120);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(future)).unwrap(),
        );
        let secs = retry_after(&h).unwrap();
        assert!((118..=120).contains(&secs), "{secs}");

        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("5"));
        assert_eq!(retry_after(&h), Some(5));

        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_and_is_jittered() {
        for attempt in 0..3 {
            let base = BACKOFF_BASE * 2u32.pow(attempt);
            let d = backoff(attempt);
            assert!(d >= base / 2 && d < base * 3 / 2, "{d:?}");
        }
    }

    #[test]
    fn sensitive_header_values_refuse_control_characters() {
        assert!(sensitive("t", "ory_st_abc").unwrap().is_sensitive());
        assert!(sensitive("t", "a\nb").is_err());
    }

    #[test]
    fn the_session_token_header_name_is_kratos_s() {
        use ory_otc_protocol::session::SESSION_TOKEN_HEADER;
        assert!(SESSION_TOKEN_HEADER.eq_ignore_ascii_case(SESSION_TOKEN_HEADER_LOWER));
    }

    fn http(base: &str) -> Http {
        Http::new(Config::builder().base_url(base).build().unwrap()).unwrap()
    }

    #[test]
    fn endpoints_keep_the_base_path_and_encode_the_query() {
        let h = http("https://kratos.example/prefix/");
        let e = h.endpoint("/self-service/login/api");
        assert_eq!(e.path_and_query, "/prefix/self-service/login/api");
        let e = h.endpoint_with("/self-service/login", "flow", "a b&c");
        assert_eq!(e.path_and_query, "/prefix/self-service/login?flow=a+b%26c");
        assert_eq!(e.path(), "/prefix/self-service/login");
        assert_eq!(
            h.url(&e).as_str(),
            "https://kratos.example/prefix/self-service/login?flow=a+b%26c"
        );
    }

    // A URL from Kratos is used as the `url` crate reads it, whichever way it is written.
    #[test]
    fn urls_from_kratos_are_used_only_on_the_origin_and_as_url_reads_them() {
        let h = http("http://127.0.0.1:4433");
        let same = |raw: &str| -> Result<String, Refused> {
            let fast = h.endpoint_of(raw).map(|e| e.path_and_query);
            // What the `url` crate makes of it, the way this was done before.
            let slow = Url::parse(raw).map_err(|_| Refused::NotAUrl).and_then(|u| {
                let origin = u.origin().ascii_serialization();
                if origin != "http://127.0.0.1:4433" {
                    return Err(Refused::OtherOrigin(origin));
                }
                Ok(format!(
                    "{}{}",
                    u.path(),
                    u.query().map(|q| format!("?{q}")).unwrap_or_default()
                ))
            });
            assert_eq!(fast, slow, "{raw}");
            fast
        };
        let flow = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
        assert_eq!(
            same(&format!(
                "http://127.0.0.1:4433/self-service/login?flow={flow}"
            )),
            Ok(format!("/self-service/login?flow={flow}"))
        );
        for raw in [
            "http://127.0.0.1:4433/self-service/login?flow=a#frag",
            "HTTP://127.0.0.1:4433/self-service/login?flow=x",
            "http://127.0.0.1:4433/a/../self-service/login",
            "http://127.0.0.1:4433/a/%2e%2e/b",
            "http://127.0.0.1:4433/a b?c d",
            "http://127.0.0.1:4433/é?q=é",
            "http://127.0.0.1:4433\\self-service\\login",
            "http://127.0.0.1:4433?flow=x",
            "http://127.0.0.1:4433",
            "http://127.0.0.1:4433/x?a='b'",
            "http://127.0.0.1:4433/x?a=\"b\"",
            "http://127.0.0.1:4433/./x",
        ] {
            assert!(same(raw).is_ok(), "{raw}");
        }
        for raw in [
            "http://127.0.0.1:44331/self-service/login",
            "http://127.0.0.1:4433@evil.example/self-service/login",
            "https://127.0.0.1:4433/self-service/login",
            "http://evil.example/self-service/login",
            "http://127.0.0.1:80/x",
            "/self-service/login",
            "not a url",
        ] {
            assert!(same(raw).is_err(), "{raw}");
        }
    }

    // A request's URL is the origin's with the path and query set; it must be the URL the whole
    // string would parse to, whichever way the endpoint was made.
    #[test]
    fn a_request_url_is_the_one_its_whole_text_parses_to() {
        let h = http("http://127.0.0.1:4433/prefix");
        let mut endpoints = vec![
            h.endpoint("/self-service/login/api"),
            h.endpoint_with("/self-service/login", "flow", "a b&c/é?#"),
            h.endpoint("/admin/identities"),
        ];
        for raw in [
            "http://127.0.0.1:4433/self-service/login?flow=x",
            "http://127.0.0.1:4433/a b?c d'e",
            "http://127.0.0.1:4433/é?q=é",
            "http://127.0.0.1:4433/x?a=\"b\"",
            "http://127.0.0.1:4433?flow=x",
            "http://127.0.0.1:4433/p%2Fq?r=%41",
        ] {
            endpoints.push(h.endpoint_of(raw).unwrap());
        }
        for e in endpoints {
            let whole = Url::parse(&format!("http://127.0.0.1:4433{}", e.path_and_query)).unwrap();
            assert_eq!(h.url(&e), whole, "{}", e.path_and_query);
        }
    }
}
