//! HTTP plumbing that behaves like Kratos's: content negotiation (`x.IsJSONRequest`, gddo's
//! `NegotiateContentType`), the body decoder (`ory/x/decoderx`), request URLs, cookies, and the
//! response writers (herodot's JSON writer, Go's `http.Redirect`).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

/// Largest request body the emulator reads.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The peer address, put into request extensions by the server loop.
#[derive(Debug, Clone, Copy)]
pub struct RemoteAddr(pub SocketAddr);

/// A whole request: head plus the body read into memory. No `Debug`: headers and body can
/// carry codes and session tokens.
pub struct Req {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub remote: Option<SocketAddr>,
    /// The CSRF cookie value the nosurf middleware set on this response, if it set one: the
    /// handler's tokens are made from it (nosurf's context), while the `Cookie` header stays
    /// as sent (the CSRF error reasons read it), and a later rotation in the same request sets
    /// no second cookie (`ctxWasSent`).
    pub csrf_sent: Option<String>,
}

/// Put into request extensions by the CSRF middleware when it minted a cookie.
#[derive(Clone)]
pub struct CsrfSent(pub String);

impl<S: Send + Sync> FromRequest<S> for Req {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let remote = parts.extensions.get::<RemoteAddr>().map(|r| r.0);
        let csrf_sent = parts.extensions.get::<CsrfSent>().map(|c| c.0.clone());
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        Ok(Req {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            remote,
            csrf_sent,
        })
    }
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first value of a query parameter (Go's `URL.Query().Get`), `""` when absent.
    pub fn query(&self, key: &str) -> String {
        self.uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default()
    }

    pub fn has_query(&self, key: &str) -> bool {
        self.uri
            .query()
            .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == key))
    }

    /// `x.IsJSONRequest`: `Accept` negotiates to JSON, or `Content-Type` is exactly
    /// `application/json` (docs/kratos-protocol.md §2).
    pub fn is_json(&self) -> bool {
        negotiate(
            &self.headers,
            &["text/html", "text/*", "*/*", "application/json"],
            "text/html",
        ) == "application/json"
            || self.header("content-type") == Some("application/json")
    }

    /// `x.AcceptsJSON`, used where Kratos sends a flow "as redirect or JSON".
    pub fn accepts_json(&self) -> bool {
        negotiate(
            &self.headers,
            &["text/html", "application/json"],
            "text/html",
        ) == "application/json"
    }

    /// `X-Request-ID`, echoed as `error.request`.
    pub fn request_id(&self) -> Option<String> {
        self.header("x-request-id")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// `x.RequestURL`: the URL as the client addressed it (Host, X-Forwarded-Host/Proto).
    pub fn request_url(&self) -> String {
        let host = self
            .header("x-forwarded-host")
            .or_else(|| self.header("host"))
            .unwrap_or("localhost")
            .to_owned();
        let scheme = self
            .header("x-forwarded-proto")
            .filter(|s| !s.is_empty())
            .unwrap_or("http");
        let path_and_query = self.uri.path_and_query().map_or("/", |p| p.as_str());
        format!("{scheme}://{host}{path_and_query}")
    }

    /// Every cookie of the `Cookie` header(s), in order.
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                let k = k.trim();
                (!k.is_empty()).then(|| (k.to_owned(), v.trim().trim_matches('"').to_owned()))
            })
            .collect()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// ory/x's `httpx.ClientIP`: `True-Client-IP`, `Cf-Connecting-IP`, `X-Real-IP`, the last
    /// non-private hop of `X-Forwarded-For`, else the peer address with its port.
    pub fn client_ip(&self) -> String {
        for name in ["true-client-ip", "cf-connecting-ip", "x-real-ip"] {
            if let Some(ip) = self.header(name).filter(|s| !s.is_empty()) {
                return ip.to_owned();
            }
        }
        if let Some(xff) = self.header("x-forwarded-for").filter(|s| !s.is_empty()) {
            return xff
                .split(',')
                .rev()
                .map(str::trim)
                .find(|hop| !is_private(hop))
                .unwrap_or("")
                .to_owned();
        }
        self.remote.map(|a| a.to_string()).unwrap_or_default()
    }
}

