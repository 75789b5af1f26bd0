//! Options and parameter objects, read from JS with their types checked.
//!
//! Each struct's reader is derived from its Rust field names (`js_object!`), the same names
//! napi turns into the `.d.ts` keys, so the two cannot drift. Type errors use Node's wording
//! and never show a value (a value may be a code or a token); value checks (lengths, UUIDs,
//! digits, ranges) live in the core.

use std::time::Duration;

use napi_derive::napi;
use ory_otc_core::{Config, Error as CoreError, FlowKind, FlowMode, Secret, VerifyRequest};
use ory_otc_napi::args::{value_error, ArgError};
use ory_otc_napi::js_object;
use serde_json::{Map, Value};

use crate::error::arg;

/// Options of `new OryOtc(options)`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct OryOtcOptions {
    /// Ory's public URL, e.g. `https://<slug>.projects.oryapis.com` or `http://127.0.0.1:4433`.
    /// @default process.env.ORY_SDK_URL, else `https://${ORY_PROJECT_SLUG}.projects.oryapis.com`
    pub base_url: Option<String>,
    /// The most one call may take, all its requests included, in milliseconds (1 to 600000).
    /// @default 10000
    pub timeout_ms: Option<f64>,
    /// The most opening one connection may take, in milliseconds (capped at `timeoutMs`).
    /// @default 3000
    pub connect_timeout_ms: Option<f64>,
    /// An Ory API key, sent as `Authorization: Bearer` to `/admin/` paths only.
    /// @default process.env.ORY_API_KEY
    pub api_key: Option<String>,
    /// The `User-Agent` header.
    /// @default 'ory-otc/<version>'
    pub user_agent: Option<String>,
    /// Accept a plain-http `baseUrl` on a host that is not loopback (never do this in production).
    /// @default false
    pub allow_http: Option<bool>,
    /// Which flows to run. `'api'`: API (native) flows, the session as a token. `'browser'`:
    /// browser flows on a browser's behalf, its cookies in (`options.cookie` of each call),
    /// Kratos's `Set-Cookie` out (`setCookie` of each result), CSRF handled.
    /// @default 'api'
    #[napi(ts_type = "FlowMode")]
    pub flow: Option<String>,
    /// Browser mode: rewrite the `Domain` of every cookie Kratos sets before it goes back to the
    /// browser: a domain (e.g. `example.com`) replaces it, `''` removes it (the cookie then
    /// belongs to the host that serves your app). Needed only when the browser reaches Kratos
    /// under another host than Kratos names itself (a proxy); not with an Ory custom domain.
    /// @default cookies are forwarded as Kratos set them
    pub cookie_domain: Option<String>,
}
js_object!(OryOtcOptions {
    base_url,
    timeout_ms,
    connect_timeout_ms,
    api_key,
    user_agent,
    allow_http,
    flow,
    cookie_domain,
});

/// `verifyLoginCode(params)`.
#[napi(object, object_to_js = false)]
pub struct VerifyLoginCodeParams {
    /// The `flowId` of the `code_sent` result.
    pub flow_id: String,
    /// The code from the e-mail: 4 to 16 digits (Kratos sends 6).
    pub code: String,
    /// The address the code went to. Saves one request; read from the flow when absent.
    pub identifier: Option<String>,
}
js_object!(VerifyLoginCodeParams {
    flow_id,
    code,
    identifier
});

/// `verifyRegistrationCode(params)`.
#[napi(object, object_to_js = false)]
pub struct VerifyRegistrationCodeParams {
    pub flow_id: String,
    pub code: String,
    /// The traits the code was sent for. Saves one request; read from the flow when absent.
    #[napi(ts_type = "Record<string, unknown>")]
    pub traits: Option<Map<String, Value>>,
}
js_object!(VerifyRegistrationCodeParams {
    flow_id,
    code,
    traits
});

