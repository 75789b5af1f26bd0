//! The client: one call per user action, each a short sequence of Kratos requests, bounded by
//! the configured timeout.

use std::future::Future;

use ory_otc_protocol::body::{
    PerformNativeLogout, UpdateLoginFlowWithCode, UpdateRegistrationFlowWithCode,
};
use ory_otc_protocol::Secret;
use serde_json::{Map, Value};
use url::Url;

use crate::check;
use crate::classify::{self, Created, Fetched, Verified};
use crate::config::Config;
use crate::error::Error;
use crate::flow::AnyFlow;
use crate::http::Http;
use crate::outcome::{FlowKind, Logout, SendCode, VerifyCode, Whoami};

/// An Ory Kratos one-time-code client. Cheap to clone; clones share one connection pool.
///
/// Every method checks its arguments before any request, then runs within
/// [`Config::timeout`]. Outcomes Kratos expects are `Ok` values; `Err` means the call could
/// not be carried out.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
}

/// A code to submit to a flow.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub flow_kind: FlowKind,
    pub flow_id: String,
    pub code: Secret,
    /// Login: the address the code was sent to. Read from the flow when `None` (one more GET).
    pub identifier: Option<String>,
    /// Registration: the traits the code was sent for. Read from the flow when `None`.
    pub traits: Option<Map<String, Value>>,
}

