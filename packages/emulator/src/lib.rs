//! The Node.js bindings of the Kratos emulator (npm `ory-otc-emulator`): `startEmulator()` runs
//! `crates/ory-otc-emulator` inside the test process, on this addon's tokio runtime, so it
//! keeps no event-loop handle: a forgotten `close()` never keeps a process or a Jest run alive.
//!
//! A bad argument throws (or rejects with) a `TypeError` with Node's `code`; anything else the
//! emulator refuses (a port in use, a duplicate identity) is an `Error` with `code`
//! `ERR_ORY_EMULATOR`. Both are made with the classes `index.js` registers.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ory_otc_emulator as emu;
use ory_otc_napi::args::{optional, value_error, ArgError, FromJs};
use ory_otc_napi::{errors, js_object};
use ory_otc_protocol::session as wire;
use serde_json::{Map, Value};

/// The `code` of every error that is not a bad argument.
const ERR_EMULATOR: &str = "ERR_ORY_EMULATOR";

/// Called by index.js at load with its realm's `TypeError` and `Error`.
#[napi(js_name = "__registerErrorClasses", skip_typescript)]
pub fn register_error_classes(
    type_error: Function<String, Unknown<'static>>,
    error: Function<FnArgs<(String, Object<'static>)>, Unknown<'static>>,
) -> Result<()> {
    errors::register(type_error, error)
}

/// Options of `startEmulator(options)`. Every lifespan is in milliseconds.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct EmulatorOptions {
    /// Port to listen on; 0 picks a free one. @default 0
    pub port: Option<f64>,
    /// Address to listen on. @default '127.0.0.1'
    pub host: Option<String>,
    /// When set, `/admin/*` requires `Authorization: Bearer <apiKey>`. @default none
    pub api_key: Option<String>,
    /// Which Kratos release to answer like. @default 'latest'
    #[napi(ts_type = "'latest' | 'v26.2.0' | 'v1.3.1'")]
    pub kratos_version: Option<String>,
    /// A Kratos configuration to answer as that Kratos would: the path of its `kratos.yml`
    /// (YAML or JSON; `file://` schema URLs relative to it), or the parsed object. The other
    /// options win over it. The emulator still listens on `port` and advertises its own URL.
    /// Keys it does not model are named once in a process warning. @default none
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub config: Option<Value>,
    /// The identity schema (JSON Schema with Kratos's `ory.sh/kratos` extension), as JSON text
    /// or an object; it wins over the one of `config`. Its property order is the registration
    /// form's order: give text to keep it (an object's keys are read in sorted order).
    /// @default one `email` trait titled "E-Mail"
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub identity_schema: Option<Value>,
    /// @default 3600000 (1 h)
    pub code_lifespan_ms: Option<f64>,
    /// @default 3600000 (1 h)
    pub flow_lifespan_ms: Option<f64>,
    /// @default 86400000 (24 h)
    pub session_lifespan_ms: Option<f64>,
    /// Code submissions a flow accepts (Kratos's `max_submissions`, 1 to 255). @default 5
    pub max_submissions: Option<f64>,
    /// Issue a session when a registration completes. @default true
    pub session_after_registration: Option<bool>,
    /// Show codes in courier subjects and bodies on the admin API (Kratos `--dev`). @default true
    pub dev_mode: Option<bool>,
    /// Accounts that exist from the start.
    #[napi(ts_type = "Array<string | { email: string; traits?: Record<string, unknown> }>")]
    pub identities: Option<Vec<Value>>,
    /// @default 'profile_first'
    #[napi(ts_type = "'profile_first' | 'unified'")]
    pub registration_style: Option<String>,
}
js_object!(EmulatorOptions {
    port,
    host,
    api_key,
    kratos_version,
    config,
    identity_schema,
    code_lifespan_ms,
    flow_lifespan_ms,
    session_lifespan_ms,
    max_submissions,
    session_after_registration,
    dev_mode,
    identities,
    registration_style,
});

