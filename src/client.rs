//! `OryOtc`, the configured client, and the drop-in `initiateOtcLogin` / `completeOtcLogin`
//! on a default client built from the environment.
//!
//! Each method checks its arguments' types, hands the values to the core, and converts the
//! outcome. Every method returns a promise; bad arguments reject it before any request. In
//! browser mode each call takes the browser's `Cookie` header from its options, and its result
//! carries the `Set-Cookie` headers to forward (`setCookie`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;

use napi::bindgen_prelude::*;
use napi::ValueType;
use napi_derive::napi;
use ory_otc_core::{
    Client, Config, Cookies, Credentials, Error as CoreError, FlowKind, FlowMode, Secret,
    VerifyRequest,
};
use ory_otc_napi::args::{self, object_or_absent, optional, type_error, FromJs};
use serde_json::{Map, Value};

use crate::call::{self, Signal};
use crate::error::{self, arg};
use crate::options::{
    flow_kind, OryOtcOptions, ResendCodeParams, VerifyCodeParams, VerifyLoginCodeParams,
    VerifyRegistrationCodeParams,
};
use crate::results::{LogoutResult, SendCodeResult, VerifyCodeResult, WhoamiResult, WithCookies};

/// An Ory one-time-code client. Holds one connection pool: create one per process and share it.
#[napi]
pub struct OryOtc {
    client: Client,
}

/// The outcome of a call, with the cookies to forward in browser mode.
pub(crate) struct Answer<T> {
    pub outcome: T,
    pub set_cookie: Option<Vec<String>>,
}

