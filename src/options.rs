//! Options and parameter objects, and the checks every JS argument goes through.
//!
//! Arguments arrive as `Unknown` and are type-checked here, so that a wrong type rejects with
//! Node's `ERR_INVALID_ARG_TYPE` instead of napi's generic conversion error, and so that no
//! message ever echoes a value (a value may be a code or a token). Value checks (lengths,
//! UUIDs, digits, ranges) live in the core.

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::ValueType;
use napi_derive::napi;
use ory_otc_core::{ArgumentProblem, Config, Error as CoreError};
use serde_json::{Map, Value};

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
}

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

/// `verifyRegistrationCode(params)`.
#[napi(object, object_to_js = false)]
pub struct VerifyRegistrationCodeParams {
    pub flow_id: String,
    pub code: String,
    /// The traits the code was sent for. Saves one request; read from the flow when absent.
    #[napi(ts_type = "Record<string, unknown>")]
    pub traits: Option<Value>,
}

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

/// `resendCode(params)`.
#[napi(object, object_to_js = false)]
pub struct ResendCodeParams {
    pub flow_id: String,
    #[napi(ts_type = "FlowType")]
    pub flow_type: String,
    /// Login flows: the address to send to (saves one request).
    pub identifier: Option<String>,
}

impl OryOtcOptions {
    /// Reads options from a JS value, checking each field's type.
    pub(crate) fn from_js(value: Option<Unknown>) -> std::result::Result<Self, CoreError> {
        let Some(obj) = object_or_absent(value, "options")? else {
            return Ok(Self::default());
        };
        Ok(Self {
            base_url: opt_string(&obj, "options.baseUrl")?,
            timeout_ms: opt_number(&obj, "options.timeoutMs")?,
            connect_timeout_ms: opt_number(&obj, "options.connectTimeoutMs")?,
            api_key: opt_string(&obj, "options.apiKey")?,
            user_agent: opt_string(&obj, "options.userAgent")?,
            allow_http: opt_bool(&obj, "options.allowHttp")?,
        })
    }
}

impl TryFrom<OryOtcOptions> for Config {
    type Error = CoreError;

    /// Explicit options win over the environment; defaults are the core's.
    fn try_from(o: OryOtcOptions) -> std::result::Result<Self, CoreError> {
        let mut b = Config::builder();
        if let Some(url) = o.base_url {
            b = b.base_url(url);
        }
        if let Some(ms) = o.timeout_ms {
            b = b.timeout(millis("options.timeoutMs", ms)?);
        }
        if let Some(ms) = o.connect_timeout_ms {
            b = b.connect_timeout(millis("options.connectTimeoutMs", ms)?);
        }
        if let Some(key) = o.api_key {
            b = b.api_key(key);
        }
        if let Some(agent) = o.user_agent {
            b = b.user_agent(agent);
        }
        b.allow_http(o.allow_http.unwrap_or(false))
            .with_env(|k| std::env::var(k).ok())
            .build()
    }
}

/// A whole, finite number of milliseconds (the core checks the range).
fn millis(name: &str, ms: f64) -> std::result::Result<Duration, CoreError> {
    if !ms.is_finite() || ms.fract() != 0.0 || ms < 1.0 || ms > 600_000.0 {
        return Err(value_error(
            name,
            "must be a whole number of milliseconds from 1 to 600000",
        ));
    }
    Ok(Duration::from_millis(ms as u64))
}

impl VerifyLoginCodeParams {
    pub(crate) fn from_js(value: Unknown) -> std::result::Result<Self, CoreError> {
        let obj = object(value, "params")?;
        Ok(Self {
            flow_id: string(&obj, "params.flowId")?,
            code: string(&obj, "params.code")?,
            identifier: opt_string(&obj, "params.identifier")?,
        })
    }
}

impl VerifyRegistrationCodeParams {
    pub(crate) fn from_js(value: Unknown) -> std::result::Result<Self, CoreError> {
        let obj = object(value, "params")?;
        Ok(Self {
            flow_id: string(&obj, "params.flowId")?,
            code: string(&obj, "params.code")?,
            traits: opt_traits(&obj, "params.traits")?.map(Value::Object),
        })
    }
}

impl VerifyCodeParams {
    pub(crate) fn from_js(value: Unknown) -> std::result::Result<Self, CoreError> {
        let obj = object(value, "params")?;
        Ok(Self {
            flow_id: string(&obj, "params.flowId")?,
            flow_type: string(&obj, "params.flowType")?,
            code: string(&obj, "params.code")?,
            identifier: opt_string(&obj, "params.identifier")?,
        })
    }
}

impl ResendCodeParams {
    pub(crate) fn from_js(value: Unknown) -> std::result::Result<Self, CoreError> {
        let obj = object(value, "params")?;
        Ok(Self {
            flow_id: string(&obj, "params.flowId")?,
            flow_type: string(&obj, "params.flowType")?,
            identifier: opt_string(&obj, "params.identifier")?,
        })
    }
}

/// `'login'` or `'registration'`.
pub(crate) fn flow_kind(
    name: &str,
    value: &str,
) -> std::result::Result<ory_otc_core::FlowKind, CoreError> {
    match value {
        "login" => Ok(ory_otc_core::FlowKind::Login),
        "registration" => Ok(ory_otc_core::FlowKind::Registration),
        _ => Err(value_error(name, "must be 'login' or 'registration'")),
    }
}

/// A required string argument.
pub(crate) fn string_arg(value: Unknown, name: &str) -> std::result::Result<String, CoreError> {
    match value.get_type() {
        Ok(ValueType::String) => {
            String::from_unknown(value).map_err(|_| type_error(name, "string", ValueType::String))
        }
        Ok(t) => Err(type_error(name, "string", t)),
        Err(_) => Err(type_error(name, "string", ValueType::Unknown)),
    }
}

