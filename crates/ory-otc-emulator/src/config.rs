//! What an emulator instance looks like: address, lifespans, limits, identity schema, version.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};

/// Which Kratos release the emulator behaves like, for the differences of docs/kratos-protocol.md §12 that
/// change outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KratosVersion {
    /// Kratos HEAD (`b86338da`, after v26.2.0): an expired code is an inline 4010008/4040003,
    /// the code input has `autocomplete: one-time-code`, a disabled identity gets 4010011.
    #[default]
    Latest,
    /// Kratos v26.2.0: an expired code is a 410 "flow expired" with a replacement flow, the
    /// code input has no `autocomplete`, a disabled identity gets a 401 envelope.
    V26_2_0,
    /// Kratos v1.3.1 (2024-10), the last release with the old numbering: as v26.2.0 where the
    /// code method is concerned, plus the differences listed in docs/kratos-source-notes.md
    /// (no `Ory-Error-Id` header, `Cache-Control` on every registered route).
    V1_3_1,
}

impl KratosVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            KratosVersion::Latest => "latest",
            KratosVersion::V26_2_0 => "v26.2.0",
            KratosVersion::V1_3_1 => "v1.3.1",
        }
    }

    /// Whether this release is v26.2.0 or older (the expired-code 410, no `autocomplete`, …).
    pub fn is_v26_or_older(self) -> bool {
        matches!(self, KratosVersion::V26_2_0 | KratosVersion::V1_3_1)
    }
}

impl fmt::Display for KratosVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KratosVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "latest" | "head" => Ok(KratosVersion::Latest),
            "v26.2.0" | "26.2.0" => Ok(KratosVersion::V26_2_0),
            "v1.3.1" | "1.3.1" => Ok(KratosVersion::V1_3_1),
            other => Err(format!(
                "unknown Kratos version {other:?}, expected latest, v26.2.0 or v1.3.1"
            )),
        }
    }
}

/// `selfservice.flows.registration.style` (docs/kratos-protocol.md §4, registration `choose_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationStyle {
    /// The first screen asks for the traits (`method=profile`); Kratos's default.
    #[default]
    ProfileFirst,
    /// One screen: traits plus the "Send sign up code" button.
    Unified,
}

impl FromStr for RegistrationStyle {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "profile_first" => Ok(RegistrationStyle::ProfileFirst),
            "unified" => Ok(RegistrationStyle::Unified),
            other => Err(format!(
                "unknown registration style {other:?}, expected profile_first or unified"
            )),
        }
    }
}

/// The JSON-schema `format` of a string trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitFormat {
    /// `format: email`: rendered as `type=email`, `autocomplete=email`, validated as an address.
    Email,
    /// A plain string.
    Text,
}

/// One string property under `traits` in the identity schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitSchema {
    /// The property name, e.g. `email`; the UI node is `traits.<name>`.
    pub name: String,
    /// The schema `title`; it becomes the node label 1070002 when set.
    pub title: Option<String>,
    pub format: TraitFormat,
    /// Listed in the schema's `required`.
    pub required: bool,
    /// `ory.sh/kratos.credentials.code.identifier` with `via: email` (and verification via
    /// email): the address codes are sent to. Only `Email` traits can be code identifiers.
    pub code_identifier: bool,
}

impl TraitSchema {
    /// The default trait: `email`, titled "E-Mail", required, the code identifier.
    pub fn email() -> Self {
        TraitSchema {
            name: "email".into(),
            title: Some("E-Mail".into()),
            format: TraitFormat::Email,
            required: true,
            code_identifier: true,
        }
    }
}

/// The UI URLs of `selfservice.flows.*.ui_url`; unset ones default to `<ui_url>/<flow>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UiUrls {
    pub login: Option<String>,
    pub registration: Option<String>,
    pub error: Option<String>,
    pub settings: Option<String>,
    pub verification: Option<String>,
    pub recovery: Option<String>,
}

/// A cookie's `SameSite` mode (`cookies.same_site`, `session.cookie.same_site`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieSameSite {
    #[default]
    Lax,
    Strict,
    None,
}

impl CookieSameSite {
    pub fn as_str(self) -> &'static str {
        match self {
            CookieSameSite::Lax => "Lax",
            CookieSameSite::Strict => "Strict",
            CookieSameSite::None => "None",
        }
    }
}