#[napi]
impl OryOtc {
    /// Creates a client. Throws `OryOtcError` `ERR_ORY_CONFIG` when no URL is configured
    /// (neither `baseUrl`, `ORY_SDK_URL` nor `ORY_PROJECT_SLUG`), and a `TypeError` for a bad option.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: &Env,
        #[napi(ts_arg_type = "OryOtcOptions")] options: Option<Unknown>,
    ) -> Result<Self> {
        let client = optional::<OryOtcOptions>(options, "options")
            .map_err(arg)
            .map(Option::unwrap_or_default)
            .and_then(Config::try_from)
            .and_then(Client::new)
            .map_err(|e| error::throw(env, &e))?;
        Ok(Self { client })
    }

    /// The origin every request goes to, e.g. `https://x.projects.oryapis.com`.
    #[napi(getter)]
    pub fn origin(&self) -> String {
        self.client.config().origin()
    }

    /// `'api'` or `'browser'`: the flows this client runs.
    #[napi(getter, ts_return_type = "FlowMode")]
    pub fn flow(&self) -> &'static str {
        self.client.config().flow_mode().as_str()
    }

    /// Creates a login flow and asks Kratos to e-mail a code. Resolves `code_sent` on success
    /// (Kratos's HTTP 400 with state `sent_email`).
    #[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
    pub fn send_login_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<SendCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let email = string(email, "email")?;
            Ok(async move {
                let outcome = client.send_login_code(&email, &mut cookies).await;
                (outcome, cookies)
            })
        })
    }

    /// Submits the code of a login flow. Resolves `signed_in` with the session token.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
    pub fn verify_login_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "VerifyLoginCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<VerifyCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let req = VerifyRequest::from(read::<VerifyLoginCodeParams>(params, "params")?);
            Ok(async move {
                let outcome = client.verify_code(req, &mut cookies).await;
                (outcome, cookies)
            })
        })
    }

    /// Creates a registration flow for `email` (merged into `traits`) and asks Kratos to
    /// e-mail a code. Kratos mails a code even when the address is taken; that is reported
    /// after the code, as `account_exists`.
    #[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
    pub fn send_registration_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
        #[napi(ts_arg_type = "Record<string, unknown>")] traits: Option<Unknown>,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<SendCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let email = string(email, "email")?;
            let traits = traits_arg(traits)?;
            Ok(async move {
                let outcome = client
                    .send_registration_code(&email, traits, &mut cookies)
                    .await;
                (outcome, cookies)
            })
        })
    }

    /// Submits the code of a registration flow. Resolves `signed_in` (or `registered` when
    /// the project issues no session after registration).
    #[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
    pub fn verify_registration_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "VerifyRegistrationCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<VerifyCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let p = read::<VerifyRegistrationCodeParams>(params, "params")?;
            let req = VerifyRequest::from(p);
            Ok(async move {
                let outcome = client.verify_code(req, &mut cookies).await;
                (outcome, cookies)
            })
        })
    }

    /// Login-or-register ("subscribe"): sends a login code when the account exists, else a
    /// registration code. The result's `flowType` says which; pass it to `verifyCode`.
    #[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
    pub fn send_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
        #[napi(ts_arg_type = "Record<string, unknown>")] traits: Option<Unknown>,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<SendCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let email = string(email, "email")?;
            let traits = traits_arg(traits)?;
            Ok(async move {
                let outcome = client.send_code(&email, traits, &mut cookies).await;
                (outcome, cookies)
            })
        })
    }

    /// Submits a code to the flow `sendCode` started.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
    pub fn verify_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "VerifyCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<VerifyCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let p = read::<VerifyCodeParams>(params, "params")?;
            let req = VerifyRequest::try_from(p).map_err(arg)?;
            Ok(async move {
                let outcome = client.verify_code(req, &mut cookies).await;
                (outcome, cookies)
            })
        })
    }

    /// Mails a new code on an existing flow; earlier codes stop working. The flow's attempt
    /// counter is not reset.
    #[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
    pub fn resend_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "ResendCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<SendCodeResult>>> {
        let client = self.client.clone();
        self.call(env, options, |mut cookies| {
            let p = read::<ResendCodeParams>(params, "params")?;
            let kind = flow_kind("params.flowType", &p.flow_type).map_err(arg)?;
            Ok(async move {
                let outcome = client
                    .resend_code(kind, &p.flow_id, p.identifier.as_deref(), &mut cookies)
                    .await;
                (outcome, cookies)
            })
        })
    }

    /// The session behind a session token (API mode: `whoami(sessionToken, options?)`) or
    /// behind the browser's session cookie (browser mode: `whoami({ cookie })`): `active`, or
    /// `unauthorized`.
    #[napi(catch_unwind, ts_return_type = "Promise<WhoamiResult>")]
    pub fn whoami<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] session_token: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<WhoamiResult>>> {
        let client = self.client.clone();
        self.session_call(
            env,
            session_token,
            options,
            |token, mut cookies| async move {
                let who = match &token {
                    Some(token) => Credentials::Token(token),
                    None => Credentials::Cookies(&mut cookies),
                };
                let outcome = client.whoami(who).await;
                (outcome, cookies)
            },
        )
    }

    /// Ends a session: revokes a session token (API mode: `logout(sessionToken, options?)`),
    /// or logs the browser out (browser mode: `logout({ cookie })`), whose `setCookie` then
    /// clears Kratos's session cookie. `logged_out`, or `unknown_session`.
    #[napi(catch_unwind, ts_return_type = "Promise<LogoutResult>")]
    pub fn logout<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] session_token: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WithCookies<LogoutResult>>> {
        let client = self.client.clone();
        self.session_call(
            env,
            session_token,
            options,
            |token, mut cookies| async move {
                let who = match &token {
                    Some(token) => Credentials::Token(token),
                    None => Credentials::Cookies(&mut cookies),
                };
                let outcome = client.logout(who).await;
                (outcome, cookies)
            },
        )
    }
}

impl OryOtc {
    fn browser(&self) -> bool {
        self.client.config().flow_mode() == FlowMode::Browser
    }

