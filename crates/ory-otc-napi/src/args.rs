//! Reading JS arguments: types checked here, values (ranges, formats) by whoever uses them.

use napi::bindgen_prelude::*;
use napi::ValueType;
use serde_json::{Map, Value};
use std::result::Result;

/// Whether a bad argument has the wrong type or a wrong value: Node's `ERR_INVALID_ARG_TYPE`
/// and `ERR_INVALID_ARG_VALUE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Type,
    Value,
}

/// A rejected argument. `name` is its path (`params.flowId`); `reason` never quotes the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    pub name: String,
    pub reason: String,
    pub problem: Problem,
}

impl ArgError {
    /// Node's code for this problem.
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::Type => "ERR_INVALID_ARG_TYPE",
            Problem::Value => "ERR_INVALID_ARG_VALUE",
        }
    }
}

impl std::fmt::Display for ArgError {
    /// Node's wording: `The "options.port" argument must be of type number. Received type string`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "The \"{}\" argument {}", self.name, self.reason)
    }
}

impl std::error::Error for ArgError {}

/// `must be of type <expected>. Received <what>`; the value itself is never shown.
pub fn type_error(name: &str, expected: &str, got: ValueType) -> ArgError {
    let got = match got {
        ValueType::Undefined => "undefined".to_owned(),
        ValueType::Null => "null".to_owned(),
        other => format!("type {}", js_typeof(other)),
    };
    ArgError {
        name: name.into(),
        reason: format!("must be of type {expected}. Received {got}"),
        problem: Problem::Type,
    }
}

/// A value of the right type that is not acceptable, e.g. `must be from 1 to 255`.
pub fn value_error(name: &str, reason: impl Into<String>) -> ArgError {
    ArgError {
        name: name.into(),
        reason: reason.into(),
        problem: Problem::Value,
    }
}

/// A value that JS can pass as an argument or an object field, read with its type checked.
///
/// `name` is the argument's path, for messages. A missing field (`undefined` or `null`) is
/// passed to [`FromJs::absent`], which refuses it unless the type is an `Option`.
pub trait FromJs: Sized {
    /// What the type is called in a message: `string`, `number`, `object`.
    const EXPECTED: &'static str;

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError>;

    fn absent(name: &str, got: ValueType) -> Result<Self, ArgError> {
        Err(type_error(name, Self::EXPECTED, got))
    }

    /// Reads an argument that may be `undefined` or `null`.
    fn read(value: Unknown, name: &str) -> Result<Self, ArgError> {
        match value.get_type() {
            Ok(t @ (ValueType::Undefined | ValueType::Null)) => Self::absent(name, t),
            Ok(_) => Self::from_js(value, name),
            Err(_) => Err(type_error(name, Self::EXPECTED, ValueType::Unknown)),
        }
    }
}

impl<T: FromJs> FromJs for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        T::from_js(value, name).map(Some)
    }

    fn absent(_: &str, _: ValueType) -> Result<Self, ArgError> {
        Ok(None)
    }
}

/// Reads a value of one JS type, or names the type it got.
fn typed<T: FromNapiValue>(
    value: Unknown,
    name: &str,
    want: ValueType,
    expected: &str,
) -> Result<T, ArgError> {
    match value.get_type() {
        Ok(t) if t == want => T::from_unknown(value).map_err(|_| type_error(name, expected, t)),
        Ok(t) => Err(type_error(name, expected, t)),
        Err(_) => Err(type_error(name, expected, ValueType::Unknown)),
    }
}

impl FromJs for String {
    const EXPECTED: &'static str = "string";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        typed(value, name, ValueType::String, Self::EXPECTED)
    }
}

impl FromJs for f64 {
    const EXPECTED: &'static str = "number";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        typed(value, name, ValueType::Number, Self::EXPECTED)
    }
}

impl FromJs for bool {
    const EXPECTED: &'static str = "boolean";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        typed(value, name, ValueType::Boolean, Self::EXPECTED)
    }
}

/// A string or a plain object, as JSON: a path or text, or the parsed thing (a Kratos config,
/// an identity schema).
impl FromJs for Value {
    const EXPECTED: &'static str = "string or object";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        match value.get_type() {
            Ok(ValueType::String) => String::from_js(value, name).map(Value::String),
            Ok(ValueType::Object) => Map::<String, Value>::from_js(value, name).map(Value::Object),
            Ok(t) => Err(type_error(name, Self::EXPECTED, t)),
            Err(_) => Err(type_error(name, Self::EXPECTED, ValueType::Unknown)),
        }
    }
}

/// A plain object (not an array, not a function), as JSON: traits, a Kratos config.
impl FromJs for Map<String, Value> {
    const EXPECTED: &'static str = "object";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        let obj = object(value, name)?;
        match Value::from_unknown(obj.to_unknown()) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(value_error(name, "must be a plain JSON object")),
        }
    }
}

/// An array, as JSON.
impl FromJs for Vec<Value> {
    const EXPECTED: &'static str = "Array";

