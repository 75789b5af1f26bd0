//! The one error type of the core: everything that is not an outcome Kratos expects.
//!
//! Kratos's refusals (wrong code, unknown account, expired flow, 429, …) are values, see
//! [`crate::outcome`]. An [`Error`] means the call could not be carried out: a bad argument,
//! a bad configuration, the network, a timeout, an abort, a 5xx, or a response this client
//! cannot read. Messages name the origin and path of the request, never a query string, a
//! code, a session token or an API key.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// Whether a bad argument has the wrong type or a wrong value (Node's `ERR_INVALID_ARG_TYPE`
/// and `ERR_INVALID_ARG_VALUE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentProblem {
    Type,
    Value,
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// The stable code of an [`Error`], one per kind of failure. [`Error::code`] is the one place
/// each error gets its code. The JS spelling of each (`ERR_ORY_TIMEOUT`, Node's
/// `ERR_INVALID_ARG_TYPE`) belongs to the napi layer, which maps this enum exhaustively, so a
/// code added here does not compile there until it is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A bad argument of the wrong type (`ERR_INVALID_ARG_TYPE`).
    InvalidArgType,
    /// A bad argument value (`ERR_INVALID_ARG_VALUE`).
    InvalidArgValue,
    Config,
    Network,
    Timeout,
    Aborted,
    Server,
    Protocol,
    Internal,
}

/// Why a connection failed or broke: the text of an [`Error::Network`], and whether the request
/// was sent (only then is a GET not retried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkFailure(NetworkKind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NetworkKind {
    ConnectFailed,
    ConnectTimedOut,
    BrokeWhileReading,
    NotSent,
}

impl NetworkFailure {
    pub(crate) const CONNECT_FAILED: Self = Self(NetworkKind::ConnectFailed);
    pub(crate) const CONNECT_TIMED_OUT: Self = Self(NetworkKind::ConnectTimedOut);
    pub(crate) const BROKE_WHILE_READING: Self = Self(NetworkKind::BrokeWhileReading);
    pub(crate) const NOT_SENT: Self = Self(NetworkKind::NotSent);

    /// Whether no connection was made, so the request was not sent.
    pub fn is_connect(self) -> bool {
        matches!(
            self.0,
            NetworkKind::ConnectFailed | NetworkKind::ConnectTimedOut
        )
    }
}

impl fmt::Display for NetworkFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            NetworkKind::ConnectFailed => "connection failed",
            NetworkKind::ConnectTimedOut => "connecting timed out",
            NetworkKind::BrokeWhileReading => "the connection broke while reading the response",
            NetworkKind::NotSent => "the request could not be sent",
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected before any request. Becomes a JS `TypeError` with code
    /// `ERR_INVALID_ARG_TYPE` or `ERR_INVALID_ARG_VALUE`.
    #[error("The \"{name}\" argument {reason}")]
    InvalidArgument {
        name: String,
        reason: String,
        problem: ArgumentProblem,
    },
    /// The client cannot be built from its options and environment. `ERR_ORY_CONFIG`.
    #[error("invalid ory-otc configuration: {0}")]
    Config(String),
    /// The connection could not be made or broke. `ERR_ORY_NETWORK`.
    #[error("could not reach Ory at {target}: {detail}")]
    Network {
        target: String,
        detail: NetworkFailure,
        #[source]
        source: Option<BoxError>,
    },
    /// The call took longer than its timeout. `ERR_ORY_TIMEOUT`.
    #[error("the call to Ory at {target} timed out after {} ms", .after.as_millis())]
    Timeout { target: String, after: Duration },
    /// The caller's AbortSignal fired. `ERR_ORY_ABORTED`.
    #[error("the call was aborted")]
    Aborted,
    /// Ory answered 5xx. `ERR_ORY_SERVER`.
    #[error("Ory answered {status} on {target}{}", error_id_suffix(.error_id))]
    Server {
        status: u16,
        error_id: Option<String>,
        target: String,
    },
    /// Ory's answer could not be read or was not one Kratos gives (a redirect, a foreign
    /// `ui.action`, a body over 1 MiB, JSON of the wrong shape). `ERR_ORY_PROTOCOL`.
    #[error("unexpected response from Ory on {target}: {detail}")]
    Protocol {
        status: Option<u16>,
        target: String,
        detail: String,
    },
    /// A bug in ory-otc (a panic was caught). `ERR_ORY_INTERNAL`.
    #[error("internal error in ory-otc: {0}")]
    Internal(String),
}

fn error_id_suffix(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" ({id})"))
        .unwrap_or_default()
}

