//! Normalisation of answers, so that a Kratos and the emulator can be compared: ids, times,
//! tokens, codes and cookie values are replaced by placeholders, the same value by the same
//! placeholder within one run.

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Value};

use super::client::Raw;

/// The headers compared; others (Date, Content-Length, …) differ by nature.
const HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "ory-error-id",
    "location",
    "vary",
    "x-kratos-authenticated-identity-id",
    "clear-site-data",
];

/// Replaces run-specific values by placeholders. One per run: ids are numbered in the order
/// they first appear.
pub struct Normaliser {
    tag: String,
    uuids: HashMap<String, usize>,
    uuid: Regex,
    time: Regex,
    token: Regex,
    expires: Regex,
}

impl Normaliser {
    /// `tag` is the run's random part of e-mail addresses; it becomes `<tag>`.
    pub fn new(tag: &str) -> Self {
        Normaliser {
            tag: tag.to_owned(),
            uuids: HashMap::new(),
            uuid: Regex::new(
                r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            )
            .expect("valid regex"),
            time: Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
                .expect("valid regex"),
            token: Regex::new(r"ory_(st|lo|ht|ac|pat|ory)_[A-Za-z0-9]+").expect("valid regex"),
            expires: Regex::new(
                r"Expires=[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT",
            )
            .expect("valid regex"),
        }
    }

    /// A string with its ids, times, tokens and the run tag replaced.
    pub fn string(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        let found: Vec<(usize, usize, String)> = self
            .uuid
            .find_iter(s)
            .map(|m| (m.start(), m.end(), m.as_str().to_lowercase()))
            .collect();
        for (start, end, id) in found {
            out.push_str(&s[last..start]);
            let next = self.uuids.len() + 1;
            let n = *self.uuids.entry(id).or_insert(next);
            out.push_str(&format!("<uuid:{n}>"));
            last = end;
        }
        out.push_str(&s[last..]);
        let out = self.time.replace_all(&out, "<time>");
        let out = self.token.replace_all(&out, "<ory_${1}_token>");
        let out = self.expires.replace_all(&out, "Expires=<date>");
        if self.tag.is_empty() {
            out.into_owned()
        } else {
            out.replace(&self.tag, "<tag>")
        }
    }

    /// `METHOD path?query`, normalised.
    pub fn request(&mut self, method: &str, path_and_query: &str) -> String {
        format!("{method} {}", self.string(path_and_query))
    }

    /// Status, the compared headers, and the body (JSON normalised, with the order of its
    /// keys; other bodies as normalised text).
    pub fn response(&mut self, raw: &Raw) -> Value {
        let mut out = Map::new();
        out.insert("status".into(), Value::from(raw.status));
        let mut headers = Map::new();
        for name in HEADERS {
            let values: Vec<&str> = raw
                .headers
                .get_all(*name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if !values.is_empty() {
                headers.insert(
                    (*name).into(),
                    Value::String(self.string(&values.join(", "))),
                );
            }
        }
        let cookies: Vec<Value> = raw
            .set_cookies()
            .iter()
            .map(|c| Value::String(self.cookie(c)))
            .collect();
        if !cookies.is_empty() {
            headers.insert("set-cookie".into(), Value::Array(cookies));
        }
        out.insert("headers".into(), Value::Object(headers));
        if raw.body.is_empty() {
            return Value::Object(out);
        }
        match serde_json::from_slice::<Value>(&raw.body) {
            Ok(v) => {
                let body = self.value(&v, None);
                out.insert("body".into(), body);
                let order = key_order(&raw.body);
                if !order.is_empty() {
                    out.insert("key_order".into(), Value::from(order));
                }
            }
            Err(_) => {
                let text = raw.text();
                out.insert("text".into(), Value::String(self.string(&text)));
            }
        }
        Value::Object(out)
    }

    /// A `Set-Cookie` line with its value and date replaced.
    fn cookie(&mut self, line: &str) -> String {
        let (pair, rest) = line.split_once(';').unwrap_or((line, ""));
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = if value.is_empty() { "" } else { "<value>" };
        let rest = self.expires.replace_all(rest, |c: &regex::Captures<'_>| {
            if c[0].contains("1970") {
                c[0].to_owned()
            } else {
                "Expires=<date>".to_owned()
            }
        });
        if rest.is_empty() {
            format!("{name}={value}")
        } else {
            format!("{name}={value};{rest}")
        }
    }

