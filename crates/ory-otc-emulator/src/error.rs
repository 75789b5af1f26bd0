//! Errors: the Rust API's [`Error`], and [`ApiError`], herodot's `{"error":{…}}` envelope as
//! an axum response (docs/kratos-protocol.md §5). Kratos's refusals that carry flow JSON are not errors here:
//! handlers return them as ordinary responses.

use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ory_otc_protocol::error::{ErrorResponse, GenericError, ORY_ERROR_ID_HEADER};
use serde_json::{Map, Value};

/// What the Rust API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is not one Kratos would accept.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The listening socket could not be opened.
    #[error("could not listen on {addr}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// An identity with one of these identifiers exists already (Kratos's 409).
    #[error("an identity with the same identifier exists already")]
    DuplicateIdentity,
    /// The traits do not match the identity schema.
    #[error("invalid traits: {0}")]
    InvalidTraits(String),
}

/// herodot's default `message` for a status (docs/kratos-protocol.md §5).
fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request was malformed or contained invalid parameters",
        401 => "The request could not be authorized",
        403 => "The requested action was forbidden",
        404 => "The requested resource could not be found",
        409 => "The resource could not be created due to a conflict",
        410 => "The requested resource is no longer available because it has expired or is otherwise invalid.",
        422 => "The request was well-formed but was unable to be followed due to semantic errors",
        429 => "The request has been rate limited",
        _ => "An internal server error occurred, please contact the system administrator",
    }
}

/// A herodot error envelope. Build one with the constructors, adjust it with the `with_*`
/// methods, and return it: it renders as `application/json` with `Ory-Error-Id`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: envelopes travel through `Result`s and should keep them small.
    pub body: Box<ErrorResponse>,
}

impl ApiError {
    pub fn new(status: StatusCode) -> Self {
        ApiError {
            status,
            body: Box::new(ErrorResponse {
                error: GenericError {
                    id: None,
                    code: status.as_u16(),
                    status: status.canonical_reason().unwrap_or("").to_owned(),
                    request: None,
                    reason: None,
                    details: None,
                    message: default_message(status).to_owned(),
                },
                expired_at: None,
                since: None,
                use_flow_id: None,
                redirect_browser_to: None,
            }),
        }
    }

    pub fn bad_request(reason: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST).with_reason(reason)
    }

    /// A database "no rows": 404 "Unable to locate the resource", no reason.
    pub fn not_found_resource() -> Self {
        ApiError::new(StatusCode::NOT_FOUND).with_message("Unable to locate the resource")
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.body.error.id = Some(id.to_owned());
        self
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.body.error.reason = Some(reason.into());
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.body.error.message = message.into();
        self
    }

    pub fn with_detail(mut self, key: &str, value: Value) -> Self {
        self.body
            .error
            .details
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value);
        self
    }

    /// Echoes the request's `X-Request-ID` as `error.request`.
    pub fn with_request(mut self, request_id: Option<String>) -> Self {
        self.body.error.request = request_id;
        self
    }

    pub fn reason(&self) -> &str {
        self.body.error.reason.as_deref().unwrap_or("")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let id = self.body.error.id.clone().unwrap_or_default();
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut res = Response::new(axum::body::Body::from(body));
        *res.status_mut() = self.status;
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // docs/kratos-protocol.md §2: every envelope carries Ory-Error-Id, empty when the error has no id.
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(ORY_ERROR_ID_HEADER, v);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_not_found_envelope_has_no_reason_and_an_empty_error_id_header() {
        let res = ApiError::not_found_resource().into_response();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()[ORY_ERROR_ID_HEADER], "");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn fields_serialize_in_herodot_order() {
        let e = ApiError::bad_request("r")
            .with_id("x")
            .with_request(Some("rid".into()))
            .with_detail("k", Value::Bool(true));
        assert_eq!(
            serde_json::to_string(&e.body).unwrap(),
            r#"{"error":{"id":"x","code":400,"status":"Bad Request","request":"rid","reason":"r","details":{"k":true},"message":"The request was malformed or contained invalid parameters"}}"#
        );
    }
}