    /// Runs a call with the browser's cookies from `options` (browser mode; none in API mode)
    /// and answers with the `Set-Cookie` headers Kratos sent (browser mode only).
    fn call<'env, F, T, R>(
        &self,
        env: &'env Env,
        options: Option<Unknown>,
        prepare: impl FnOnce(Cookies) -> std::result::Result<F, CoreError>,
    ) -> Result<PromiseRaw<'env, WithCookies<R>>>
    where
        F: Future<Output = (std::result::Result<T, CoreError>, Cookies)> + Send + 'static,
        T: Send + 'static,
        R: From<T> + call::JsResult,
    {
        let browser = self.browser();
        run(env, options, move |options| {
            let cookies = cookies_arg(options, browser)?;
            let call = prepare(cookies)?;
            Ok(async move {
                let (outcome, cookies) = call.await;
                outcome.map(|outcome| Answer {
                    outcome,
                    set_cookie: browser.then(|| cookies.into_set_cookie()),
                })
            })
        })
    }

    /// `whoami` and `logout`: API mode takes `(sessionToken, options?)`, browser mode
    /// `(options)`, whose `cookie` carries the session.
    fn session_call<'env, F, T, R>(
        &self,
        env: &'env Env,
        first: Unknown,
        options: Option<Unknown>,
        call: impl FnOnce(Option<Secret>, Cookies) -> F,
    ) -> Result<PromiseRaw<'env, WithCookies<R>>>
    where
        F: Future<Output = (std::result::Result<T, CoreError>, Cookies)> + Send + 'static,
        T: Send + 'static,
        R: From<T> + call::JsResult,
    {
        if !self.browser() {
            return self.call(env, options, |cookies| {
                let token = Secret::new(string(first, "sessionToken")?);
                Ok(call(Some(token), cookies))
            });
        }
        if matches!(first.get_type(), Ok(ValueType::String)) {
            let err = arg(args::value_error(
                "sessionToken",
                "is only used by API flows: this client runs browser flows, pass { cookie }",
            ));
            return call::rejected(env, err);
        }
        self.call(env, Some(first), |cookies| Ok(call(None, cookies)))
    }
}

/// Drop-in for an axios `initiateOtcLogin`: `sendLoginCode` on a client built from the
/// environment (`ORY_SDK_URL` or `ORY_PROJECT_SLUG`, `ORY_API_KEY`), read at the first call.
#[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
pub fn initiate_otc_login<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "string")] email: Unknown,
    #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
) -> Result<PromiseRaw<'env, SendCodeResult>> {
    run(env, options, |_| {
        let email = ory_otc_core::check::email(&string(email, "email")?)?;
        let client = default_client()?;
        Ok(async move { client.send_login_code(&email, &mut Cookies::none()).await })
    })
}

/// Drop-in for an axios `completeOtcLogin`: `verifyLoginCode` on the default client. Reads the
/// address from the flow (one more request than passing `identifier` to `verifyLoginCode`).
#[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
pub fn complete_otc_login<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "string")] flow_id: Unknown,
    #[napi(ts_arg_type = "string")] code: Unknown,
    #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
) -> Result<PromiseRaw<'env, VerifyCodeResult>> {
    run(env, options, |_| {
        // Arguments are checked before the environment, so a bad argument is reported as such.
        let flow_id = ory_otc_core::check::flow_id(&string(flow_id, "flowId")?)?;
        let code = Secret::new(string(code, "code")?);
        ory_otc_core::check::code(code.expose())?;
        let req = VerifyRequest {
            flow_kind: FlowKind::Login,
            flow_id,
            code,
            identifier: None,
            traits: None,
        };
        let client = default_client()?;
        Ok(async move { client.verify_code(req, &mut Cookies::none()).await })
    })
}

