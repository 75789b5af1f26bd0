//! Reading Kratos's own configuration file (`kratos.yml`, YAML or JSON) into a [`Config`].
//!
//! Only the keys that bear on what the emulator answers are read; every other key is listed in
//! [`KratosConfig::unmodelled`], so a caller can warn about it once. Keys that change nothing
//! on the wire (the DSN, secrets, logging, SMTP, the listening host and port) are not listed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::config::{Config, CookieSameSite, RegistrationStyle};
use crate::error::Error;

/// Where a Kratos configuration comes from.
#[derive(Debug, Clone)]
pub enum KratosConfigSource {
    /// A file; relative `file://` schema URLs in it are resolved against its directory.
    Path(PathBuf),
    /// YAML or JSON text; relative `file://` schema URLs are resolved against the working
    /// directory, as Kratos does.
    Text(String),
    /// Already parsed (e.g. an object from JavaScript).
    Value(Value),
}

impl From<&Path> for KratosConfigSource {
    fn from(p: &Path) -> Self {
        KratosConfigSource::Path(p.to_owned())
    }
}

impl From<PathBuf> for KratosConfigSource {
    fn from(p: PathBuf) -> Self {
        KratosConfigSource::Path(p)
    }
}

impl From<Value> for KratosConfigSource {
    fn from(v: Value) -> Self {
        KratosConfigSource::Value(v)
    }
}

/// A configuration read from a Kratos config file.
#[derive(Debug, Clone)]
pub struct KratosConfig {
    pub config: Config,
    /// Dotted paths of keys the emulator does not model (e.g. `selfservice.flows.settings`),
    /// each once, sorted. Their effect on Kratos's answers is not reproduced.
    pub unmodelled: Vec<String>,
}

impl KratosConfig {
    /// The one-line warning for [`KratosConfig::unmodelled`], or `None` when every key is
    /// modelled.
    pub fn warning(&self) -> Option<String> {
        (!self.unmodelled.is_empty()).then(|| {
            format!(
                "ory-otc-emulator: these Kratos config keys are not emulated: {}",
                self.unmodelled.join(", ")
            )
        })
    }
}

/// Keys read from the file, as dotted paths; a read of an object marks the whole subtree.
#[derive(Default)]
struct Reader {
    root: Value,
    read: Vec<String>,
    unmodelled: Vec<String>,
}

/// Keys that change nothing the emulator answers over HTTP, so they are neither read nor
/// reported.
const NO_BEARING: &[&str] = &[
    "version",
    "dsn",
    "log",
    "secrets",
    "tracing",
    "sqa",
    "dev",
    "watch-courier",
    "expose-metrics-port",
    "serve.public.socket",
    "serve.public.request_log",
    "serve.admin.host",
    "serve.admin.port",
    "serve.admin.socket",
    "serve.admin.request_log",
    "courier.smtp",
    "courier.template_override_path",
    "hashers",
    "ciphers",
    "database",
];

impl Reader {
    fn get(&mut self, path: &str) -> Option<Value> {
        let mut cur = &self.root;
        for part in path.split('.') {
            cur = cur.get(part)?;
        }
        self.read.push(path.to_owned());
        Some(cur.clone())
    }

    fn string(&mut self, path: &str) -> Result<Option<String>, Error> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(bad(path, &format!("expected a string, got {other}"))),
        }
    }

    fn bool(&mut self, path: &str) -> Result<Option<bool>, Error> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(bad(path, &format!("expected true or false, got {other}"))),
        }
    }

    fn duration(&mut self, path: &str) -> Result<Option<Duration>, Error> {
        match self.string(path)? {
            None => Ok(None),
            Some(s) => parse_go_duration(&s)
                .map(Some)
                .ok_or_else(|| bad(path, &format!("{s:?} is not a duration such as 1h or 15m"))),
        }
    }

    /// Marks a key as having a value the emulator reproduces only when it equals `expected`.
    fn expect(&mut self, path: &str, expected: &Value, default: &Value) {
        let v = self.get(path).unwrap_or_else(|| default.clone());
        if &v != expected {
            self.unmodelled
                .push(format!("{path} (only {expected} is emulated)"));
        }
    }

    /// Every leaf path of the file that no read covered.
    fn leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_leaves(&self.root, String::new(), &mut out);
        let covered = |p: &str| {
            self.read
                .iter()
                .map(String::as_str)
                .chain(NO_BEARING.iter().copied())
                .any(|r| p == r || p.starts_with(&format!("{r}.")))
        };
        let mut left: Vec<String> = out.into_iter().filter(|p| !covered(p)).collect();
        left.extend(self.unmodelled.iter().cloned());
        left.sort();
        left.dedup();
        left
    }
}

