//! The client: one call per user action, each a short sequence of Kratos requests, bounded by
//! the configured timeout.
//!
//! API and browser flows share every step (docs/kratos-protocol.md §9): a browser-mode call
//! creates its flow on `/browser` instead of `/api`, carries the browser's cookies (updated by
//! Kratos's `Set-Cookie` as it goes), and sends the flow's CSRF token with every submit, which
//! it reads from the flow. What differs is in [`Client::auth`] and [`csrf_token`].

use std::borrow::Cow;
use std::future::Future;

use ory_otc_protocol::body::{
    PerformNativeLogout, UpdateLoginFlowWithCode, UpdateRegistrationFlowWithCode,
};
use ory_otc_protocol::Secret;
use serde_json::{Map, Value};

use crate::check;
use crate::classify::{self, Created, Fetched, LogoutStarted, Verified};
use crate::config::{Config, FlowMode};
use crate::cookies::Cookies;
use crate::error::Error;
use crate::flow::AnyFlow;
use crate::http::{Auth, Endpoint, Http, Refused, Reply};
use crate::outcome::{FlowKind, Logout, SendCode, VerifyCode, Whoami};

/// An Ory Kratos one-time-code client. Cheap to clone; clones share one connection pool.
///
/// Every method checks its arguments before any request, then runs within
/// [`Config::timeout`]. Outcomes Kratos expects are `Ok` values; `Err` means the call could
/// not be carried out.
///
/// Every call takes the browser's [`Cookies`]. A client in browser mode sends them and updates
/// them from Kratos's answers; afterwards [`Cookies::set_cookie`] holds what to forward to the
/// browser. A client in API mode never sends a cookie (Kratos refuses them on API flows); pass
/// [`Cookies::none`].
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