/// Cookie settings (`cookies.*` and `session.cookie.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookies {
    /// `session.cookie.name`. Default `ory_kratos_session`.
    pub session_name: String,
    /// `cookies.domain`: the `Domain` of the CSRF and (unless overridden) session cookie.
    pub domain: Option<String>,
    /// `cookies.path`. Default `/`.
    pub path: String,
    /// `cookies.same_site`. Default Lax.
    pub same_site: CookieSameSite,
    /// `session.cookie.domain`, else `cookies.domain`.
    pub session_domain: Option<String>,
    /// `session.cookie.path`, else `cookies.path`.
    pub session_path: Option<String>,
    /// `session.cookie.same_site`, else `cookies.same_site`.
    pub session_same_site: Option<CookieSameSite>,
    /// `session.cookie.persistent`: `Expires`/`Max-Age` on the session cookie. Default on.
    pub session_persistent: bool,
}

impl Default for Cookies {
    fn default() -> Self {
        Cookies {
            session_name: "ory_kratos_session".into(),
            domain: None,
            path: "/".into(),
            same_site: CookieSameSite::Lax,
            session_domain: None,
            session_path: None,
            session_same_site: None,
            session_persistent: true,
        }
    }
}

/// An account that exists when the emulator starts.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedIdentity {
    pub email: String,
    /// Extra traits besides `email`; keys must be declared in [`Config::traits`] unless
    /// [`Config::allow_additional_traits`] is on.
    pub traits: Option<Map<String, Value>>,
}

impl SeedIdentity {
    pub fn new(email: impl Into<String>) -> Self {
        SeedIdentity {
            email: email.into(),
            traits: None,
        }
    }
}

/// Everything an emulator instance is started with. Build one with `Config::default()` and
/// change the fields you need. `Debug` shows the API key as `***`.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on. Default `127.0.0.1` (loopback only).
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one. Default 0.
    pub port: u16,
    /// The advertised origin (Kratos's `serve.public.base_url`), used in `ui.action`, redirects
    /// and the CSRF cookie name. Default `http://<host>:<port>/`.
    pub public_url: Option<String>,
    /// Kratos's `serve.admin.base_url`: where `Location` of a created identity points
    /// (`<admin url>/identities/<id>`). The emulator serves admin routes on its public origin
    /// under `/admin`, like Ory Network. Default: `<public url>/admin`.
    pub admin_url: Option<String>,
    /// When set, every `/admin/*` route requires `Authorization: Bearer <key>`. Default none.
    pub api_key: Option<String>,
    /// `selfservice.methods.code.config.lifespan`. Default 1 h.
    pub code_lifespan: Duration,
    /// `selfservice.flows.{login,registration}.lifespan`. Default 1 h.
    pub flow_lifespan: Duration,
    /// `session.lifespan`. Default 24 h.
    pub session_lifespan: Duration,
    /// `selfservice.methods.code.config.max_submissions`. Default 5.
    pub max_submissions: u32,
    /// Run the `session` hook after registration (a session token or cookie on success).
    /// Default on.
    pub session_after_registration: bool,
    /// Kratos's `--dev`: courier subjects and bodies are readable from the admin API.
    /// Default on.
    pub dev_mode: bool,
    /// Which Kratos release to behave like. Default latest.
    pub version: KratosVersion,
    /// Accounts created at start.
    pub identities: Vec<SeedIdentity>,
    /// Registration screen style. Default `profile_first`.
    pub registration_style: RegistrationStyle,
    /// The identity schema's traits, in schema order, as a shorthand for a schema document.
    /// Default: one `email` trait. Ignored when [`Config::identity_schema`] is set.
    pub traits: Vec<TraitSchema>,
    /// A whole identity schema as JSON text (JSON Schema with Kratos's `ory.sh/kratos`
    /// extension), as `identity.schemas` would load it. Text, because the order of its
    /// properties is the order of the registration form. Default none (built from
    /// [`Config::traits`]).
    pub identity_schema: Option<String>,
    /// `identity.default_schema_id`. Default `default`.
    pub schema_id: String,
    /// Accept traits not declared in [`Config::traits`] when identities are created through the
    /// admin API or the Rust API. Self-service bodies drop undeclared keys either way. Default on.
    pub allow_additional_traits: bool,
    /// Where browser flows are sent: `<ui_url>/login`, `/registration`, `/error`. Default
    /// `<public url>/ui`, as on Ory Network. [`Config::ui_urls`] wins per flow.
    pub ui_url: Option<String>,
    /// `selfservice.flows.*.ui_url`, per flow.
    pub ui_urls: UiUrls,
    /// `selfservice.flows.logout.after.default_browser_return_url`. Default: the default
    /// return URL.
    pub logout_return_url: Option<String>,
    /// Cookie names, domains, paths and `SameSite`.
    pub cookies: Cookies,
    /// `selfservice.default_browser_return_url`. Default `<public url>/ui/welcome`.
    pub default_return_url: Option<String>,
    /// `selfservice.allowed_return_urls`; the public URL is always allowed. Default empty.
    pub allowed_return_urls: Vec<String>,
    /// Requests taking longer than this get a 408 (deliberate hang faults excepted). Default 30 s.
    pub request_timeout: Duration,
    /// Flows kept in memory before the oldest are dropped. Default 200 000.
    pub max_flows: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_url: None,
            admin_url: None,
            api_key: None,
            code_lifespan: Duration::from_secs(3600),
            flow_lifespan: Duration::from_secs(3600),
            session_lifespan: Duration::from_secs(24 * 3600),
            max_submissions: 5,
            session_after_registration: true,
            dev_mode: true,
            version: KratosVersion::Latest,
            identities: Vec::new(),
            registration_style: RegistrationStyle::ProfileFirst,
            traits: vec![TraitSchema::email()],
            identity_schema: None,
            schema_id: crate::schema::DEFAULT_SCHEMA_ID.into(),
            allow_additional_traits: true,
            ui_url: None,
            ui_urls: UiUrls::default(),
            logout_return_url: None,
            cookies: Cookies::default(),
            default_return_url: None,
            allowed_return_urls: Vec::new(),
            request_timeout: Duration::from_secs(30),
            max_flows: 200_000,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("public_url", &self.public_url)
            .field("admin_url", &self.admin_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("code_lifespan", &self.code_lifespan)
            .field("flow_lifespan", &self.flow_lifespan)
            .field("session_lifespan", &self.session_lifespan)
            .field("max_submissions", &self.max_submissions)
            .field(
                "session_after_registration",
                &self.session_after_registration,
            )
            .field("dev_mode", &self.dev_mode)
            .field("version", &self.version)
            .field("identities", &self.identities)
            .field("registration_style", &self.registration_style)
            .field("traits", &self.traits)
            .field("identity_schema", &self.identity_schema.is_some())
            .field("schema_id", &self.schema_id)
            .field("allow_additional_traits", &self.allow_additional_traits)
            .field("ui_url", &self.ui_url)
            .field("ui_urls", &self.ui_urls)
            .field("logout_return_url", &self.logout_return_url)
            .field("cookies", &self.cookies)
            .field("default_return_url", &self.default_return_url)
            .field("allowed_return_urls", &self.allowed_return_urls)
            .field("request_timeout", &self.request_timeout)
            .field("max_flows", &self.max_flows)
            .finish()
    }
}