impl Client {
    /// # Errors
    /// [`Error::Config`] when the HTTP client cannot be built (TLS set-up).
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self {
            http: Http::new(config)?,
        })
    }

    pub fn config(&self) -> &Config {
        self.http.config()
    }

    /// Creates a login flow and asks Kratos to mail a code to `email`.
    pub async fn send_login_code(&self, email: &str) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(self.send(FlowKind::Login, &email, None)).await
    }

    /// Creates a registration flow and asks Kratos to mail a code to `email`. `traits` are
    /// merged with `{ email }`; the `email` argument wins.
    pub async fn send_registration_code(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
    ) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(self.send(FlowKind::Registration, &email, traits))
            .await
    }

    /// Login-or-register ("subscribe"): a login code when the account exists, else, when
    /// Kratos says it does not (4000035), a registration code.
    pub async fn send_code(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
    ) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(async {
            match self.send(FlowKind::Login, &email, None).await? {
                SendCode::AccountNotFound { .. } => {
                    self.send(FlowKind::Registration, &email, traits).await
                }
                other => Ok(other),
            }
        })
        .await
    }

    /// Submits a code to a login or registration flow.
    pub async fn verify_code(&self, req: VerifyRequest) -> Result<VerifyCode, Error> {
        let flow_id = check::flow_id(&req.flow_id)?;
        check::code(req.code.expose())?;
        let identifier = req.identifier.as_deref().map(check::email).transpose()?;
        self.bounded(self.verify(req.flow_kind, &flow_id, &req.code, identifier, req.traits))
            .await
    }

    /// Mails a new code on an existing flow. Earlier codes of the flow stop working; the
    /// flow's attempt counter is not reset (docs/kratos-protocol.md §8).
    pub async fn resend_code(
        &self,
        kind: FlowKind,
        flow_id: &str,
        identifier: Option<&str>,
    ) -> Result<SendCode, Error> {
        let flow_id = check::flow_id(flow_id)?;
        let identifier = identifier.map(check::email).transpose()?;
        self.bounded(self.resend(kind, &flow_id, identifier)).await
    }

    /// The session behind a session token.
    pub async fn whoami(&self, session_token: &Secret) -> Result<Whoami, Error> {
        check::session_token(session_token)?;
        self.bounded(async {
            let reply = self
                .http
                .get(self.http.url("/sessions/whoami"), Some(session_token))
                .await?;
            classify::whoami(&reply)
        })
        .await
    }

    /// Revokes a session token.
    pub async fn logout(&self, session_token: &Secret) -> Result<Logout, Error> {
        check::session_token(session_token)?;
        self.bounded(async {
            let body = PerformNativeLogout {
                session_token: session_token.clone(),
            };
            let reply = self
                .http
                .delete(self.http.url("/self-service/logout/api"), &body)
                .await?;
            classify::logout(&reply)
        })
        .await
    }

    /// Runs a call within the configured timeout.
    ///
    /// The call's state (a few KiB: the futures of all its requests) is boxed here, when the
    /// public method first runs, so that the futures the public methods return stay small.
    /// The napi layer creates them on the JS thread and moves them several times before they
    /// run; a 3-4 KiB future cost that thread a fifth of its time in copies (bench/README.md).
    fn bounded<'a, T: 'a>(
        &'a self,
        call: impl Future<Output = Result<T, Error>> + 'a,
    ) -> impl Future<Output = Result<T, Error>> + 'a {
        let after = self.config().timeout();
        let call = Box::pin(call);
        async move {
            tokio::time::timeout(after, call).await.unwrap_or_else(|_| {
                Err(Error::Timeout {
                    target: self.config().origin(),
                    after,
                })
            })
        }
    }

    async fn send(
        &self,
        kind: FlowKind,
        email: &str,
        traits: Option<Map<String, Value>>,
    ) -> Result<SendCode, Error> {
        let flow = match self.create(kind).await? {
            Created::Flow(flow) => flow,
            Created::Refused(outcome) => return Ok(outcome),
        };
        let action = self.action(&flow)?;
        let reply = match kind {
            FlowKind::Login => self.http.post(action, &login_body(email)).await?,
            FlowKind::Registration => {
                let mut traits = traits.unwrap_or_default();
                traits.insert("email".into(), Value::String(email.to_owned()));
                self.http.post(action, &registration_body(traits)).await?
            }
        };
        classify::code_sent(kind, flow.id(), email, &reply)
    }

    async fn resend(
        &self,
        kind: FlowKind,
        flow_id: &str,
        identifier: Option<String>,
    ) -> Result<SendCode, Error> {
        let (action, flow) = match (kind, identifier) {
            (FlowKind::Login, Some(id)) => (self.submit_url(kind, flow_id), Err(id)),
            _ => match self.fetch(kind, flow_id).await? {
                Fetched::Flow(flow) => (self.action(&flow)?, Ok(flow)),
                other => return Ok(fetch_refusal_for_send(kind, flow_id, other)),
            },
        };
        let (reply, address) = match (kind, flow) {
            (FlowKind::Login, Err(id)) => (self.post_resend_login(action, &id).await?, id),
            (FlowKind::Login, Ok(flow)) => {
                let id = flow.address().unwrap_or_default().to_owned();
                (self.post_resend_login(action, &id).await?, id)
            }
            (FlowKind::Registration, Ok(flow)) => {
                let body = UpdateRegistrationFlowWithCode {
                    resend: Some("code".into()),
                    ..registration_body(flow.traits())
                };
                let address = flow.address().unwrap_or_default().to_owned();
                (self.http.post(action, &body).await?, address)
            }
            (FlowKind::Registration, Err(_)) => unreachable!("registration always reads its flow"),
        };
        classify::code_sent(kind, flow_id, &address, &reply)
    }

    async fn post_resend_login(
        &self,
        action: Url,
        identifier: &str,
    ) -> Result<crate::http::Reply, Error> {
        let body = UpdateLoginFlowWithCode {
            resend: Some("code".into()),
            ..login_body(identifier)
        };
        self.http.post(action, &body).await
    }

    async fn verify(
        &self,
        kind: FlowKind,
        flow_id: &str,
        code: &Secret,
        identifier: Option<String>,
        traits: Option<Map<String, Value>>,
    ) -> Result<VerifyCode, Error> {
        // Kratos needs the identifier (login) or the traits (registration) again with the
        // code; when the caller does not have them, they are read from the flow.
        let known = match kind {
            FlowKind::Login => identifier.is_some(),
            FlowKind::Registration => traits.is_some(),
        };
        let (action, identifier, traits) = if known {
            (self.submit_url(kind, flow_id), identifier, traits)
        } else {
            match self.fetch(kind, flow_id).await? {
                Fetched::Flow(flow) => {
                    let address = flow.address().map(str::to_owned);
                    (self.action(&flow)?, address, Some(flow.traits()))
                }
                other => return Ok(fetch_refusal_for_verify(kind, flow_id, other)),
            }
        };
        let reply = match kind {
            FlowKind::Login => {
                let body = UpdateLoginFlowWithCode {
                    code: Some(code.clone()),
                    ..login_body(identifier.as_deref().unwrap_or_default())
                };
                self.http.post(action, &body).await?
            }
            FlowKind::Registration => {
                let body = UpdateRegistrationFlowWithCode {
                    code: Some(code.clone()),
                    ..registration_body(traits.unwrap_or_default())
                };
                self.http.post(action, &body).await?
            }
        };
        match classify::code_verified(kind, flow_id, &reply)? {
            Verified::Outcome(outcome) => Ok(outcome),
            Verified::Expired410 { new_flow_id } => {
                Ok(self.expired(kind, flow_id, new_flow_id).await)
            }
        }
    }

    /// After a 410 on a code submit: a flow that still loads means only the code expired
    /// (Kratos v26.2.0 and earlier, docs/kratos-protocol.md §12); otherwise the flow itself expired.
    async fn expired(
        &self,
        kind: FlowKind,
        flow_id: &str,
        new_flow_id: Option<String>,
    ) -> VerifyCode {
        match self.fetch(kind, flow_id).await {
            Ok(Fetched::Flow(_)) => VerifyCode::CodeExpired {
                flow_id: flow_id.to_owned(),
                flow_kind: kind,
                new_flow_id,
                messages: Vec::new(),
            },
            // Expired, gone, or the look itself failed: report what Kratos said, a flow expiry.
            _ => VerifyCode::FlowExpired {
                flow_id: flow_id.to_owned(),
                flow_kind: kind,
                new_flow_id,
                messages: Vec::new(),
            },
        }
    }

    async fn create(&self, kind: FlowKind) -> Result<Created, Error> {
        let url = self
            .http
            .url(&format!("/self-service/{}/api", kind.as_str()));
        let reply = self.http.get(url, None).await?;
        classify::flow_created(kind, &reply)
    }

    async fn fetch(&self, kind: FlowKind, flow_id: &str) -> Result<Fetched, Error> {
        let mut url = self
            .http
            .url(&format!("/self-service/{}/flows", kind.as_str()));
        // docs/kratos-protocol.md §1: the GET takes `id`, the submit takes `flow`.
        url.query_pairs_mut().append_pair("id", flow_id);
        let reply = self.http.get(url, None).await?;
        classify::flow_fetched(kind, flow_id, &reply)
    }

    fn submit_url(&self, kind: FlowKind, flow_id: &str) -> Url {
        let mut url = self.http.url(&format!("/self-service/{}", kind.as_str()));
        url.query_pairs_mut().append_pair("flow", flow_id);
        url
    }

    /// The flow's `ui.action`, if it is on the configured origin. A flow that points elsewhere
    /// is a misconfigured (or hostile) server: nothing is sent.
    fn action(&self, flow: &AnyFlow) -> Result<Url, Error> {
        let raw = &flow.ui().action;
        let target = crate::error::Target {
            method: "POST",
            origin: self.config().origin(),
            path: format!("/self-service/{}", flow.kind().as_str()),
        };
        let url = Url::parse(raw)
            .map_err(|_| Error::protocol(None, &target, "the flow's ui.action is not a URL"))?;
        if !self.http.is_same_origin(&url) {
            return Err(Error::protocol(
                None,
                &target,
                format!(
                    "the flow's ui.action points at another origin ({}); nothing was sent",
                    url.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }
}

fn login_body(identifier: &str) -> UpdateLoginFlowWithCode {
    UpdateLoginFlowWithCode {
        method: "code".into(),
        identifier: Some(identifier.to_owned()),
        ..Default::default()
    }
}

fn registration_body(traits: Map<String, Value>) -> UpdateRegistrationFlowWithCode {
    UpdateRegistrationFlowWithCode {
        method: "code".into(),
        traits: Some(traits),
        ..Default::default()
    }
}

fn fetch_refusal_for_send(kind: FlowKind, flow_id: &str, fetched: Fetched) -> SendCode {
    let flow_id = flow_id.to_owned();
    match fetched {
        Fetched::NotFound => SendCode::FlowNotFound {
            flow_id,
            flow_kind: kind,
        },
        Fetched::Expired => SendCode::FlowExpired {
            flow_id,
            flow_kind: kind,
            new_flow_id: None,
            messages: Vec::new(),
        },
        Fetched::RateLimited(secs) => SendCode::RateLimited {
            retry_after_seconds: secs,
        },
        Fetched::Refused(r) => SendCode::Rejected(r),
        Fetched::Flow(_) => unreachable!("a fetched flow is not a refusal"),
    }
}

fn fetch_refusal_for_verify(kind: FlowKind, flow_id: &str, fetched: Fetched) -> VerifyCode {
    let flow_id = flow_id.to_owned();
    match fetched {
        Fetched::NotFound => VerifyCode::FlowNotFound {
            flow_id,
            flow_kind: kind,
        },
        Fetched::Expired => VerifyCode::FlowExpired {
            flow_id,
            flow_kind: kind,
            new_flow_id: None,
            messages: Vec::new(),
        },
        Fetched::RateLimited(secs) => VerifyCode::RateLimited {
            retry_after_seconds: secs,
        },
        Fetched::Refused(r) => VerifyCode::Rejected(r),
        Fetched::Flow(_) => unreachable!("a fetched flow is not a refusal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<Error>();
    }
}
