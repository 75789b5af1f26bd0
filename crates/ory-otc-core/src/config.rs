//! Client configuration: where Ory is, how long a call may take, and what may be sent where.
//! Every default is applied here, once.

use std::net::IpAddr;
use std::time::Duration;

use ory_otc_protocol::Secret;
use url::Url;

use crate::error::Error;

/// Default for [`ConfigBuilder::timeout`]: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for [`ConfigBuilder::connect_timeout`]: 3 s (never more than the call timeout).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The longest timeout accepted: 10 minutes. Longer is a mistake (a unit confused), not a wish.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// Environment variables read by [`ConfigBuilder::with_env`], as in Ory's own SDKs.
pub const ENV_SDK_URL: &str = "ORY_SDK_URL";
pub const ENV_PROJECT_SLUG: &str = "ORY_PROJECT_SLUG";
pub const ENV_API_KEY: &str = "ORY_API_KEY";

/// Which kind of Kratos flow a client runs (docs/kratos-protocol.md §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FlowMode {
    /// API ("native") flows: no cookies, the session as a token in the body. The default.
    #[default]
    Api,
    /// Browser flows run on a browser's behalf: its cookies in, Kratos's `Set-Cookie` out,
    /// CSRF tokens handled, the session as Kratos's cookie.
    Browser,
}

impl FlowMode {
    /// The path segment of the flow-creation endpoints: `api` or `browser`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowMode::Api => "api",
            FlowMode::Browser => "browser",
        }
    }
}

/// What to do with the `Domain` of the cookies Kratos sets, before they go to the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieDomain {
    /// Replace it with this domain.
    Set(String),
    /// Remove it: the cookie belongs to the host that serves the app.
    Remove,
}

/// A validated configuration. Build it with [`Config::builder`].
#[derive(Debug, Clone)]
pub struct Config {
    base: Url,
    timeout: Duration,
    connect_timeout: Duration,
    api_key: Option<Secret>,
    user_agent: String,
    flow_mode: FlowMode,
    cookie_domain: Option<CookieDomain>,
}

impl Config {
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The base URL, without a trailing slash. Every request goes to its origin.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `scheme://host[:port]` of the base URL.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    pub fn api_key(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    pub fn flow_mode(&self) -> FlowMode {
        self.flow_mode
    }

    /// Browser mode: how the `Domain` of forwarded cookies is rewritten (`None`: not at all).
    pub fn cookie_domain(&self) -> Option<&CookieDomain> {
        self.cookie_domain.as_ref()
    }

    /// The URL of a Kratos path under the base URL (`path` starts with `/`). The client joins
    /// paths itself (`http::Http::endpoint`); this states the rule for the tests below.
    #[cfg(test)]
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }
}

/// Builds a [`Config`]. Every setter sets one field; [`ConfigBuilder::build`] validates.
#[derive(Debug, Default, Clone)]
pub struct ConfigBuilder {
    base_url: Option<String>,
    project_slug: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    api_key: Option<Secret>,
    user_agent: Option<String>,
    allow_http: bool,
    flow_mode: FlowMode,
    cookie_domain: Option<String>,
}

impl ConfigBuilder {
    /// The public URL of Kratos or of the Ory Network project, e.g.
    /// `https://<slug>.projects.oryapis.com`. A path prefix is kept (Kratos behind a proxy).
    /// Default: `ORY_SDK_URL`, else `https://<ORY_PROJECT_SLUG>.projects.oryapis.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The Ory Network project slug, used when no base URL is set.
    pub fn project_slug(mut self, slug: impl Into<String>) -> Self {
        self.project_slug = Some(slug.into());
        self
    }

    /// The most one call may take, all its requests and retries included. Default 10 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most establishing one connection may take. Default 3 s, capped at the timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// An Ory API key, sent as `Authorization: Bearer` to `/admin/` paths only.
    /// Default: `ORY_API_KEY`, else none.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The `User-Agent` header. Default `ory-otc/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// Accept a plain `http:` base URL for a host that is not loopback. Default false:
    /// plain http is accepted for `localhost`, `127.0.0.0/8` and `::1` only.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Which flows to run: API flows (the default) or browser flows on a browser's behalf.
    pub fn flow_mode(mut self, mode: FlowMode) -> Self {
        self.flow_mode = mode;
        self
    }