/// A fault for `setFault`: what happens to requests under `route` (a path prefix; all public
/// routes when absent), for the next `times` requests (until cleared when absent).
#[napi(object, object_to_js = false)]
pub struct FaultOptions {
    #[napi(
        ts_type = "'latency' | 'hang' | 'stall_body' | 'reset_mid_body' | 'bad_gateway' | 'server_error' | 'non_json' | 'truncated_json' | 'oversized_body' | 'rate_limited' | 'foreign_action' | 'redirect'"
    )]
    pub kind: String,
    /// A path prefix, e.g. `/self-service/login`.
    pub route: Option<String>,
    /// Only requests with this method.
    pub method: Option<String>,
    pub times: Option<f64>,
    /// `latency`: how long to wait before answering.
    pub latency_ms: Option<f64>,
    /// `rate_limited`: the `Retry-After` value. @default 30
    pub retry_after_seconds: Option<f64>,
    /// `foreign_action`: the origin `ui.action` points at.
    pub origin: Option<String>,
    /// `redirect`: where to.
    pub location: Option<String>,
    /// `redirect`: the status. @default 302
    pub status: Option<f64>,
}
js_object!(FaultOptions {
    kind,
    route,
    method,
    times,
    latency_ms,
    retry_after_seconds,
    origin,
    location,
    status,
});

/// A courier message, as the admin API lists it (dev mode: with the code).
#[napi(object, object_from_js = false)]
pub struct CourierMessage {
    pub id: String,
    pub status: String,
    #[napi(js_name = "type")]
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub template_type: String,
    pub created_at: String,
}

/// An identity the emulator holds, with camelCase keys, as `ory-otc`'s results carry them.
#[napi(object, object_from_js = false)]
pub struct Identity {
    pub id: String,
    pub schema_id: String,
    #[napi(ts_type = "'active' | 'inactive'")]
    pub state: Option<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub traits: Value,
    pub verifiable_addresses: Vec<VerifiableAddress>,
    #[napi(ts_type = "unknown")]
    pub metadata_public: Value,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

#[napi(object, object_from_js = false)]
pub struct VerifiableAddress {
    pub value: String,
    pub verified: bool,
    pub via: String,
    #[napi(ts_type = "'pending' | 'sent' | 'completed'")]
    pub status: String,
}

impl From<wire::Identity> for Identity {
    fn from(i: wire::Identity) -> Self {
        Identity {
            id: i.id,
            schema_id: i.schema_id,
            state: i.state,
            traits: i.traits,
            verifiable_addresses: i
                .verifiable_addresses
                .into_iter()
                .map(|a| VerifiableAddress {
                    value: a.value,
                    verified: a.verified,
                    via: a.via,
                    status: a.status,
                })
                .collect(),
            metadata_public: i.metadata_public,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A running emulator. Close it when done; `close()` resolves once the port is free.
#[napi]
pub struct Emulator {
    inner: Arc<emu::Emulator>,
}

#[napi]
impl Emulator {
    /// The public origin to give `OryOtc` as `baseUrl`, e.g. `http://127.0.0.1:41234`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    #[napi(getter)]
    pub fn api_key(&self) -> Option<String> {
        self.inner.api_key().map(str::to_owned)
    }

    /// Requests served so far (tests use it to assert that nothing was sent).
    #[napi(getter)]
    pub fn request_count(&self) -> f64 {
        self.inner.request_count() as f64
    }

    /// The newest code mailed to `email`, or `null`.
    #[napi(ts_return_type = "string | null")]
    pub fn code_for(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
    ) -> Result<Option<String>> {
        let email: String = arg(env, FromJs::read(email, "email"))?;
        Ok(self.inner.code_for(&email))
    }

    /// Every message the courier queued, newest first.
    #[napi]
    pub fn messages(&self) -> Vec<CourierMessage> {
        self.inner
            .messages()
            .into_iter()
            .map(|m| CourierMessage {
                id: m.id,
                status: m.status,
                kind: m.kind,
                recipient: m.recipient,
                subject: m.subject.into_exposed(),
                body: m.body.into_exposed(),
                template_type: m.template_type,
                created_at: m.created_at,
            })
            .collect()
    }

    /// Creates an account. Throws `ERR_ORY_EMULATOR` when one with this address exists.
    #[napi]
    pub fn create_identity(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
        #[napi(ts_arg_type = "Record<string, unknown>")] traits: Option<Unknown>,
    ) -> Result<Identity> {
        let email: String = arg(env, FromJs::read(email, "email"))?;
        let traits: Option<Map<String, Value>> = arg(env, optional(traits, "traits"))?;
        self.inner
            .create_identity(&email, traits)
            .map(Identity::from)
            .map_err(|e| failure(env, &e.to_string()))
    }

    /// Moves the emulator's clock forward, to expire codes, flows and sessions without waiting.
    #[napi]
    pub fn advance_time(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "number")] ms: Unknown,
    ) -> Result<()> {
        let ms: f64 = arg(env, FromJs::read(ms, "ms"))?;
        if !ms.is_finite() || !(0.0..=MAX_MS).contains(&ms) {
            let e = value_error("ms", "must be a number from 0 to 3153600000000 (100 years)");
            return Err(errors::type_error(env, &e));
        }
        self.inner.advance_time(Duration::from_millis(ms as u64));
        Ok(())
    }

    /// Injects a fault; returns its id for `removeFault`.
    #[napi]
    pub fn set_fault(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "FaultOptions")] fault: Unknown,
    ) -> Result<u32> {
        let fault = arg(
            env,
            FaultOptions::read(fault, "fault").and_then(emu::Fault::try_from),
        )?;
        Ok(self.inner.set_fault(fault).0 as u32)
    }