    fn value(&mut self, v: &Value, key: Option<&str>) -> Value {
        match v {
            Value::String(s) => {
                if matches!(key, Some("subject" | "body" | "code")) {
                    let s = self.string(s);
                    return Value::String(six_digits(&s));
                }
                if key == Some("session_token_exchange_code") {
                    return Value::String("<exchange_code>".into());
                }
                if key == Some("ip_address") {
                    if let Some((ip, port)) = s.rsplit_once(':') {
                        if port.chars().all(|c| c.is_ascii_digit()) && !ip.is_empty() {
                            return Value::String(format!("{ip}:<port>"));
                        }
                    }
                }
                Value::String(self.string(s))
            }
            Value::Number(_) if matches!(key, Some("since" | "expired_at_unix")) => {
                Value::String("<number>".into())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(x, key)).collect()),
            Value::Object(m) => {
                let csrf_node = m
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n == "csrf_token");
                let mut out = Map::new();
                for (k, x) in m {
                    let nv =
                        if csrf_node && k == "value" && x.as_str().is_some_and(|s| !s.is_empty()) {
                            Value::String("<csrf_token>".into())
                        } else if k == "logout_token" && x.is_string() {
                            Value::String(self.string(x.as_str().unwrap_or_default()))
                        } else {
                            self.value(x, Some(k))
                        };
                    out.insert(k.clone(), nv);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// Six-digit runs (one-time codes) replaced by `<code>`.
fn six_digits(s: &str) -> String {
    let re = Regex::new(r"\b\d{6}\b").expect("valid regex");
    re.replace_all(s, "<code>").into_owned()
}

/// The order of keys of every object in a JSON text, as `path: k1,k2,…` lines (array indices
/// left out, each distinct line once, in order of appearance).
fn key_order(text: &[u8]) -> Vec<String> {
    let Ok(tree) = serde_json::from_slice::<OrderedJson>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    tree.walk("", &mut out);
    out
}

enum OrderedJson {
    Object(Vec<(String, OrderedJson)>),
    Array(Vec<OrderedJson>),
    Scalar,
}

impl OrderedJson {
    fn walk(&self, path: &str, out: &mut Vec<String>) {
        match self {
            OrderedJson::Object(m) => {
                let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
                // Go encodes map[string]… sorted, structs in field order; only the latter is
                // worth comparing, and both show up here.
                let line = format!(
                    "{}: {}",
                    if path.is_empty() { "." } else { path },
                    keys.join(",")
                );
                if !out.contains(&line) {
                    out.push(line);
                }
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    v.walk(&p, out);
                }
            }
            OrderedJson::Array(a) => {
                for v in a {
                    v.walk(&format!("{path}[]"), out);
                }
            }
            OrderedJson::Scalar => {}
        }
    }
}

impl<'de> serde::Deserialize<'de> for OrderedJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OrderedJson;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<OrderedJson, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, OrderedJson>()? {
                    out.push((k, v));
                }
                Ok(OrderedJson::Object(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<OrderedJson, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<OrderedJson>()? {
                    out.push(v);
                }
                Ok(OrderedJson::Array(out))
            }
            fn visit_str<E>(self, _: &str) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
            fn visit_bool<E>(self, _: bool) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
            fn visit_unit<E>(self) -> Result<OrderedJson, E> {
                Ok(OrderedJson::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbered_and_times_tokens_and_tags_replaced() {
        let mut n = Normaliser::new("x1y2");
        let a = "3f0e8c8e-1111-4c4c-9d9d-000000000001";
        let b = "3f0e8c8e-1111-4c4c-9d9d-000000000002";
        assert_eq!(
            n.string(&format!("{a}/{b}/{a}")),
            "<uuid:1>/<uuid:2>/<uuid:1>"
        );
        assert_eq!(n.string("2026-11-30T23:17:43.514192184Z"), "<time>");
        assert_eq!(
            n.string("ory_st_abcDEF123 ory_lo_x9"),
            "<ory_st_token> <ory_lo_token>"
        );
        assert_eq!(
            n.string("conf-x1y2-a@example.com"),
            "conf-<tag>-a@example.com"
        );
        assert_eq!(
            n.cookie("ory_kratos_session=abc; Path=/; Expires=Tue, 01 Dec 2026 23:17:43 GMT; Max-Age=86400; HttpOnly; SameSite=Lax"),
            "ory_kratos_session=<value>; Path=/; Expires=<date>; Max-Age=86400; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn key_order_lists_each_object_shape_once() {
        let order = key_order(br#"{"b":1,"a":{"y":1,"x":2},"n":[{"k":1},{"k":2}]}"#);
        assert_eq!(order, [".: b,a,n", "a: y,x", "n[]: k"]);
    }
}