    /// Browser mode: rewrite the `Domain` of every cookie Kratos sets before it goes to the
    /// browser. A domain replaces it; `""` removes it (a host-only cookie of the app's host).
    /// Default: cookies are forwarded as Kratos set them. Needed when the app's host is not
    /// Kratos's, behind a proxy that serves Kratos under the app's domain.
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie_domain = Some(domain.into());
        self
    }

    /// Fills what is still unset from the environment (`ORY_SDK_URL`, `ORY_PROJECT_SLUG`,
    /// `ORY_API_KEY`). Takes a lookup function so tests need not touch the process environment.
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        if self.base_url.is_none() {
            self.base_url = non_empty(ENV_SDK_URL);
        }
        if self.project_slug.is_none() {
            self.project_slug = non_empty(ENV_PROJECT_SLUG);
        }
        if self.api_key.is_none() {
            self.api_key = non_empty(ENV_API_KEY).map(Secret::new);
        }
        self
    }

    /// # Errors
    /// [`Error::Config`] when no base URL can be found, when it is not `https` (or loopback
    /// `http`), or when it carries credentials, a query or a fragment;
    /// [`Error::InvalidArgument`] when a value is out of range.
    pub fn build(self) -> Result<Config, Error> {
        let base = self.resolve_base()?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        check_duration("timeoutMs", timeout)?;
        let connect_timeout = match self.connect_timeout {
            Some(t) => {
                check_duration("connectTimeoutMs", t)?;
                t.min(timeout)
            }
            None => DEFAULT_CONNECT_TIMEOUT.min(timeout),
        };
        if let Some(key) = &self.api_key {
            if key.is_empty() || !is_header_safe(key.expose()) {
                return Err(Error::invalid_value(
                    "apiKey",
                    "must be a non-empty string of visible ASCII characters",
                ));
            }
        }
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("ory-otc/", env!("CARGO_PKG_VERSION")).to_owned());
        if user_agent.is_empty() || user_agent.len() > 1024 || !is_header_safe(&user_agent) {
            return Err(Error::invalid_value(
                "userAgent",
                "must be 1 to 1024 visible ASCII characters",
            ));
        }
        let cookie_domain = match self.cookie_domain {
            None => None,
            Some(_) if self.flow_mode != FlowMode::Browser => {
                return Err(Error::invalid_value(
                    "cookieDomain",
                    "is only used by browser flows: set flow to 'browser'",
                ))
            }
            Some(d) if d.is_empty() => Some(CookieDomain::Remove),
            Some(d) if is_domain(&d) => Some(CookieDomain::Set(d)),
            Some(_) => {
                return Err(Error::invalid_value(
                    "cookieDomain",
                    "must be a domain name such as example.com, or '' to remove the Domain",
                ))
            }
        };
        Ok(Config {
            base,
            timeout,
            connect_timeout,
            api_key: self.api_key,
            user_agent,
            flow_mode: self.flow_mode,
            cookie_domain,
        })
    }

    fn resolve_base(&self) -> Result<Url, Error> {
        let raw = match (&self.base_url, &self.project_slug) {
            (Some(url), _) => url.trim().to_owned(),
            (None, Some(slug)) => {
                let slug = slug.trim();
                if !slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(Error::Config(format!(
                        "{ENV_PROJECT_SLUG} must contain only letters, digits and dashes"
                    )));
                }
                format!("https://{slug}.projects.oryapis.com")
            }
            (None, None) => {
                return Err(Error::Config(format!(
                    "no Ory URL: pass baseUrl, or set {ENV_SDK_URL} or {ENV_PROJECT_SLUG}"
                )))
            }
        };
        let url = Url::parse(&raw).map_err(|e| {
            Error::invalid_value("baseUrl", format!("must be an absolute URL ({e})"))
        })?;
        check_base(&url, self.allow_http)?;
        let mut url = url;
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(url)
    }
}