/// Go's `net.IP.IsPrivate` (RFC 1918 and fc00::/7); anything unparsable is not private.
fn is_private(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_private(),
        Ok(std::net::IpAddr::V6(v6)) => (v6.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

// --- content negotiation --------------------------------------------------------------------

struct AcceptSpec {
    value: String,
    q: f64,
}

/// gddo's `header.ParseAccept`: a parameter other than `q` ends the parse of that header line.
fn parse_accept(headers: &HeaderMap) -> Vec<AcceptSpec> {
    let mut specs = Vec::new();
    for line in headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        let mut s = line;
        loop {
            let (value, rest) = expect_token_slash(s);
            if value.is_empty() {
                break;
            }
            let mut spec = AcceptSpec {
                value: value.to_owned(),
                q: 1.0,
            };
            let mut rest = rest.trim_start_matches([' ', '\t']);
            if let Some(r) = rest.strip_prefix(';') {
                let r = r.trim_start_matches([' ', '\t']);
                let Some(r) = r.strip_prefix("q=") else { break };
                let (q, r) = expect_quality(r);
                if q < 0.0 {
                    break;
                }
                spec.q = q;
                rest = r;
            }
            specs.push(spec);
            let rest = rest.trim_start_matches([' ', '\t']);
            let Some(r) = rest.strip_prefix(',') else {
                break;
            };
            s = r.trim_start_matches([' ', '\t']);
        }
    }
    specs
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn expect_token_slash(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(is_token_char(c) || c == '/'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn expect_quality(s: &str) -> (f64, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(end);
    match num.parse::<f64>() {
        Ok(q) if (0.0..=1.0).contains(&q) && !num.is_empty() => (q, rest),
        _ => (-1.0, rest),
    }
}

/// gddo's `httputil.NegotiateContentType`.
pub fn negotiate<'a>(headers: &HeaderMap, offers: &[&'a str], default: &'a str) -> &'a str {
    let specs = parse_accept(headers);
    let mut best = default;
    let mut best_q = -1.0;
    let mut best_wild = 3;
    for offer in offers {
        for spec in &specs {
            if spec.q == 0.0 || spec.q < best_q {
                continue;
            }
            if spec.value == "*/*" {
                if spec.q > best_q || best_wild > 2 {
                    (best_q, best_wild, best) = (spec.q, 2, offer);
                }
            } else if let Some(prefix) = spec.value.strip_suffix('*') {
                if spec.value.ends_with("/*")
                    && offer.starts_with(prefix)
                    && (spec.q > best_q || best_wild > 1)
                {
                    (best_q, best_wild, best) = (spec.q, 1, offer);
                }
            } else if spec.value == *offer && (spec.q > best_q || best_wild > 0) {
                (best_q, best_wild, best) = (spec.q, 0, offer);
            }
        }
    }
    best
}

// --- body decoding (decoderx) ---------------------------------------------------------------

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// The decoded top level of a body, before it is matched against a method's schema. No
/// `Debug`: it can hold a code.
#[derive(Clone)]
pub enum Fields {
    /// A JSON object; values keep their JSON type.
    Json(Map<String, Value>),
    /// Form or query pairs, in order.
    Form(Vec<(String, String)>),
}

impl std::fmt::Debug for Fields {
    /// Keys only: values can be codes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = match self {
            Fields::Json(m) => m.keys().map(String::as_str).collect(),
            Fields::Form(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
        };
        f.debug_struct("Fields")
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}

impl Fields {
    /// The value of a `type: string` schema path as decoderx reads it: JSON scalars become
    /// their text (gjson's `String()`), objects their raw JSON; empty values count as absent.
    pub fn string(&self, key: &str) -> Option<String> {
        let s = match self {
            Fields::Json(m) => m.get(key).map(gjson_string)?,
            Fields::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())?,
        };
        (!s.is_empty()).then_some(s)
    }

    /// The value of a `type: object` schema path: a JSON object, or a string holding one.
    pub fn object(&self, key: &str) -> Option<Map<String, Value>> {
        let raw = match self {
            Fields::Json(m) => match m.get(key)? {
                Value::Object(o) => return Some(o.clone()),
                other => gjson_string(other),
            },
            Fields::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())?,
        };
        match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(o)) => Some(o),
            _ => None,
        }
    }

    /// Keys with a prefix, e.g. the flat `traits.email` form of nested traits.
    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        match self {
            Fields::Json(m) => m
                .keys()
                .filter(|k| k.starts_with(prefix))
                .cloned()
                .collect(),
            Fields::Form(pairs) => {
                let mut keys: Vec<String> = Vec::new();
                for (k, _) in pairs {
                    if k.starts_with(prefix) && !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
                keys
            }
        }
    }

    /// The raw value of a key, for keys whose schema type is not a string.
    pub fn raw(&self, key: &str) -> Option<Value> {
        match self {
            Fields::Json(m) => m.get(key).cloned(),
            Fields::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| Value::String(v.clone())),
        }
    }
}