fn collect_leaves(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                collect_leaves(child, p, out);
            }
        }
        _ if prefix.is_empty() => {}
        _ => out.push(prefix),
    }
}

fn bad(path: &str, why: &str) -> Error {
    Error::Config(format!("Kratos config key {path}: {why}"))
}

/// Go's `time.ParseDuration` for the units Kratos configs use (`ns`…`h`, combined as `1h30m`).
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_end);
        let n: f64 = num.parse().ok()?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let secs = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * secs;
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// Parses YAML or JSON text into a JSON value.
fn parse_text(text: &str) -> Result<Value, Error> {
    serde_norway::from_str::<Value>(text)
        .map_err(|e| Error::Config(format!("Kratos config is not valid YAML or JSON: {e}")))
}

impl Config {
    /// Reads a Kratos configuration (`kratos.yml`): a path, YAML/JSON text, or a parsed
    /// value. Returns the configuration and the keys it does not model (for a warning).
    ///
    /// Read: `serve.public.base_url`, `serve.admin.base_url`,
    /// `selfservice.default_browser_return_url`, `selfservice.allowed_return_urls`,
    /// `selfservice.flows.{login,registration,error,settings,verification,recovery}.ui_url`,
    /// `selfservice.flows.{login,registration}.lifespan`, `selfservice.flows.registration.style`
    /// (and `enable_legacy_one_step`), `selfservice.flows.registration.after.code.hooks`
    /// (`session`), `selfservice.flows.logout.after.default_browser_return_url`,
    /// `selfservice.methods.code.*` (`enabled`, `passwordless_enabled`, `config.lifespan`,
    /// `config.max_submissions`), `selfservice.methods.password.enabled` (must be false),
    /// `session.lifespan`, `session.cookie.{name,domain,path,same_site,persistent}`,
    /// `cookies.{domain,path,same_site}`, `identity.default_schema_id`, `identity.schemas`
    /// (`file://`, `base64://`, inline JSON).
    ///
    /// # Errors
    /// [`Error::Config`] when the text does not parse, a value has the wrong type, or the
    /// identity schema cannot be read.
    pub fn from_kratos_config(
        source: impl Into<KratosConfigSource>,
    ) -> Result<KratosConfig, Error> {
        let (root, base_dir) = match source.into() {
            KratosConfigSource::Path(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    Error::Config(format!("cannot read Kratos config {}: {e}", p.display()))
                })?;
                let dir = p.parent().map(Path::to_owned).unwrap_or_default();
                (parse_text(&text)?, Some(dir))
            }
            KratosConfigSource::Text(t) => (parse_text(&t)?, None),
            KratosConfigSource::Value(v) => (v, None),
        };
        if !root.is_object() {
            return Err(Error::Config("a Kratos config must be a mapping".into()));
        }
        let mut r = Reader {
            root,
            ..Reader::default()
        };
        let mut c = Config {
            public_url: r.string("serve.public.base_url")?,
            admin_url: r.string("serve.admin.base_url")?,
            ..Config::default()
        };
        if let Some(host) = r.string("serve.public.host")? {
            c.host = host
                .parse()
                .map_err(|_| bad("serve.public.host", "expected an IP address"))?;
        }
        match r.get("serve.public.port") {
            None | Some(Value::Null) => {}
            Some(v) => {
                c.port = v
                    .as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| bad("serve.public.port", "expected a port number"))?;
            }
        }
        c.default_return_url = r.string("selfservice.default_browser_return_url")?;
        if let Some(v) = r.get("selfservice.allowed_return_urls") {
            let list = v
                .as_array()
                .ok_or_else(|| bad("selfservice.allowed_return_urls", "expected a list"))?;
            c.allowed_return_urls = list
                .iter()
                .map(|u| {
                    u.as_str().map(str::to_owned).ok_or_else(|| {
                        bad("selfservice.allowed_return_urls", "expected URL strings")
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        c.ui_urls.login = r.string("selfservice.flows.login.ui_url")?;
        c.ui_urls.registration = r.string("selfservice.flows.registration.ui_url")?;
        c.ui_urls.error = r.string("selfservice.flows.error.ui_url")?;
        c.ui_urls.settings = r.string("selfservice.flows.settings.ui_url")?;
        c.ui_urls.verification = r.string("selfservice.flows.verification.ui_url")?;
        c.ui_urls.recovery = r.string("selfservice.flows.recovery.ui_url")?;
        c.logout_return_url =
            r.string("selfservice.flows.logout.after.default_browser_return_url")?;
        let login_life = r.duration("selfservice.flows.login.lifespan")?;
        let reg_life = r.duration("selfservice.flows.registration.lifespan")?;
        if let Some(d) = login_life.or(reg_life) {
            c.flow_lifespan = d;
        }
        if let (Some(a), Some(b)) = (login_life, reg_life) {
            if a != b {
                r.unmodelled.push(
                    "selfservice.flows.registration.lifespan (one lifespan for login and registration; the login one is used)".into(),
                );
            }
        }
        match r.string("selfservice.flows.registration.style")?.as_deref() {
            None => {}
            Some(s) => {
                c.registration_style = s
                    .parse()
                    .map_err(|e: String| bad("selfservice.flows.registration.style", &e))?
            }
        }
        if r.bool("selfservice.flows.registration.enable_legacy_one_step")? == Some(true) {
            c.registration_style = RegistrationStyle::Unified;
        }
        c.session_after_registration =
            match r.get("selfservice.flows.registration.after.code.hooks") {
                None | Some(Value::Null) => false,
                Some(Value::Array(hooks)) => hooks
                    .iter()
                    .any(|h| h.get("hook").and_then(Value::as_str) == Some("session")),
                Some(_) => {
                    return Err(bad(
                        "selfservice.flows.registration.after.code.hooks",
                        "expected a list",
                    ))
                }
            };
        r.expect(
            "selfservice.methods.code.enabled",
            &Value::Bool(true),
            &Value::Bool(true),
        );
        r.expect(
            "selfservice.methods.code.passwordless_enabled",
            &Value::Bool(true),
            &Value::Bool(false),
        );
        r.expect(
            "selfservice.methods.password.enabled",
            &Value::Bool(false),
            &Value::Bool(true),
        );
        if let Some(d) = r.duration("selfservice.methods.code.config.lifespan")? {
            c.code_lifespan = d;
        }
        match r.get("selfservice.methods.code.config.max_submissions") {
            None | Some(Value::Null) => {}
            Some(v) => {
                c.max_submissions =
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            bad(
                                "selfservice.methods.code.config.max_submissions",
                                "expected a whole number",
                            )
                        })?;
            }
        }
        if let Some(d) = r.duration("session.lifespan")? {
            c.session_lifespan = d;
        }
        if let Some(n) = r.string("session.cookie.name")? {
            c.cookies.session_name = n;
        }
        c.cookies.domain = r.string("cookies.domain")?;
        c.cookies.session_domain = r.string("session.cookie.domain")?;
        if let Some(p) = r.string("cookies.path")? {
            c.cookies.path = p;
        }
        c.cookies.session_path = r.string("session.cookie.path")?;
        if let Some(s) = r.string("cookies.same_site")? {
            c.cookies.same_site = s
                .parse()
                .map_err(|e: String| bad("cookies.same_site", &e))?;
        }
        if let Some(s) = r.string("session.cookie.same_site")? {
            c.cookies.session_same_site = Some(
                s.parse()
                    .map_err(|e: String| bad("session.cookie.same_site", &e))?,
            );
        }
        if let Some(p) = r.bool("session.cookie.persistent")? {
            c.cookies.session_persistent = p;
        }
        let default_id = r
            .string("identity.default_schema_id")?
            .unwrap_or_else(|| "default".into());
        if let Some(schemas) = r.get("identity.schemas") {
            let list = schemas
                .as_array()
                .ok_or_else(|| bad("identity.schemas", "expected a list"))?;
            let chosen = list
                .iter()
                .find(|s| s.get("id").and_then(Value::as_str) == Some(default_id.as_str()))
                .ok_or_else(|| {
                    bad(
                        "identity.default_schema_id",
                        &format!("no schema with id {default_id:?} in identity.schemas"),
                    )
                })?;
            let url = chosen
                .get("url")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("identity.schemas", "a schema needs a url"))?;
            c.identity_schema = Some(crate::schema::load_url(url, base_dir.as_deref())?);
            c.schema_id = default_id;
            if list.len() > 1 {
                r.unmodelled
                    .push("identity.schemas (only the default schema is emulated)".into());
            }
        }
        let unmodelled = r.leftovers();
        Ok(KratosConfig {
            config: c,
            unmodelled,
        })
    }
}