/// Whose session `whoami` and `logout` are about.
pub enum Credentials<'a> {
    /// API mode: a session token.
    Token(&'a Secret),
    /// Browser mode: the browser's cookies, which carry Kratos's session cookie.
    Cookies(&'a mut Cookies),
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
    pub async fn send_login_code(
        &self,
        email: &str,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(self.send(FlowKind::Login, &email, None, cookies))
            .await
    }

    /// Creates a registration flow and asks Kratos to mail a code to `email`. `traits` are
    /// merged with `{ email }`; the `email` argument wins.
    pub async fn send_registration_code(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(self.send(FlowKind::Registration, &email, traits, cookies))
            .await
    }

    /// Login-or-register ("subscribe"): a login code when the account exists, else, when
    /// Kratos says it does not (4000035), a registration code.
    pub async fn send_code(
        &self,
        email: &str,
        traits: Option<Map<String, Value>>,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        let email = check::email(email)?;
        self.bounded(async {
            match self.send(FlowKind::Login, &email, None, cookies).await? {
                SendCode::AccountNotFound { .. } => {
                    self.send(FlowKind::Registration, &email, traits, cookies)
                        .await
                }
                other => Ok(other),
            }
        })
        .await
    }

    /// Submits a code to a login or registration flow.
    pub async fn verify_code(
        &self,
        req: VerifyRequest,
        cookies: &mut Cookies,
    ) -> Result<VerifyCode, Error> {
        let flow_id = check::flow_id(&req.flow_id)?;
        check::code(req.code.expose())?;
        let identifier = req.identifier.as_deref().map(check::email).transpose()?;
        let call = self.verify(
            req.flow_kind,
            &flow_id,
            &req.code,
            identifier,
            req.traits,
            cookies,
        );
        self.bounded(call).await
    }

    /// Mails a new code on an existing flow. Earlier codes of the flow stop working; the
    /// flow's attempt counter is not reset (docs/kratos-protocol.md §8).
    pub async fn resend_code(
        &self,
        kind: FlowKind,
        flow_id: &str,
        identifier: Option<&str>,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        let flow_id = check::flow_id(flow_id)?;
        let identifier = identifier.map(check::email).transpose()?;
        self.bounded(self.resend(kind, &flow_id, identifier, cookies))
            .await
    }

    /// The session behind a session token (API mode) or a browser's session cookie.
    pub async fn whoami(&self, who: Credentials<'_>) -> Result<Whoami, Error> {
        let auth = self.session_auth(who)?;
        self.bounded(async {
            let reply = self
                .http
                .get(&self.http.endpoint("/sessions/whoami"), auth)
                .await?;
            classify::whoami(&reply)
        })
        .await
    }

    /// Ends a session: revokes a session token (API mode, `DELETE /self-service/logout/api`),
    /// or logs a browser out in Kratos's two steps (a logout token, then the logout URL), which
    /// clears its session cookie (docs/kratos-protocol.md §10.3, §10.4).
    pub async fn logout(&self, who: Credentials<'_>) -> Result<Logout, Error> {
        let auth = self.session_auth(who)?;
        self.bounded(async {
            match auth {
                Auth::Token(token) => {
                    let body = PerformNativeLogout {
                        session_token: token.clone(),
                    };
                    let endpoint = self.http.endpoint("/self-service/logout/api");
                    classify::logout(&self.http.delete(&endpoint, &body).await?)
                }
                Auth::Cookies(cookies) => self.browser_logout(cookies).await,
                Auth::None => unreachable!("session_auth gives a token or cookies"),
            }
        })
        .await
    }

    /// The request credentials of a `whoami` or `logout`, checked against the flow mode.
    fn session_auth<'a>(&self, who: Credentials<'a>) -> Result<Auth<'a>, Error> {
        match (self.config().flow_mode(), who) {
            (FlowMode::Api, Credentials::Token(token)) => {
                check::session_token(token)?;
                Ok(Auth::Token(token))
            }
            (FlowMode::Browser, Credentials::Cookies(cookies)) => Ok(Auth::Cookies(cookies)),
            (FlowMode::Api, Credentials::Cookies(_)) => Err(Error::invalid_value(
                "options.cookie",
                "is only used by browser flows: this client runs API flows",
            )),
            (FlowMode::Browser, Credentials::Token(_)) => Err(Error::invalid_value(
                "sessionToken",
                "is only used by API flows: this client runs browser flows (pass { cookie })",
            )),
        }
    }

    async fn browser_logout(&self, cookies: &mut Cookies) -> Result<Logout, Error> {
        let start = self.http.endpoint("/self-service/logout/browser");
        let flow = match classify::logout_started(
            &self.http.get(&start, Auth::Cookies(cookies)).await?,
        )? {
            LogoutStarted::Flow(flow) => flow,
            LogoutStarted::Done(outcome) => return Ok(outcome),
        };
        // Kratos's own URL, when it is on the configured origin; else the same path here.
        let end = match self.http.endpoint_of(flow.logout_url.expose()) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                self.http
                    .endpoint_with("/self-service/logout", "token", flow.logout_token.expose())
            }
        };
        classify::logout(&self.http.get(&end, Auth::Cookies(cookies)).await?)
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

    /// What a self-service request carries: nothing on API flows (Kratos refuses cookies
    /// there, docs/kratos-protocol.md §2.5), the browser's cookies on browser flows.
    fn auth<'c>(&self, cookies: &'c mut Cookies) -> Auth<'c> {
        match self.config().flow_mode() {
            FlowMode::Api => Auth::None,
            FlowMode::Browser => Auth::Cookies(cookies),
        }
    }

    async fn send(
        &self,
        kind: FlowKind,
        email: &str,
        traits: Option<Map<String, Value>>,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        let created = self.create(kind, cookies).await?;
        let flow = match classify::flow_created(kind, &created)? {
            Created::Flow(flow) => flow,
            Created::Refused(outcome) => return Ok(outcome),
        };
        let action = self.action(&flow)?;
        let csrf_token = self.csrf_token(&flow);
        let reply = match kind {
            FlowKind::Login => {
                let body = UpdateLoginFlowWithCode {
                    csrf_token,
                    ..login_body(email)
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
            FlowKind::Registration => {
                let mut traits = traits.unwrap_or_default();
                traits.insert("email".into(), Value::String(email.to_owned()));
                let body = UpdateRegistrationFlowWithCode {
                    csrf_token,
                    ..registration_body(traits)
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
        };
        classify::code_sent(kind, flow.id(), email, &reply)
    }

    async fn resend(
        &self,
        kind: FlowKind,
        flow_id: &str,
        identifier: Option<String>,
        cookies: &mut Cookies,
    ) -> Result<SendCode, Error> {
        // A login resend needs only the address, when the caller has it, on API flows; a
        // registration resend needs the traits, a browser flow its CSRF token: both are read
        // from the flow.
        let known = match (kind, &identifier) {
            (FlowKind::Login, Some(_)) => self.config().flow_mode() == FlowMode::Api,
            _ => false,
        };
        let fetched = if known {
            None
        } else {
            Some(self.fetch(kind, flow_id, cookies).await?)
        };
        let flow = match &fetched {
            None => None,
            Some(reply) => match classify::flow_fetched(kind, flow_id, reply)? {
                Fetched::Flow(flow) => Some(flow),
                other => return Ok(fetch_refusal_for_send(kind, flow_id, other)),
            },
        };
        let action = match &flow {
            Some(flow) => self.action(flow)?,
            None => self.submit_url(kind, flow_id),
        };
        let csrf_token = flow.as_ref().and_then(|f| self.csrf_token(f));
        let address = match (identifier, &flow) {
            (Some(id), _) => id,
            (None, Some(flow)) => flow.address().unwrap_or_default().into_owned(),
            (None, None) => unreachable!("a resend without an address reads the flow"),
        };
        let reply = match kind {
            FlowKind::Login => {
                let body = UpdateLoginFlowWithCode {
                    resend: Some("code".into()),
                    csrf_token,
                    ..login_body(&address)
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
            FlowKind::Registration => {
                let traits = flow.as_ref().map(AnyFlow::traits).unwrap_or_default();
                let body = UpdateRegistrationFlowWithCode {
                    resend: Some("code".into()),
                    csrf_token,
                    ..registration_body(traits)
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
        };
        classify::code_sent(kind, flow_id, &address, &reply)
    }

    async fn verify(
        &self,
        kind: FlowKind,
        flow_id: &str,
        code: &Secret,
        identifier: Option<String>,
        traits: Option<Map<String, Value>>,
        cookies: &mut Cookies,
    ) -> Result<VerifyCode, Error> {
        // Kratos needs the identifier (login) or the traits (registration) again with the
        // code, and on browser flows the flow's CSRF token; what the caller did not pass is
        // read from the flow.
        let known = self.config().flow_mode() == FlowMode::Api
            && match kind {
                FlowKind::Login => identifier.is_some(),
                FlowKind::Registration => traits.is_some(),
            };
        let (action, identifier, traits, csrf_token) = if known {
            (self.submit_url(kind, flow_id), identifier, traits, None)
        } else {
            let fetched = self.fetch(kind, flow_id, cookies).await?;
            match classify::flow_fetched(kind, flow_id, &fetched)? {
                Fetched::Flow(flow) => (
                    self.action(&flow)?,
                    identifier.or_else(|| flow.address().map(Cow::into_owned)),
                    traits.or_else(|| Some(flow.traits())),
                    self.csrf_token(&flow),
                ),
                other => return Ok(fetch_refusal_for_verify(kind, flow_id, other)),
            }
        };
        let reply = match kind {
            FlowKind::Login => {
                let body = UpdateLoginFlowWithCode {
                    code: Some(code.clone()),
                    csrf_token,
                    ..login_body(identifier.as_deref().unwrap_or_default())
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
            FlowKind::Registration => {
                let body = UpdateRegistrationFlowWithCode {
                    code: Some(code.clone()),
                    csrf_token,
                    ..registration_body(traits.unwrap_or_default())
                };
                self.http.post(&action, &body, self.auth(cookies)).await?
            }
        };
        match classify::code_verified(kind, flow_id, &reply)? {
            Verified::Outcome(outcome) => Ok(outcome),
            Verified::Expired410 { new_flow_id } => {
                Ok(self.expired(kind, flow_id, new_flow_id, cookies).await)
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
        cookies: &mut Cookies,
    ) -> VerifyCode {
        let loads = match self.fetch(kind, flow_id, cookies).await {
            Ok(reply) => matches!(
                classify::flow_fetched(kind, flow_id, &reply),
                Ok(Fetched::Flow(_))
            ),
            Err(_) => false,
        };
        if loads {
            VerifyCode::CodeExpired {
                flow_id: flow_id.to_owned(),
                flow_kind: kind,
                new_flow_id,
                messages: Vec::new(),
            }
        } else {
            // Expired, gone, or the look itself failed: report what Kratos said, a flow expiry.
            VerifyCode::FlowExpired {
                flow_id: flow_id.to_owned(),
                flow_kind: kind,
                new_flow_id,
                messages: Vec::new(),
            }
        }
    }

    /// Kratos's answer to creating a flow, for [`classify::flow_created`].
    async fn create(&self, kind: FlowKind, cookies: &mut Cookies) -> Result<Reply, Error> {
        let path = match (kind, self.config().flow_mode()) {
            (FlowKind::Login, FlowMode::Api) => "/self-service/login/api",
            (FlowKind::Login, FlowMode::Browser) => "/self-service/login/browser",
            (FlowKind::Registration, FlowMode::Api) => "/self-service/registration/api",
            (FlowKind::Registration, FlowMode::Browser) => "/self-service/registration/browser",
        };
        self.http
            .get(&self.http.endpoint(path), self.auth(cookies))
            .await
    }

    /// Kratos's answer to fetching a flow, for [`classify::flow_fetched`].
    async fn fetch(
        &self,
        kind: FlowKind,
        flow_id: &str,
        cookies: &mut Cookies,
    ) -> Result<Reply, Error> {
        let path = match kind {
            FlowKind::Login => "/self-service/login/flows",
            FlowKind::Registration => "/self-service/registration/flows",
        };
        // docs/kratos-protocol.md §1: the GET takes `id`, the submit takes `flow`.
        let endpoint = self.http.endpoint_with(path, "id", flow_id);
        self.http.get(&endpoint, self.auth(cookies)).await
    }

    fn submit_url(&self, kind: FlowKind, flow_id: &str) -> Endpoint {
        self.http.endpoint_with(submit_path(kind), "flow", flow_id)
    }

    /// Browser flows: the value of the flow's `csrf_token` node, sent back with every submit
    /// (docs/kratos-protocol.md §2.6). API flows carry the node with an empty value, or none.
    fn csrf_token(&self, flow: &AnyFlow) -> Option<Secret> {
        match self.config().flow_mode() {
            FlowMode::Api => None,
            FlowMode::Browser => flow.csrf_token().map(|t| Secret::new(t.into_owned())),
        }
    }

    /// The flow's `ui.action`, if it is on the configured origin. A flow that points elsewhere
    /// is a misconfigured (or hostile) server: nothing is sent.
    fn action(&self, flow: &AnyFlow) -> Result<Endpoint, Error> {
        self.http.endpoint_of(flow.action()).map_err(|refused| {
            let target = crate::error::Target {
                method: "POST",
                origin: self.config().origin(),
                path: submit_path(flow.kind()).to_owned(),
            };
            let detail = match refused {
                Refused::NotAUrl => "the flow's ui.action is not a URL".to_owned(),
                Refused::OtherOrigin(origin) => format!(
                    "the flow's ui.action points at another origin ({origin}); nothing was sent"
                ),
            };
            Error::protocol(None, &target, detail)
        })
    }
}

/// Where a flow's form is submitted, without the base URL's path.
fn submit_path(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::Login => "/self-service/login",
        FlowKind::Registration => "/self-service/registration",
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
        Fetched::Csrf(cause) => SendCode::CsrfViolation {
            flow_id,
            flow_kind: kind,
            cause,
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
        Fetched::Csrf(cause) => VerifyCode::CsrfViolation {
            flow_id,
            flow_kind: kind,
            cause,
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
        assert_send_sync::<Cookies>();
    }
}