/// The default client, built from the environment at the first call that finds it valid.
fn default_client() -> std::result::Result<Client, CoreError> {
    static DEFAULT: OnceLock<Client> = OnceLock::new();
    if let Some(client) = DEFAULT.get() {
        return Ok(client.clone());
    }
    let config = Config::builder()
        .with_env(|k| std::env::var(k).ok())
        .build()
        // A bad value here came from the environment, not from an argument.
        .map_err(|e| match e {
            CoreError::InvalidArgument { name, reason, .. } => {
                CoreError::Config(format!("{name} from the environment {reason}"))
            }
            other => other,
        })?;
    let client = Client::new(config)?;
    Ok(DEFAULT.get_or_init(|| client).clone())
}

/// A required argument of type `T`.
pub(crate) fn read<T: FromJs>(value: Unknown, name: &str) -> std::result::Result<T, CoreError> {
    T::read(value, name).map_err(arg)
}

/// A required string argument.
pub(crate) fn string(value: Unknown, name: &str) -> std::result::Result<String, CoreError> {
    read(value, name)
}

/// An optional traits object.
fn traits_arg(
    value: Option<Unknown>,
) -> std::result::Result<Option<Map<String, Value>>, CoreError> {
    optional(value, "traits").map_err(arg)
}

/// A call's options object (`{ signal?, cookie? }`), or none.
type CallOptions<'env> = Option<Object<'env>>;

/// The browser's cookies from `options.cookie` (browser mode), or none. API flows refuse
/// cookies (Kratos rejects them), so an API-mode client refuses the option.
fn cookies_arg(options: CallOptions, browser: bool) -> std::result::Result<Cookies, CoreError> {
    let Some(obj) = options else {
        return Ok(Cookies::none());
    };
    let cookie: Option<String> = args::field(&obj, "options", "cookie").map_err(arg)?;
    match (cookie, browser) {
        (None, _) => Ok(Cookies::none()),
        (Some(header), true) => Ok(Cookies::from_header(&header)),
        (Some(_), false) => Err(arg(args::value_error(
            "options.cookie",
            "is only used by browser flows: create the client with { flow: 'browser' }",
        ))),
    }
}

/// The `signal` of a call's options: an object, or absent.
fn signal_arg(options: CallOptions) -> std::result::Result<Option<Object>, CoreError> {
    let Some(obj) = options else {
        return Ok(None);
    };
    let name = "options.signal";
    let signal: Unknown = obj
        .get_named_property("signal")
        .map_err(|_| arg(type_error(name, "AbortSignal", ValueType::Unknown)))?;
    match signal.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Object) => Object::from_unknown(signal)
            .map(Some)
            .map_err(|_| arg(type_error(name, "AbortSignal", ValueType::Object))),
        Ok(t) => Err(arg(type_error(name, "AbortSignal", t))),
        Err(_) => Err(arg(type_error(name, "AbortSignal", ValueType::Unknown))),
    }
}

/// Checks arguments, links the signal, and runs the call. Bad arguments and an already
/// aborted signal reject without a request; so does a panic while checking them. `prepare`
/// gets the call's options object, checked to be one.
pub(crate) fn run<'env, F, T, R>(
    env: &'env Env,
    options: Option<Unknown>,
    prepare: impl FnOnce(CallOptions) -> std::result::Result<F, CoreError>,
) -> Result<PromiseRaw<'env, R>>
where
    F: Future<Output = std::result::Result<T, CoreError>> + Send + 'static,
    T: Send + 'static,
    R: From<T> + call::JsResult,
{
    // A panic here would reach napi's catch_unwind, which throws a plain Error instead of
    // returning the promise; it rejects with ERR_ORY_INTERNAL like a panic in the call.
    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let options = object_or_absent(options, "options").map_err(arg)?;
        prepare(options).and_then(|call| {
            let signal = match signal_arg(options)? {
                Some(signal) => call::link(env, signal)?,
                None => Signal::None,
            };
            Ok((call, signal))
        })
    }))
    .unwrap_or_else(|_| Err(call::panicked()));
    match prepared {
        Ok((call, signal)) => call::promise(env, signal, call),
        Err(err) => call::rejected(env, err),
    }
}