impl std::str::FromStr for CookieSameSite {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Lax" | "lax" => Ok(CookieSameSite::Lax),
            "Strict" | "strict" => Ok(CookieSameSite::Strict),
            "None" | "none" => Ok(CookieSameSite::None),
            other => Err(format!(
                "unknown SameSite mode {other:?}, expected Lax, Strict or None"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("1y"), None);
        assert_eq!(parse_go_duration(""), None);
    }

    #[test]
    fn the_keys_that_matter_are_read_and_the_rest_are_listed() {
        let yaml = r#"
dsn: memory
serve:
  public:
    base_url: http://127.0.0.1:4733/
    port: 4733
  admin:
    base_url: http://127.0.0.1:4734/
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/
  allowed_return_urls: [http://127.0.0.1:4455]
  methods:
    password: { enabled: false }
    code:
      passwordless_enabled: true
      config: { lifespan: 15m, max_submissions: 3 }
  flows:
    login: { ui_url: http://127.0.0.1:4455/login, lifespan: 10m }
    registration:
      ui_url: http://127.0.0.1:4455/registration
      after: { code: { hooks: [ { hook: session } ] } }
    settings: { ui_url: http://127.0.0.1:4455/settings, privileged_session_max_age: 15m }
session:
  lifespan: 2h
  cookie: { name: my_session }
identity:
  schemas:
    - id: default
      url: base64://eyJ0eXBlIjoib2JqZWN0IiwicHJvcGVydGllcyI6eyJ0cmFpdHMiOnsidHlwZSI6Im9iamVjdCIsInByb3BlcnRpZXMiOnsiZW1haWwiOnsidHlwZSI6InN0cmluZyIsImZvcm1hdCI6ImVtYWlsIiwib3J5LnNoL2tyYXRvcyI6eyJjcmVkZW50aWFscyI6eyJjb2RlIjp7ImlkZW50aWZpZXIiOnRydWUsInZpYSI6ImVtYWlsIn19fX19fX19
"#;
        let k = Config::from_kratos_config(KratosConfigSource::Text(yaml.into())).unwrap();
        let c = &k.config;
        assert_eq!(c.public_url.as_deref(), Some("http://127.0.0.1:4733/"));
        assert_eq!(c.admin_url.as_deref(), Some("http://127.0.0.1:4734/"));
        assert_eq!(c.code_lifespan, Duration::from_secs(900));
        assert_eq!(c.max_submissions, 3);
        assert_eq!(c.flow_lifespan, Duration::from_secs(600));
        assert_eq!(c.session_lifespan, Duration::from_secs(7200));
        assert_eq!(c.cookies.session_name, "my_session");
        assert!(c.session_after_registration);
        assert_eq!(
            c.ui_urls.login.as_deref(),
            Some("http://127.0.0.1:4455/login")
        );
        assert!(c.identity_schema.is_some());
        assert_eq!(
            k.unmodelled,
            ["selfservice.flows.settings.privileged_session_max_age"]
        );
        assert!(k.warning().unwrap().contains("privileged_session_max_age"));
    }

    #[test]
    fn an_enabled_password_method_is_reported() {
        let k = Config::from_kratos_config(
            json!({"selfservice":{"methods":{"code":{"passwordless_enabled":true}}}}),
        )
        .unwrap();
        assert_eq!(
            k.unmodelled,
            ["selfservice.methods.password.enabled (only false is emulated)"]
        );
        assert!(!k.config.session_after_registration, "no hook configured");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Config::from_kratos_config(json!({"session":{"lifespan":"soon"}})).unwrap_err();
        assert!(e.to_string().contains("session.lifespan"), "{e}");
        let e = Config::from_kratos_config(KratosConfigSource::Text("a: [".into())).unwrap_err();
        assert!(e.to_string().contains("not valid YAML"), "{e}");
    }
}