    fn from_js(value: Unknown, name: &str) -> Result<Self, ArgError> {
        if !value.is_array().unwrap_or(false) {
            return Err(type_error(
                name,
                Self::EXPECTED,
                value.get_type().unwrap_or(ValueType::Unknown),
            ));
        }
        match Value::from_unknown(value) {
            Ok(Value::Array(items)) => Ok(items),
            _ => Err(value_error(name, "must be an array of JSON values")),
        }
    }
}

/// An argument that may be left out, or be `undefined` or `null`: `None` then.
pub fn optional<T: FromJs>(value: Option<Unknown>, name: &str) -> Result<Option<T>, ArgError> {
    match value {
        Some(value) => Option::<T>::read(value, name),
        None => Ok(None),
    }
}

/// An object argument (arrays and functions refused), for reading its fields.
pub fn object<'env>(value: Unknown<'env>, name: &str) -> Result<Object<'env>, ArgError> {
    match value.get_type() {
        Ok(ValueType::Object) if value.is_array().unwrap_or(false) => Err(ArgError {
            name: name.into(),
            reason: "must be of type object. Received an array".into(),
            problem: Problem::Type,
        }),
        Ok(ValueType::Object) => {
            Object::from_unknown(value).map_err(|_| type_error(name, "object", ValueType::Object))
        }
        Ok(t) => Err(type_error(name, "object", t)),
        Err(_) => Err(type_error(name, "object", ValueType::Unknown)),
    }
}

/// An object argument that may be absent (`undefined`, `null`, or not passed).
pub fn object_or_absent<'env>(
    value: Option<Unknown<'env>>,
    name: &str,
) -> Result<Option<Object<'env>>, ArgError> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        _ => object(value, name).map(Some),
    }
}

/// Reads the field of `obj` that the Rust field `rust_name` stands for: its key is the
/// camelCase of the Rust name, as napi names it in the generated types (`flow_id` is
/// `flowId`), and `parent.key` names it in messages. A getter that throws is reported as an
/// unreadable field (its exception stays pending; the napi layer clears it).
pub fn field<T: FromJs>(obj: &Object, parent: &str, rust_name: &str) -> Result<T, ArgError> {
    let key = camel_case(rust_name);
    let name = format!("{parent}.{key}");
    let value: Unknown = obj
        .get_named_property(&key)
        .map_err(|_| type_error(&name, "readable property", ValueType::Unknown))?;
    T::read(value, &name)
}

/// `snake_case` to `camelCase`, as napi-rs names struct fields in JS (`r#type` is `type`).
pub fn camel_case(rust_name: &str) -> String {
    let rust_name = rust_name.strip_prefix("r#").unwrap_or(rust_name);
    let mut out = String::with_capacity(rust_name.len());
    let mut upper = false;
    for c in rust_name.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Derives [`FromJs`] for a `#[napi(object)]` struct from its field names: each field is read
/// from the camelCase key napi gives it in the `.d.ts`, with its Rust type's checks. A field
/// renamed in Rust is renamed in JS with it; a field added to the struct and not listed here
/// does not compile.
///
/// ```ignore
/// js_object!(VerifyLoginCodeParams { flow_id, code, identifier });
/// let p = VerifyLoginCodeParams::read(value, "params")?;
/// ```
#[macro_export]
macro_rules! js_object {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::args::FromJs for $ty {
            const EXPECTED: &'static str = "object";

            fn from_js(
                value: ::napi::bindgen_prelude::Unknown,
                name: &str,
            ) -> ::std::result::Result<Self, $crate::args::ArgError> {
                let obj = $crate::args::object(value, name)?;
                Ok(Self {
                    $($field: $crate::args::field(&obj, name, stringify!($field))?,)*
                })
            }
        }
    };
}

fn js_typeof(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null | ValueType::Object => "object",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Function => "function",
        ValueType::External => "external",
        ValueType::BigInt => "bigint",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_become_napis_camel_case() {
        assert_eq!(camel_case("flow_id"), "flowId");
        assert_eq!(camel_case("code"), "code");
        assert_eq!(camel_case("connect_timeout_ms"), "connectTimeoutMs");
        assert_eq!(camel_case("r#type"), "type");
        assert_eq!(camel_case("set_cookie"), "setCookie");
    }

    #[test]
    fn messages_use_nodes_wording_and_never_a_value() {
        let e = type_error("params.code", "string", ValueType::Number);
        assert_eq!(
            e.to_string(),
            "The \"params.code\" argument must be of type string. Received type number"
        );
        assert_eq!(e.code(), "ERR_INVALID_ARG_TYPE");
        let e = value_error("options.port", "must be a whole number from 0 to 65535");
        assert_eq!(e.code(), "ERR_INVALID_ARG_VALUE");
        assert_eq!(
            type_error("x", "object", ValueType::Null).reason,
            "must be of type object. Received null"
        );
    }
}