    #[napi]
    pub fn remove_fault(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "number")] id: Unknown,
    ) -> Result<bool> {
        let id: f64 = arg(env, FromJs::read(id, "id"))?;
        // Ids are whole and positive; anything else names no fault.
        let known = id.is_finite() && id.fract() == 0.0 && id >= 1.0;
        Ok(known && self.inner.remove_fault(emu::FaultId(id as u64)))
    }

    #[napi]
    pub fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    /// Stops the server: ends hanging requests, frees the port. Safe to call twice.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let inner = self.inner.clone();
        env.spawn_future(async move {
            inner.close().await;
            Ok(())
        })
    }
}

/// Starts a Kratos emulator on loopback.
#[napi(catch_unwind, ts_return_type = "Promise<Emulator>")]
pub fn start_emulator<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "EmulatorOptions")] options: Option<Unknown>,
) -> Result<PromiseRaw<'env, Emulator>> {
    let config = optional::<EmulatorOptions>(options, "options")
        .map(Option::unwrap_or_default)
        .and_then(emu_config);
    let config = match config {
        Ok((config, warning)) => {
            if let Some(w) = warning {
                emit_warning(env, &w)?;
            }
            config
        }
        Err(e) => {
            errors::clear_pending_exception(env);
            let err = errors::type_error(env, &e);
            return PromiseRaw::reject(env, err);
        }
    };
    env.spawn_future_with_callback(
        async move { Ok(emu::start(config).await.map_err(|e| e.to_string())) },
        |env, started| match started {
            Ok(inner) => Ok(Emulator {
                inner: Arc::new(inner),
            }),
            Err(message) => Err(failure(env, &message)),
        },
    )
}

/// A value read from JS, or the `TypeError` to throw. A getter of the caller's object that
/// threw leaves its exception pending; it is dropped so the documented error is thrown.
fn arg<T>(env: &Env, read: std::result::Result<T, ArgError>) -> Result<T> {
    read.map_err(|e| {
        errors::clear_pending_exception(env);
        errors::type_error(env, &e)
    })
}

/// An `Error` with code `ERR_ORY_EMULATOR`.
fn failure(env: &Env, message: &str) -> napi::Error {
    errors::error(env, "Error", message, |init| {
        init.set_named_property("code", ERR_EMULATOR)
    })
}