/// gjson's `Result.String()` for a top-level JSON value.
fn gjson_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Content-Type`'s media type, lowercased (Go's `mime.ParseMediaType`), or `None` when absent
/// or unparsable.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?.trim();
    let media = ct.split(';').next()?.trim().to_ascii_lowercase();
    let (ty, sub) = media.split_once('/')?;
    (!ty.is_empty() && !sub.is_empty() && media.chars().all(|c| is_token_char(c) || c == '/'))
        .then_some(media)
}

/// How decoderx refuses a request before decoding: a herodot 400 with this reason.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError(pub String);

/// decoderx's `validateRequest` followed by the flattened-JSON or form decoder, for a method's
/// allowed HTTP methods. Content types are the decoder's defaults (multipart, form, JSON).
pub fn decode_fields(req: &Req, allowed_methods: &[&str]) -> Result<Fields, DecodeError> {
    decode_with(req, allowed_methods, &[MULTIPART, FORM, JSON])
}

/// Kratos's second decode of a submit (the code strategy's, after the handler's), for a body
/// that [`decode_fields`] already decoded: only its method and content-type checks can fail, so
/// only they run.
pub fn check_second_decode(req: &Req, allowed_methods: &[&str]) -> Result<(), DecodeError> {
    check_request(req, allowed_methods, &[MULTIPART, FORM, JSON])
}

/// The JSON-only decoder of `DELETE /self-service/logout/api` (decoderx `HTTPJSONDecoder`).
pub fn decode_json_only(req: &Req, allowed_methods: &[&str]) -> Result<Value, DecodeError> {
    check_request(req, allowed_methods, &[JSON])?;
    serde_json::Deserializer::from_slice(&req.body)
        .into_iter::<Value>()
        .next()
        .unwrap_or_else(|| serde_json::from_slice::<Value>(b""))
        .map_err(|e| {
            DecodeError(format!(
                "Unable to decode JSON payload: {}",
                go_json_error(&e)
            ))
        })
}

fn check_request(
    req: &Req,
    allowed_methods: &[&str],
    allowed_types: &[&str],
) -> Result<(), DecodeError> {
    let method = req.method.as_str().to_ascii_uppercase();
    if !allowed_methods.contains(&method.as_str()) {
        return Err(DecodeError(format!(
            "Unable to decode body because HTTP Request Method was \"{method}\" but only [{}] are supported.",
            allowed_methods.join(" ")
        )));
    }
    if method == "GET" {
        return Ok(());
    }
    // Go's ContentLength is 0 both for "Content-Length: 0" and for a request with no body
    // framing at all; a chunked body is -1 and passes.
    let chunked = req.headers.contains_key(header::TRANSFER_ENCODING);
    if !chunked && req.body.is_empty() {
        return Err(DecodeError(
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.".into(),
        ));
    }
    let allowed = media_type(&req.headers).is_some_and(|m| allowed_types.contains(&m.as_str()));
    if !allowed {
        let raw = req.header("content-type").unwrap_or("");
        return Err(DecodeError(format!(
            "HTTP {method} Request used unknown HTTP Header \"Content-Type: {raw}\", only [{}] are supported.",
            allowed_types.join(" ")
        )));
    }
    Ok(())
}

fn decode_with(
    req: &Req,
    allowed_methods: &[&str],
    allowed_types: &[&str],
) -> Result<Fields, DecodeError> {
    check_request(req, allowed_methods, allowed_types)?;
    if req.method == Method::GET {
        let pairs = req
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        return Ok(Fields::Form(pairs));
    }
    match media_type(&req.headers).as_deref() {
        Some(JSON) => decode_json_object(&req.body),
        Some(FORM) => Ok(Fields::Form(
            form_urlencoded::parse(&req.body).into_owned().collect(),
        )),
        Some(MULTIPART) => decode_multipart(req),
        _ => Err(DecodeError("unreachable content type".into())),
    }
}

/// decoderx's `decodeJSONForm`: the first JSON value of the body must be an object.
fn decode_json_object(body: &[u8]) -> Result<Fields, DecodeError> {
    let first = serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .next();
    match first {
        Some(Ok(Value::Object(m))) => Ok(Fields::Json(m)),
        Some(Ok(other)) => Err(DecodeError(format!(
            "Expected JSON sent in request body to be an object but got: {}",
            gjson_type(&other)
        ))),
        _ => Err(DecodeError("Unable to decode form as JSON.".into())),
    }
}

fn gjson_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(false) => "False",
        Value::Bool(true) => "True",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        _ => "JSON",
    }
}

/// The text fields of a `multipart/form-data` body.
fn decode_multipart(req: &Req) -> Result<Fields, DecodeError> {
    let ct = req.header("content-type").unwrap_or("");
    let boundary = ct
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .next()
        .ok_or_else(|| {
            DecodeError(
                "Unable to decode HTTP POST form body: no multipart boundary param in Content-Type"
                    .into(),
            )
        })?;
    let body = String::from_utf8_lossy(&req.body);
    let delimiter = format!("--{boundary}");
    let mut pairs = Vec::new();
    for part in body.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .flat_map(|l| l.split(';'))
            .filter_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_owned())
            .next();
        if let Some(name) = name {
            pairs.push((name, value.strip_suffix("\r\n").unwrap_or(value).to_owned()));
        }
    }
    Ok(Fields::Form(pairs))
}

/// A serde_json error phrased like Go's `encoding/json` where the difference is visible.
pub fn go_json_error(e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    e.to_string()
}

// --- responses --------------------------------------------------------------------------------

/// herodot's `Write`/`WriteCode`: JSON with `charset=utf-8`.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

/// Go's `http.Redirect`: a short HTML body for GET and HEAD, none otherwise.
pub fn redirect(method: &Method, status: StatusCode, location: &str) -> Response {
    let mut res = if *method == Method::GET || *method == Method::HEAD {
        let text = status.canonical_reason().unwrap_or("Found");
        let mut r = Response::new(Body::from(format!(
            "<a href=\"{}\">{text}</a>.\n\n",
            html_escape(location)
        )));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    } else {
        Response::new(Body::empty())
    };
    *res.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Adds `Set-Cookie` lines to a response.
pub fn with_cookies(mut res: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Appends a query parameter the way Go's `url.Values.Encode` would for one new key.
pub fn append_query(url: &str, key: &str, value: &str) -> String {
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn req(method: Method, pairs: &[(&str, &str)], body: &str) -> Req {
        Req {
            method,
            uri: "/self-service/login?flow=x".parse().unwrap(),
            headers: headers(pairs),
            body: Bytes::from(body.to_owned()),
            remote: None,
            csrf_sent: None,
        }
    }

    const OFFERS: &[&str] = &["text/html", "text/*", "*/*", "application/json"];

    #[test]
    fn negotiation_follows_protocol_section_2() {
        // docs/kratos-protocol.md §2: */* or no Accept means HTML; "application/json, */*" means JSON
        assert_eq!(negotiate(&headers(&[]), OFFERS, "text/html"), "text/html");
        assert_eq!(
            negotiate(&headers(&[("accept", "*/*")]), OFFERS, "text/html"),
            "text/html"
        );
        assert_eq!(
            negotiate(
                &headers(&[("accept", "application/json")]),
                OFFERS,
                "text/html"
            ),
            "application/json"
        );
        assert_eq!(
            negotiate(
                &headers(&[("accept", "application/json, */*")]),
                OFFERS,
                "text/html"
            ),
            "application/json"
        );
        assert_eq!(
            negotiate(
                &headers(&[("accept", "text/html;q=0.5, application/json")]),
                OFFERS,
                "text/html"
            ),
            "application/json"
        );
        // a parameter other than q stops gddo's parser, so the JSON spec is never seen
        assert_eq!(
            negotiate(
                &headers(&[("accept", "application/json; charset=utf-8")]),
                OFFERS,
                "text/html"
            ),
            "text/html"
        );
    }

    #[test]
    fn only_an_exact_json_content_type_makes_a_json_request() {
        assert!(req(Method::POST, &[("content-type", "application/json")], "{}").is_json());
        assert!(!req(
            Method::POST,
            &[("content-type", "application/json; charset=utf-8")],
            "{}"
        )
        .is_json());
        assert!(req(
            Method::POST,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("accept", "application/json")
            ],
            "{}"
        )
        .is_json());
    }

    #[test]
    fn decoder_refuses_empty_bodies_and_unknown_types_with_kratos_reasons() {
        let e = decode_fields(
            &req(Method::POST, &[("content-type", "application/json")], ""),
            &["POST"],
        )
        .unwrap_err();
        assert_eq!(e.0, "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.");
        let e = decode_fields(
            &req(Method::POST, &[("content-type", "text/plain")], "x"),
            &["POST"],
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            "HTTP POST Request used unknown HTTP Header \"Content-Type: text/plain\", only [multipart/form-data application/x-www-form-urlencoded application/json] are supported."
        );
        let e = decode_fields(&req(Method::GET, &[], ""), &["POST"]).unwrap_err();
        assert_eq!(e.0, "Unable to decode body because HTTP Request Method was \"GET\" but only [POST] are supported.");
        let e = decode_fields(
            &req(Method::POST, &[("content-type", "application/json")], "[1]"),
            &["POST"],
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            "Expected JSON sent in request body to be an object but got: JSON"
        );
        let e = decode_fields(
            &req(Method::POST, &[("content-type", "application/json")], "{"),
            &["POST"],
        )
        .unwrap_err();
        assert_eq!(e.0, "Unable to decode form as JSON.");
    }

    #[test]
    fn json_and_form_bodies_read_the_same_way() {
        let j = decode_fields(
            &req(
                Method::POST,
                &[("content-type", "application/json")],
                r#"{"code":123456,"identifier":"","traits":{"email":"a@b.c"}}"#,
            ),
            &["POST"],
        )
        .unwrap();
        assert_eq!(j.string("code").as_deref(), Some("123456"));
        assert_eq!(j.string("identifier"), None, "empty counts as absent");
        assert_eq!(j.object("traits").unwrap()["email"], "a@b.c");
        let f = decode_fields(
            &req(
                Method::POST,
                &[("content-type", "application/x-www-form-urlencoded")],
                "code=123456&traits.email=a%40b.c",
            ),
            &["POST"],
        )
        .unwrap();
        assert_eq!(f.string("code").as_deref(), Some("123456"));
        assert_eq!(f.keys_with_prefix("traits."), ["traits.email"]);
    }

    #[test]
    fn multipart_text_fields_are_read() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\ncode\r\n--XX\r\nContent-Disposition: form-data; name=\"identifier\"\r\n\r\na@b.c\r\n--XX--\r\n";
        let f = decode_fields(
            &req(
                Method::POST,
                &[("content-type", "multipart/form-data; boundary=XX")],
                body,
            ),
            &["POST"],
        )
        .unwrap();
        assert_eq!(f.string("method").as_deref(), Some("code"));
        assert_eq!(f.string("identifier").as_deref(), Some("a@b.c"));
    }

    #[test]
    fn redirects_carry_a_body_only_for_get() {
        let r = redirect(
            &Method::GET,
            StatusCode::SEE_OTHER,
            "http://x/ui/login?flow=1",
        );
        assert_eq!(r.headers()[header::LOCATION], "http://x/ui/login?flow=1");
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let r = redirect(&Method::POST, StatusCode::SEE_OTHER, "http://x/");
        assert!(r.headers().get(header::CONTENT_TYPE).is_none());
    }
}
