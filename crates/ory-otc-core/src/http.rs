//! The HTTP transport: one keep-alive `reqwest::Client` per [`crate::Client`], and the rules
//! every request follows.
//!
//! - `Accept: application/json` always, `Content-Type: application/json` with a body: Kratos
//!   treats a request as JSON only when one of them says so (docs/kratos-protocol.md §2).
//! - No `Origin` header, and cookies only in browser mode, the browser's own: an API flow
//!   refuses both (docs/kratos-protocol.md §2, API-flow guard).
//! - No redirects are followed: Kratos answers JSON requests without redirecting, so a 3xx is a
//!   misconfiguration, and following it could send a request to another host.
//! - Bodies over 1 MiB are refused while reading.
//! - The API key goes to `/admin/` paths only.
//! - GETs are retried at most twice, on connect errors and 502/503/504, with jittered backoff.
//!   POSTs are never retried: a retried send could mail a second code.
//! - At most [`MAX_IN_FLIGHT`] requests are in flight per client; the others wait their turn.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ory_otc_protocol::session::SESSION_TOKEN_HEADER;
use ory_otc_protocol::Secret;
use reqwest::header::{
    HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::Config;
use crate::cookies::Cookies;
use crate::error::{Error, Target};
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

#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    config: Arc<Config>,
    slots: Arc<Semaphore>,
}

impl Http {
    pub fn new(config: Config) -> Result<Self, Error> {
        let tls = tls_config()?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout())
            .connect_timeout(config.connect_timeout())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            config: Arc::new(config),
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The URL of a Kratos path, e.g. `/self-service/login/api`.
    pub fn url(&self, path: &str) -> Url {
        self.config.url(path)
    }

    /// Whether `url` is on the configured origin. Only such URLs are ever requested.
    pub fn is_same_origin(&self, url: &Url) -> bool {
        url.origin() == self.config.base_url().origin()
    }

    /// GET with retries on connect errors and 502/503/504.
    pub async fn get(&self, url: Url, mut auth: Auth<'_>) -> Result<Reply, Error> {
        let mut attempt = 0;
        loop {
            let result = self
                .send(Method::GET, url.clone(), None, auth.reborrow())
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
        url: Url,
        body: &B,
        auth: Auth<'_>,
    ) -> Result<Reply, Error> {
        let body = encode(body)?;
        self.send(Method::POST, url, Some(body), auth).await
    }

    /// DELETE with a JSON body. Never retried.
    pub async fn delete<B: Serialize>(&self, url: Url, body: &B) -> Result<Reply, Error> {
        let body = encode(body)?;
        self.send(Method::DELETE, url, Some(body), Auth::None).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        mut auth: Auth<'_>,
    ) -> Result<Reply, Error> {
        let target = self.target(&method, &url);
        if !self.is_same_origin(&url) {
            // Checked here too, so no caller can forget it.
            return Err(Error::protocol(
                None,
                &target,
                "refusing to send a request to another origin",
            ));
        }
        // Held until the body is read: one slot is one connection busy.
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| Error::Internal("the request slots were closed".into()))?;
        // The API key goes to `/admin/` paths only (no sign-in request is one).
        let api_key = self.config.api_key().filter(|_| {
            url.path().starts_with(&format!(
                "{}/admin/",
                self.config.base_url().path().trim_end_matches('/')
            ))
        });
        let mut req = self
            .client
            .request(method, url)
            .header(ACCEPT, JSON)
            .header(USER_AGENT, self.config.user_agent());
        if let Some(body) = body {
            req = req.header(CONTENT_TYPE, JSON).body(body);
        }
        let mut csrf_cause = CsrfCause::NoCookie;
        match &auth {
            Auth::None => {}
            Auth::Token(token) => {
                req = req.header(
                    SESSION_TOKEN_HEADER,
                    sensitive("sessionToken", token.expose())?,
                );
            }
            Auth::Cookies(cookies) => {
                csrf_cause = cookies.csrf_cause();
                if let Some(header) = cookies.header() {
                    req = req.header(COOKIE, sensitive("cookie", &header)?);
                }
            }
        }
        if let Some(key) = api_key {
            req = req.header(
                AUTHORIZATION,
                sensitive("apiKey", &format!("Bearer {}", key.expose()))?,
            );
        }
        let timeout = self.config.timeout();
        let resp = req
            .send()
            .await
            .map_err(|e| Error::from_transport(e, &target, timeout))?;
        if let Auth::Cookies(cookies) = &mut auth {
            for value in resp.headers().get_all(SET_COOKIE) {
                // Not text: no browser would take it either.
                if let Ok(value) = value.to_str() {
                    cookies.store(value, self.config.cookie_domain());
                }
            }
        }
        read(resp, target, timeout, csrf_cause).await
    }

    fn target(&self, method: &Method, url: &Url) -> Target {
        Target {
            method: method_name(method),
            origin: url.origin().ascii_serialization(),
            path: url.path().to_owned(),
        }
    }
}

async fn read(
    mut resp: reqwest::Response,
    target: Target,
    timeout: Duration,
    csrf_cause: CsrfCause,
) -> Result<Reply, Error> {
    let status = resp.status().as_u16();
    let headers = resp.headers();
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_content_type);
    let retry_after_seconds = retry_after(headers);
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large(status, &target));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Error::from_transport(e, &target, timeout))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large(status, &target));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply {
        status,
        body: body.freeze(),
        json,
        retry_after_seconds,
        target,
        csrf_cause,
    })
}

fn too_large(status: u16, target: &Target) -> Error {
    Error::protocol(
        Some(status),
        target,
        "the response body is larger than 1 MiB",
    )
}

pub(crate) fn is_json_content_type(value: &str) -> bool {
    let mime = value.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json") || mime.to_ascii_lowercase().ends_with("+json")
}

/// `Retry-After` as seconds (a delay or an HTTP date), else `x-ratelimit-reset`, which Ory
/// Network sends as seconds until the window resets.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u32> {
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

/// Whether a status is a success. Kept here so classification reads in statuses, not ranges.
pub(crate) fn is_success(status: u16) -> bool {
    StatusCode::from_u16(status).is_ok_and(|s| s.is_success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

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
}
