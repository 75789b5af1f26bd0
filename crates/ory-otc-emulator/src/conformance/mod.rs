//! Conformance: one scenario of raw HTTP requests driven at a Kratos and at the emulator, both
//! answers normalised (ids, times, tokens, codes, cookie values), and compared step by step.
//!
//! The same scenario serves `ory-otc-conformance` (a real Kratos against the emulator) and the
//! crate's tests (recorded Kratos answers in `tests/kratos/fixtures/` against the emulator), so
//! CI checks the emulator against Kratos without running one.

mod client;
mod normalise;
mod scenario;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use self::normalise::Normaliser;
pub use self::scenario::run;

/// Where a scenario sends its requests.
#[derive(Debug, Clone)]
pub struct Target {
    /// The public base URL as Kratos advertises it (e.g. `http://127.0.0.1:4733`), which is
    /// also the `Host` every public request carries.
    pub public: url::Url,
    /// The admin base URL (`Host` of admin requests).
    pub admin: url::Url,
    /// Where public requests are sent (`host:port`); the emulator listens elsewhere than the
    /// URL it advertises.
    pub public_addr: String,
    pub admin_addr: String,
}

impl Target {
    /// A target reached at the addresses of its URLs (a real Kratos).
    ///
    /// # Errors
    /// When a URL has no host or port.
    pub fn at(public: url::Url, admin: url::Url) -> Result<Self, String> {
        let addr = |u: &url::Url| -> Result<String, String> {
            let host = u.host_str().ok_or_else(|| format!("{u} has no host"))?;
            let port = u
                .port_or_known_default()
                .ok_or_else(|| format!("{u} has no port"))?;
            Ok(format!("{host}:{port}"))
        };
        Ok(Target {
            public_addr: addr(&public)?,
            admin_addr: addr(&admin)?,
            public,
            admin,
        })
    }
}

/// One request and Kratos's (or the emulator's) answer, normalised.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    pub name: String,
    /// `METHOD path?query`, normalised.
    pub request: String,
    pub response: Value,
}

/// A recording of a Kratos: its build, the config it ran with, and its answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recording {
    /// Kratos's version name (`master`, `v26.2.0`, `v1.3.1`).
    pub kratos: String,
    /// The full commit Kratos was built from.
    pub commit: String,
    /// The config file (in this repository) Kratos and the emulator ran with.
    pub config: String,
    /// The emulator's `kratosVersion` for this Kratos.
    pub emulator_version: String,
    pub steps: Vec<Step>,
}

/// A difference at one JSON path of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    pub kratos: Option<Value>,
    pub emulator: Option<Value>,
}

/// The differences of every step.
#[derive(Debug, Clone)]
pub struct Report {
    pub steps: Vec<(String, Vec<Difference>)>,
}

impl Report {
    /// Compares step by step; a step missing on one side differs at its root.
    pub fn compare(kratos: &[Step], emulator: &[Step]) -> Report {
        let n = kratos.len().max(emulator.len());
        let mut steps = Vec::new();
        for i in 0..n {
            let (k, e) = (kratos.get(i), emulator.get(i));
            let name = k.or(e).map(|s| s.name.clone()).unwrap_or_default();
            let mut diffs = Vec::new();
            match (k, e) {
                (Some(k), Some(e)) => {
                    if k.request != e.request {
                        diffs.push(Difference {
                            path: "request".into(),
                            kratos: Some(Value::String(k.request.clone())),
                            emulator: Some(Value::String(e.request.clone())),
                        });
                    }
                    diff("response", &k.response, &e.response, &mut diffs);
                }
                (k, e) => diffs.push(Difference {
                    path: "step".into(),
                    kratos: k.map(|s| Value::String(s.request.clone())),
                    emulator: e.map(|s| Value::String(s.request.clone())),
                }),
            }
            steps.push((name, diffs));
        }
        Report { steps }
    }

    pub fn identical(&self) -> usize {
        self.steps.iter().filter(|(_, d)| d.is_empty()).count()
    }

    /// Names of the steps that differ.
    pub fn differing(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Step by step, each difference with Kratos's value and the emulator's, ending with
    /// `N/M steps identical`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, (name, diffs)) in self.steps.iter().enumerate() {
            if diffs.is_empty() {
                let _ = writeln!(out, "{:>3} {name}: identical", i + 1);
                continue;
            }
            let _ = writeln!(out, "{:>3} {name}: {} difference(s)", i + 1, diffs.len());
            for d in diffs {
                let show = |v: &Option<Value>| match v {
                    None => "(absent)".to_owned(),
                    Some(v) => {
                        let s = v.to_string();
                        match s.char_indices().nth(300) {
                            Some((cut, _)) => format!("{}…", &s[..cut]),
                            None => s,
                        }
                    }
                };
                let _ = writeln!(out, "      {}", d.path);
                let _ = writeln!(out, "        kratos:   {}", show(&d.kratos));
                let _ = writeln!(out, "        emulator: {}", show(&d.emulator));
            }
        }
        let _ = writeln!(
            out,
            "{}/{} steps identical",
            self.identical(),
            self.steps.len()
        );
        out
    }
}

fn diff(path: &str, k: &Value, e: &Value, out: &mut Vec<Difference>) {
    match (k, e) {
        (Value::Object(a), Value::Object(b)) => {
            // Key order is compared through the body's `key_order` list (serde_json sorts).
            for key in a.keys().chain(b.keys().filter(|x| !a.contains_key(*x))) {
                let p = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&p, x, y, out),
                    (x, y) => out.push(Difference {
                        path: p,
                        kratos: x.cloned(),
                        emulator: y.cloned(),
                    }),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let p = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => diff(&p, x, y, out),
                    (x, y) => out.push(Difference {
                        path: p,
                        kratos: x.cloned(),
                        emulator: y.cloned(),
                    }),
                }
            }
        }
        _ if k == e => {}
        _ => out.push(Difference {
            path: path.to_owned(),
            kratos: Some(k.clone()),
            emulator: Some(e.clone()),
        }),
    }
}

/// A GET of `path` on `base` (sent to `addr`), as JSON; not recorded.
///
/// # Errors
/// When the request fails.
pub async fn get_json(addr: &str, base: &url::Url, path: &str) -> Result<Value, String> {
    let host = match base.port() {
        Some(p) => format!("{}:{p}", base.host_str().unwrap_or("localhost")),
        None => base.host_str().unwrap_or("localhost").to_owned(),
    };
    let raw = client::send(addr, &host, "GET", path, &[], None).await?;
    Ok(raw.json())
}