/// The longest lifespan, latency or clock step accepted: 100 years. The emulator's dates are
/// `now + lifespan`; a larger value would overflow them, and every request would then fail.
const MAX_MS: f64 = 3_153_600_000_000.0;

fn whole(n: Option<f64>, name: &str, max: u32) -> std::result::Result<Option<u32>, ArgError> {
    match n {
        None => Ok(None),
        Some(n) if n.is_finite() && n.fract() == 0.0 && (0.0..=f64::from(max)).contains(&n) => {
            Ok(Some(n as u32))
        }
        Some(_) => Err(value_error(
            name,
            format!("must be a whole number from 0 to {max}"),
        )),
    }
}

fn lifespan(
    ms: Option<f64>,
    name: &str,
    default: Duration,
) -> std::result::Result<Duration, ArgError> {
    match ms {
        None => Ok(default),
        Some(ms) if ms.is_finite() && (1.0..=MAX_MS).contains(&ms) => {
            Ok(Duration::from_millis(ms as u64))
        }
        Some(_) => Err(value_error(
            name,
            "must be a number of milliseconds from 1 to 3153600000000 (100 years)",
        )),
    }
}

/// `process.emitWarning(message)`.
fn emit_warning(env: &Env, message: &str) -> Result<()> {
    let process: Object = env.get_global()?.get_named_property("process")?;
    let emit: Function<String, Unknown> = process.get_named_property("emitWarning")?;
    emit.call(message.to_owned())?;
    Ok(())
}

/// The Kratos config of `options.config` (a path or an object), with the in-process
/// emulator's own address, and the warning naming the keys it does not model.
fn kratos_config(
    config: Option<Value>,
) -> std::result::Result<(emu::Config, Option<String>), ArgError> {
    let name = "options.config";
    let loaded = match config {
        None => return Ok((emu::Config::default(), None)),
        Some(Value::String(path)) => {
            emu::Config::from_kratos_config(std::path::PathBuf::from(path))
        }
        Some(object) => emu::Config::from_kratos_config(object),
    }
    .map_err(|e| value_error(name, e.to_string()))?;
    let warning = loaded.warning();
    Ok((
        emu::Config {
            port: 0,
            host: emu::Config::default().host,
            public_url: None,
            admin_url: None,
            ..loaded.config
        },
        warning,
    ))
}

/// `EmulatorOptions` as the emulator's config: `options.config` (else the emulator's
/// defaults), then every other option given on top; and the config's warning, if any.
fn emu_config(
    o: EmulatorOptions,
) -> std::result::Result<(emu::Config, Option<String>), ArgError> {
    let (d, warning) = kratos_config(o.config)?;
    let identity_schema = match o.identity_schema {
        None => d.identity_schema.clone(),
        Some(Value::String(text)) => Some(text),
        Some(object) => Some(object.to_string()),
    };
    let max_submissions = match whole(o.max_submissions, "options.maxSubmissions", 255)? {
        Some(0) => {
            return Err(value_error(
                "options.maxSubmissions",
                "must be from 1 to 255",
            ))
        }
        Some(n) => n,
        None => d.max_submissions,
    };
    let identities = o
        .identities
        .unwrap_or_default()
        .into_iter()
        .map(seed)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((emu::Config {
        host: match o.host {
            Some(h) => h
                .parse()
                .map_err(|_| value_error("options.host", "must be an IP address"))?,
            None => d.host,
        },
        port: whole(o.port, "options.port", 65535)?
            .map(|p| p as u16)
            .unwrap_or(d.port),
        api_key: o.api_key,
        version: match o.kratos_version.as_deref() {
            None => d.version,
            Some(v) => v.parse().map_err(|_| {
                value_error(
                    "options.kratosVersion",
                    "must be 'latest', 'v26.2.0' or 'v1.3.1'",
                )
            })?,
        },
        code_lifespan: lifespan(
            o.code_lifespan_ms,
            "options.codeLifespanMs",
            d.code_lifespan,
        )?,
        flow_lifespan: lifespan(
            o.flow_lifespan_ms,
            "options.flowLifespanMs",
            d.flow_lifespan,
        )?,
        session_lifespan: lifespan(
            o.session_lifespan_ms,
            "options.sessionLifespanMs",
            d.session_lifespan,
        )?,
        max_submissions,
        session_after_registration: o
            .session_after_registration
            .unwrap_or(d.session_after_registration),
        dev_mode: o.dev_mode.unwrap_or(d.dev_mode),
        registration_style: match o.registration_style.as_deref() {
            None => d.registration_style,
            Some(s) => s.parse().map_err(|_| {
                value_error(
                    "options.registrationStyle",
                    "must be 'profile_first' or 'unified'",
                )
            })?,
        },
        identities,
        identity_schema,
        ..d
    }, warning))
}