impl Config {
    /// Checks what Kratos's config schema would refuse.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(1..=255).contains(&self.max_submissions) {
            return Err(format!(
                "max_submissions must be within 1..=255, got {}",
                self.max_submissions
            ));
        }
        if self.identity_schema.is_none() {
            if self
                .traits
                .iter()
                .any(|t| t.code_identifier && t.format != TraitFormat::Email)
            {
                return Err("only email traits can be code identifiers".into());
            }
            for t in &self.traits {
                if t.name.is_empty() || t.name.contains('.') {
                    return Err(format!("invalid trait name {:?}", t.name));
                }
            }
        }
        if self.code_lifespan.is_zero()
            || self.flow_lifespan.is_zero()
            || self.session_lifespan.is_zero()
        {
            return Err("lifespans must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_kratos_defaults() {
        let c = Config::default();
        assert_eq!(c.code_lifespan, Duration::from_secs(3600));
        assert_eq!(c.flow_lifespan, Duration::from_secs(3600));
        assert_eq!(c.session_lifespan, Duration::from_secs(86400));
        assert_eq!(c.max_submissions, 5);
        assert!(c.session_after_registration && c.dev_mode);
        assert_eq!(c.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn debug_hides_the_api_key() {
        let c = Config {
            api_key: Some("sk-very-secret".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-very-secret") && shown.contains("***"));
    }

    #[test]
    fn versions_parse_from_their_cli_names() {
        assert_eq!("latest".parse::<KratosVersion>(), Ok(KratosVersion::Latest));
        assert_eq!(
            "v26.2.0".parse::<KratosVersion>(),
            Ok(KratosVersion::V26_2_0)
        );
        assert_eq!("v1.3.1".parse::<KratosVersion>(), Ok(KratosVersion::V1_3_1));
        assert!("v1.2.0".parse::<KratosVersion>().is_err());
    }

    #[test]
    fn max_submissions_outside_kratos_range_is_refused() {
        let c = Config {
            max_submissions: 0,
            ..Config::default()
        };
        assert!(c.validate().unwrap_err().contains("max_submissions"));
    }
}