fn check_base(url: &Url, allow_http: bool) -> Result<(), Error> {
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(url) => {}
        "http" => {
            return Err(Error::Config(format!(
            "plain http is accepted for loopback hosts only, not {}; use https or set allowHttp",
            url.origin().ascii_serialization()
        )))
        }
        other => {
            return Err(Error::Config(format!(
                "the base URL must use https (or http on loopback), not {other}:"
            )))
        }
    }
    if url.host().is_none() {
        return Err(Error::Config("the base URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in a URL end up in logs; Ory does not use them anyway.
        return Err(Error::Config(
            "the base URL must not contain credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(
            "the base URL must not have a query or fragment".into(),
        ));
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn check_duration(name: &str, d: Duration) -> Result<(), Error> {
    if d.is_zero() || d > MAX_TIMEOUT {
        return Err(Error::invalid_value(
            name,
            format!("must be between 1 and {} ms", MAX_TIMEOUT.as_millis()),
        ));
    }
    Ok(())
}

/// A cookie domain: letters, digits, `-` and `.` (a leading dot is allowed, as browsers ignore
/// it), at most 253 characters.
fn is_domain(d: &str) -> bool {
    let d = d.strip_prefix('.').unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_header_safe(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_sdk_url_comes_from_the_environment() {
        let c = Config::builder()
            .with_env(env(&[("ORY_SDK_URL", "https://a.projects.oryapis.com/")]))
            .build()
            .unwrap();
        assert_eq!(c.origin(), "https://a.projects.oryapis.com");
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(
            c.url("/self-service/login/api").as_str(),
            "https://a.projects.oryapis.com/self-service/login/api"
        );
    }

    #[test]
    fn a_project_slug_becomes_an_ory_network_url() {
        let c = Config::builder()
            .with_env(env(&[("ORY_PROJECT_SLUG", "eager-bell-123")]))
            .build()
            .unwrap();
        assert_eq!(
            c.base_url().as_str(),
            "https://eager-bell-123.projects.oryapis.com/"
        );
    }

    #[test]
    fn an_explicit_base_url_wins_over_the_environment() {
        let c = Config::builder()
            .base_url("http://127.0.0.1:4433")
            .with_env(env(&[("ORY_SDK_URL", "https://a.example")]))
            .build()
            .unwrap();
        assert_eq!(c.origin(), "http://127.0.0.1:4433");
    }

    #[test]
    fn a_path_prefix_is_kept() {
        let c = Config::builder()
            .base_url("https://example.com/.ory/kratos/")
            .build()
            .unwrap();
        assert_eq!(
            c.url("/sessions/whoami").as_str(),
            "https://example.com/.ory/kratos/sessions/whoami"
        );
    }

    #[test]
    fn no_url_at_all_is_a_config_error() {
        let err = Config::builder().with_env(env(&[])).build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        assert!(err.to_string().contains("ORY_SDK_URL"), "{err}");
    }

    #[test]
    fn plain_http_is_for_loopback_unless_allowed() {
        for ok in [
            "http://localhost:4433",
            "http://127.0.0.2:1",
            "http://[::1]:4433",
        ] {
            Config::builder().base_url(ok).build().unwrap();
        }
        let err = Config::builder()
            .base_url("http://kratos.internal")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        Config::builder()
            .base_url("http://kratos.internal")
            .allow_http(true)
            .build()
            .unwrap();
    }

    #[test]
    fn malformed_and_unsafe_urls_are_refused() {
        let err = Config::builder().base_url("not a url").build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgValue);
        for bad in [
            "ftp://x.example",
            "https://user:pw@x.example",
            "https://x.example/?a=1",
            "https://x.example/#f",
        ] {
            let err = Config::builder().base_url(bad).build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::Config, "{bad}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    #[test]
    fn timeouts_must_be_in_range_and_connect_is_capped() {
        let b = || Config::builder().base_url("https://x.example");
        assert_eq!(
            b().timeout(Duration::ZERO).build().unwrap_err().code(),
            ErrorCode::InvalidArgValue
        );
        assert_eq!(
            b().timeout(Duration::from_secs(601))
                .build()
                .unwrap_err()
                .code(),
            ErrorCode::InvalidArgValue
        );
        let c = b().timeout(Duration::from_millis(500)).build().unwrap();
        assert_eq!(c.connect_timeout(), Duration::from_millis(500));
    }

    #[test]
    fn the_api_key_never_shows_in_debug() {
        let c = Config::builder()
            .base_url("https://x.example")
            .api_key("ory_pat_secret123")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("ory_pat_secret123"));
        assert_eq!(c.api_key().unwrap().expose(), "ory_pat_secret123");
    }

    #[test]
    fn header_values_are_checked() {
        let err = Config::builder()
            .base_url("https://x.example")
            .user_agent("a\r\nb")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgValue);
        let err = Config::builder()
            .base_url("https://x.example")
            .api_key("")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgValue);
    }

    #[test]
    fn cookie_domain_is_checked_and_only_for_browser_flows() {
        let b = || {
            Config::builder()
                .base_url("https://a.example")
                .flow_mode(FlowMode::Browser)
        };
        assert_eq!(b().build().unwrap().cookie_domain(), None);
        assert_eq!(
            b().cookie_domain("example.com")
                .build()
                .unwrap()
                .cookie_domain(),
            Some(&CookieDomain::Set("example.com".into()))
        );
        assert_eq!(
            b().cookie_domain("").build().unwrap().cookie_domain(),
            Some(&CookieDomain::Remove)
        );
        for bad in ["exa mple.com", "a;b", "a..b", "x=y"] {
            let err = b().cookie_domain(bad).build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgValue, "{bad}");
        }
        let err = Config::builder()
            .base_url("https://a.example")
            .cookie_domain("example.com")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgValue);
        assert_eq!(
            Config::builder()
                .base_url("https://a.example")
                .build()
                .unwrap()
                .flow_mode(),
            FlowMode::Api
        );
    }
}