fn seed(v: Value) -> std::result::Result<emu::SeedIdentity, ArgError> {
    let name = "options.identities[]";
    match v {
        Value::String(email) => Ok(emu::SeedIdentity::new(email)),
        Value::Object(mut o) => {
            let email = match o.remove("email") {
                Some(Value::String(e)) => e,
                _ => return Err(value_error(name, "must be an e-mail or { email, traits? }")),
            };
            let traits = match o.remove("traits") {
                None | Some(Value::Null) => None,
                Some(Value::Object(t)) => Some(t),
                Some(_) => return Err(value_error(name, "traits must be an object")),
            };
            Ok(emu::SeedIdentity { email, traits })
        }
        _ => Err(value_error(name, "must be an e-mail or { email, traits? }")),
    }
}

impl TryFrom<FaultOptions> for emu::Fault {
    type Error = ArgError;

    fn try_from(o: FaultOptions) -> std::result::Result<Self, ArgError> {
        let need = |v: Option<String>, what: &str| {
            v.ok_or_else(|| value_error("fault", format!("kind '{}' needs {what}", o.kind)))
        };
        let kind = match o.kind.as_str() {
            "latency" => {
                let ms = o
                    .latency_ms
                    .ok_or_else(|| value_error("fault", "kind 'latency' needs latencyMs"))?;
                emu::FaultKind::Latency(lifespan(Some(ms), "fault.latencyMs", Duration::ZERO)?)
            }
            "hang" => emu::FaultKind::Hang,
            "stall_body" => emu::FaultKind::StallBody,
            "reset_mid_body" => emu::FaultKind::ResetMidBody,
            "bad_gateway" => emu::FaultKind::BadGateway,
            "server_error" => emu::FaultKind::ServerError,
            "non_json" => emu::FaultKind::NonJson,
            "truncated_json" => emu::FaultKind::TruncatedJson,
            "oversized_body" => emu::FaultKind::OversizedBody,
            "rate_limited" => {
                let secs =
                    whole(o.retry_after_seconds, "fault.retryAfterSeconds", 86_400)?.unwrap_or(30);
                emu::FaultKind::RateLimited {
                    retry_after: Duration::from_secs(u64::from(secs)),
                }
            }
            "foreign_action" => emu::FaultKind::ForeignAction {
                origin: need(o.origin.clone(), "origin")?,
            },
            "redirect" => emu::FaultKind::Redirect {
                status: whole(o.status, "fault.status", 399)?
                    .map(|s| s as u16)
                    .unwrap_or(302),
                location: need(o.location.clone(), "location")?,
            },
            other => {
                return Err(value_error(
                    "fault.kind",
                    format!("is not a fault kind: {other:?}"),
                ))
            }
        };
        let route = o.route.map(emu::RouteMatch::prefix);
        let route = match (route, o.method) {
            (Some(r), Some(m)) => Some(r.with_method(m)),
            (None, Some(m)) => Some(emu::RouteMatch::prefix("/").with_method(m)),
            (r, None) => r,
        };
        Ok(emu::Fault {
            route,
            kind,
            times: whole(o.times, "fault.times", u32::MAX)?,
        })
    }
}