/// An optional traits object (`undefined`/`null` mean none).
pub(crate) fn traits_arg(
    value: Option<Unknown>,
    name: &str,
) -> std::result::Result<Option<Map<String, Value>>, CoreError> {
    let Some(obj) = object_or_absent(value, name)? else {
        return Ok(None);
    };
    let traits: Value = Value::from_unknown(obj.to_unknown())
        .map_err(|_| value_error(name, "must be a plain JSON object"))?;
    match traits {
        Value::Object(map) => Ok(Some(map)),
        _ => Err(type_error(name, "object", ValueType::Object)),
    }
}

/// The `signal` of a call's options.
pub(crate) fn signal_arg<'env>(
    value: Option<Unknown<'env>>,
) -> std::result::Result<Option<Object<'env>>, CoreError> {
    let Some(obj) = object_or_absent(value, "options")? else {
        return Ok(None);
    };
    let signal: Unknown = obj
        .get_named_property("signal")
        .map_err(|_| type_error("options.signal", "AbortSignal", ValueType::Unknown))?;
    match signal.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Ok(None),
        Ok(ValueType::Object) => {
            Ok(Some(Object::from_unknown(signal).map_err(|_| {
                type_error("options.signal", "AbortSignal", ValueType::Object)
            })?))
        }
        Ok(t) => Err(type_error("options.signal", "AbortSignal", t)),
        Err(_) => Err(type_error(
            "options.signal",
            "AbortSignal",
            ValueType::Unknown,
        )),
    }
}

pub(crate) fn object<'env>(
    value: Unknown<'env>,
    name: &str,
) -> std::result::Result<Object<'env>, CoreError> {
    object_or_absent(Some(value), name)?
        .ok_or_else(|| type_error(name, "object", ValueType::Undefined))
}

pub(crate) fn object_or_absent<'env>(
    value: Option<Unknown<'env>>,
    name: &str,
) -> std::result::Result<Option<Object<'env>>, CoreError> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Ok(None),
        Ok(ValueType::Object) if !value.is_array().unwrap_or(false) => Object::from_unknown(value)
            .map(Some)
            .map_err(|_| type_error(name, "object", ValueType::Object)),
        Ok(ValueType::Object) => Err(CoreError::InvalidArgument {
            name: name.into(),
            reason: "must be of type object. Received an array".into(),
            problem: ArgumentProblem::Type,
        }),
        Ok(t) => Err(type_error(name, "object", t)),
        Err(_) => Err(type_error(name, "object", ValueType::Unknown)),
    }
}

pub(crate) fn field<'env>(
    obj: &Object<'env>,
    name: &str,
) -> std::result::Result<Unknown<'env>, CoreError> {
    let key = name.rsplit('.').next().unwrap_or(name);
    obj.get_named_property::<Unknown>(key)
        .map_err(|_| type_error(name, "readable property", ValueType::Unknown))
}

pub(crate) fn is_absent(value: &Unknown) -> bool {
    matches!(
        value.get_type(),
        Ok(ValueType::Undefined) | Ok(ValueType::Null)
    )
}

pub(crate) fn string(obj: &Object, name: &str) -> std::result::Result<String, CoreError> {
    string_arg(field(obj, name)?, name)
}

pub(crate) fn opt_string(
    obj: &Object,
    name: &str,
) -> std::result::Result<Option<String>, CoreError> {
    let v = field(obj, name)?;
    if is_absent(&v) {
        return Ok(None);
    }
    string_arg(v, name).map(Some)
}

pub(crate) fn opt_number(obj: &Object, name: &str) -> std::result::Result<Option<f64>, CoreError> {
    let v = field(obj, name)?;
    match v.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Ok(None),
        Ok(ValueType::Number) => f64::from_unknown(v)
            .map(Some)
            .map_err(|_| type_error(name, "number", ValueType::Number)),
        Ok(t) => Err(type_error(name, "number", t)),
        Err(_) => Err(type_error(name, "number", ValueType::Unknown)),
    }
}

pub(crate) fn opt_bool(obj: &Object, name: &str) -> std::result::Result<Option<bool>, CoreError> {
    let v = field(obj, name)?;
    match v.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Ok(None),
        Ok(ValueType::Boolean) => bool::from_unknown(v)
            .map(Some)
            .map_err(|_| type_error(name, "boolean", ValueType::Boolean)),
        Ok(t) => Err(type_error(name, "boolean", t)),
        Err(_) => Err(type_error(name, "boolean", ValueType::Unknown)),
    }
}

fn opt_traits(
    obj: &Object,
    name: &str,
) -> std::result::Result<Option<Map<String, Value>>, CoreError> {
    traits_arg(Some(field(obj, name)?), name)
}

/// Node's wording: `The "x" argument must be of type string. Received type number`. The value
/// itself is never shown.
pub(crate) fn type_error(name: &str, expected: &str, got: ValueType) -> CoreError {
    let got = match got {
        ValueType::Undefined => "undefined".to_owned(),
        ValueType::Null => "null".to_owned(),
        other => format!("type {}", js_typeof(other)),
    };
    CoreError::InvalidArgument {
        name: name.into(),
        reason: format!("must be of type {expected}. Received {got}"),
        problem: ArgumentProblem::Type,
    }
}

pub(crate) fn value_error(name: &str, reason: &str) -> CoreError {
    CoreError::InvalidArgument {
        name: name.into(),
        reason: reason.into(),
        problem: ArgumentProblem::Value,
    }
}

fn js_typeof(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "object",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::External => "external",
        ValueType::BigInt => "bigint",
        _ => "unknown",
    }
}