impl Error {
    /// The stable code of this error. The only place codes are assigned.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidArgument {
                problem: ArgumentProblem::Type,
                ..
            } => ErrorCode::InvalidArgType,
            Error::InvalidArgument {
                problem: ArgumentProblem::Value,
                ..
            } => ErrorCode::InvalidArgValue,
            Error::Config(_) => ErrorCode::Config,
            Error::Network { .. } => ErrorCode::Network,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Aborted => ErrorCode::Aborted,
            Error::Server { .. } => ErrorCode::Server,
            Error::Protocol { .. } => ErrorCode::Protocol,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status Ory answered with, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Server { status, .. } => Some(*status),
            Error::Protocol { status, .. } => *status,
            _ => None,
        }
    }

    /// Kratos's `error.id`, when the answer carried one.
    pub fn error_id(&self) -> Option<&str> {
        match self {
            Error::Server { error_id, .. } => error_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the same call may succeed if made again later: network failures, timeouts and
    /// 502/503/504. A retried send mails another code, so this is advice to the caller.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Network { .. } | Error::Timeout { .. } => true,
            Error::Server { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    pub fn is_argument(&self) -> bool {
        matches!(self, Error::InvalidArgument { .. })
    }

    pub(crate) fn invalid_value(name: &str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.to_owned(),
            reason: reason.into(),
            problem: ArgumentProblem::Value,
        }
    }

    pub(crate) fn protocol(
        status: Option<u16>,
        target: &Target,
        detail: impl Into<String>,
    ) -> Self {
        Error::Protocol {
            status,
            target: target.to_string(),
            detail: detail.into(),
        }
    }

    /// Whether the connection could not be made (refused, DNS, TLS, or `connectTimeoutMs`
    /// passed): the request was not sent, so a GET may be retried.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Network { detail, .. } if detail.is_connect())
    }

    /// Maps a transport error, given the stage it happened at and whether a timer ended it
    /// (the transport, reqwest, tells both). A connect timeout is a failure to connect, not the
    /// call's timeout: it happens after `connect_timeout`, long before `timeout`.
    pub(crate) fn from_transport(
        err: BoxError,
        stage: TransportStage,
        timed_out: bool,
        target: &Target,
        timeout: Duration,
    ) -> Self {
        let detail = match stage {
            _ if timed_out && stage != TransportStage::Connect => {
                return Error::Timeout {
                    target: target.to_string(),
                    after: timeout,
                };
            }
            TransportStage::Connect if timed_out => NetworkFailure::CONNECT_TIMED_OUT,
            TransportStage::Connect => NetworkFailure::CONNECT_FAILED,
            TransportStage::Request => NetworkFailure::NOT_SENT,
            TransportStage::Body => NetworkFailure::BROKE_WHILE_READING,
        };
        Error::Network {
            target: target.to_string(),
            detail,
            // The transport's error names no URL (the caller strips it): messages name origin
            // and path only.
            source: Some(err),
        }
    }
}

/// Where a transport error happened: connecting (TCP, proxy, TLS), sending the request or
/// reading the response head, or reading the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportStage {
    Connect,
    Request,
    Body,
}

/// What a request was aimed at, for messages: method, origin and path, never the query.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub method: &'static str,
    pub origin: String,
    pub path: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}", self.method, self.origin, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            method: "POST",
            origin: "https://x.projects.oryapis.com".into(),
            path: "/self-service/login".into(),
        }
    }

    #[test]
    fn every_variant_has_its_code() {
        let t = target();
        let cases = [
            (
                Error::invalid_value("email", "must not be empty"),
                ErrorCode::InvalidArgValue,
            ),
            (
                Error::InvalidArgument {
                    name: "email".into(),
                    reason: "must be a string".into(),
                    problem: ArgumentProblem::Type,
                },
                ErrorCode::InvalidArgType,
            ),
            (Error::Config("x".into()), ErrorCode::Config),
            (Error::Aborted, ErrorCode::Aborted),
            (
                Error::Timeout {
                    target: t.to_string(),
                    after: Duration::from_millis(5),
                },
                ErrorCode::Timeout,
            ),
            (
                Error::Server {
                    status: 502,
                    error_id: None,
                    target: t.to_string(),
                },
                ErrorCode::Server,
            ),
            (
                Error::protocol(Some(200), &t, "not JSON"),
                ErrorCode::Protocol,
            ),
            (Error::Internal("panic".into()), ErrorCode::Internal),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        let t = target().to_string();
        assert!(Error::Server {
            status: 503,
            error_id: None,
            target: t.clone()
        }
        .is_retryable());
        assert!(!Error::Server {
            status: 500,
            error_id: None,
            target: t.clone()
        }
        .is_retryable());
        assert!(Error::Timeout {
            target: t,
            after: Duration::from_secs(1)
        }
        .is_retryable());
        assert!(!Error::Aborted.is_retryable());
        assert!(!Error::Config("x".into()).is_retryable());
    }

    #[test]
    fn messages_name_method_origin_and_path() {
        let err = Error::Server {
            status: 502,
            error_id: Some("x_y".into()),
            target: target().to_string(),
        };
        assert_eq!(
            err.to_string(),
            "Ory answered 502 on POST https://x.projects.oryapis.com/self-service/login (x_y)"
        );
        let err = Error::Timeout {
            target: target().to_string(),
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            err.to_string(),
            "the call to Ory at POST https://x.projects.oryapis.com/self-service/login timed out after 1500 ms"
        );
    }
}