/// `verifyCode(params)`: the second step of `sendCode`.
#[napi(object, object_to_js = false)]
pub struct VerifyCodeParams {
    pub flow_id: String,
    #[napi(ts_type = "FlowType")]
    pub flow_type: String,
    pub code: String,
    /// Login flows: the address the code went to (saves one request).
    pub identifier: Option<String>,
}
js_object!(VerifyCodeParams {
    flow_id,
    flow_type,
    code,
    identifier
});

/// `resendCode(params)`.
#[napi(object, object_to_js = false)]
pub struct ResendCodeParams {
    pub flow_id: String,
    #[napi(ts_type = "FlowType")]
    pub flow_type: String,
    /// Login flows: the address to send to (saves one request).
    pub identifier: Option<String>,
}
js_object!(ResendCodeParams {
    flow_id,
    flow_type,
    identifier
});

impl TryFrom<OryOtcOptions> for Config {
    type Error = CoreError;

    /// Explicit options win over the environment; defaults are the core's.
    fn try_from(o: OryOtcOptions) -> Result<Self, CoreError> {
        let mut b = Config::builder();
        if let Some(url) = o.base_url {
            b = b.base_url(url);
        }
        if let Some(ms) = o.timeout_ms {
            b = b.timeout(millis("options.timeoutMs", ms).map_err(arg)?);
        }
        if let Some(ms) = o.connect_timeout_ms {
            b = b.connect_timeout(millis("options.connectTimeoutMs", ms).map_err(arg)?);
        }
        if let Some(key) = o.api_key {
            b = b.api_key(key);
        }
        if let Some(agent) = o.user_agent {
            b = b.user_agent(agent);
        }
        if let Some(flow) = o.flow {
            b = b.flow_mode(match flow.as_str() {
                "api" => FlowMode::Api,
                "browser" => FlowMode::Browser,
                _ => {
                    return Err(arg(value_error(
                        "options.flow",
                        "must be 'api' or 'browser'",
                    )))
                }
            });
        }
        if let Some(domain) = o.cookie_domain {
            b = b.cookie_domain(domain);
        }
        b.allow_http(o.allow_http.unwrap_or(false))
            .with_env(|k| std::env::var(k).ok())
            .build()
    }
}

impl From<VerifyLoginCodeParams> for VerifyRequest {
    fn from(p: VerifyLoginCodeParams) -> Self {
        VerifyRequest {
            flow_kind: FlowKind::Login,
            flow_id: p.flow_id,
            code: Secret::new(p.code),
            identifier: p.identifier,
            traits: None,
        }
    }
}

impl From<VerifyRegistrationCodeParams> for VerifyRequest {
    fn from(p: VerifyRegistrationCodeParams) -> Self {
        VerifyRequest {
            flow_kind: FlowKind::Registration,
            flow_id: p.flow_id,
            code: Secret::new(p.code),
            identifier: None,
            traits: p.traits,
        }
    }
}

impl TryFrom<VerifyCodeParams> for VerifyRequest {
    type Error = ArgError;

    fn try_from(p: VerifyCodeParams) -> Result<Self, ArgError> {
        Ok(VerifyRequest {
            flow_kind: flow_kind("params.flowType", &p.flow_type)?,
            flow_id: p.flow_id,
            code: Secret::new(p.code),
            identifier: p.identifier,
            traits: None,
        })
    }
}

/// A whole, finite number of milliseconds (the core checks the range).
fn millis(name: &str, ms: f64) -> Result<Duration, ArgError> {
    if !ms.is_finite() || ms.fract() != 0.0 || !(1.0..=600_000.0).contains(&ms) {
        return Err(value_error(
            name,
            "must be a whole number of milliseconds from 1 to 600000",
        ));
    }
    Ok(Duration::from_millis(ms as u64))
}

/// `'login'` or `'registration'`.
pub(crate) fn flow_kind(name: &str, value: &str) -> Result<FlowKind, ArgError> {
    match value {
        "login" => Ok(FlowKind::Login),
        "registration" => Ok(FlowKind::Registration),
        _ => Err(value_error(name, "must be 'login' or 'registration'")),
    }
}
