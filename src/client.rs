//! `OryOtc`, the configured client, and the drop-in `initiateOtcLogin` / `completeOtcLogin`
//! on a default client built from the environment.
//!
//! Each method checks its arguments' types, hands the values to the core, and converts the
//! outcome. Every method returns a promise; bad arguments reject it before any request.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ory_otc_core::{Client, Config, Error as CoreError, FlowKind, Secret, VerifyRequest};

use napi::ValueType;
use ory_otc_napi::args::{object_or_absent, optional, type_error, FromJs};
use serde_json::{Map, Value};

use crate::call::{self, Signal};
use crate::error::{self, arg};
use crate::options::{
    flow_kind, OryOtcOptions, ResendCodeParams, VerifyCodeParams, VerifyLoginCodeParams,
    VerifyRegistrationCodeParams,
};
use crate::results::{LogoutResult, SendCodeResult, VerifyCodeResult, WhoamiResult};

/// An Ory one-time-code client. Holds one connection pool: create one per process and share it.
#[napi]
pub struct OryOtc {
    client: Client,
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

    /// Creates a login flow and asks Kratos to e-mail a code. Resolves `code_sent` on success
    /// (Kratos's HTTP 400 with state `sent_email`).
    #[napi(catch_unwind, ts_return_type = "Promise<SendCodeResult>")]
    pub fn send_login_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] email: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, SendCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let email = string(email, "email")?;
            Ok(async move { client.send_login_code(&email).await })
        })
    }

    /// Submits the code of a login flow. Resolves `signed_in` with the session token.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
    pub fn verify_login_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "VerifyLoginCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, VerifyCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let req = VerifyRequest::from(read::<VerifyLoginCodeParams>(params, "params")?);
            Ok(async move { client.verify_code(req).await })
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
    ) -> Result<PromiseRaw<'env, SendCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let email = string(email, "email")?;
            let traits = traits_arg(traits)?;
            Ok(async move { client.send_registration_code(&email, traits).await })
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
    ) -> Result<PromiseRaw<'env, VerifyCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let p = read::<VerifyRegistrationCodeParams>(params, "params")?;
            let req = VerifyRequest::from(p);
            Ok(async move { client.verify_code(req).await })
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
    ) -> Result<PromiseRaw<'env, SendCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let email = string(email, "email")?;
            let traits = traits_arg(traits)?;
            Ok(async move { client.send_code(&email, traits).await })
        })
    }

    /// Submits a code to the flow `sendCode` started.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifyCodeResult>")]
    pub fn verify_code<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "VerifyCodeParams")] params: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, VerifyCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let p = read::<VerifyCodeParams>(params, "params")?;
            let req = VerifyRequest::try_from(p).map_err(arg)?;
            Ok(async move { client.verify_code(req).await })
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
    ) -> Result<PromiseRaw<'env, SendCodeResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let p = read::<ResendCodeParams>(params, "params")?;
            let kind = flow_kind("params.flowType", &p.flow_type).map_err(arg)?;
            Ok(async move {
                client
                    .resend_code(kind, &p.flow_id, p.identifier.as_deref())
                    .await
            })
        })
    }

    /// The session behind a session token: `active`, or `unauthorized`.
    #[napi(catch_unwind, ts_return_type = "Promise<WhoamiResult>")]
    pub fn whoami<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] session_token: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, WhoamiResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let token = Secret::new(string(session_token, "sessionToken")?);
            Ok(async move { client.whoami(&token).await })
        })
    }

    /// Revokes a session token: `logged_out`, or `unknown_session`.
    #[napi(catch_unwind, ts_return_type = "Promise<LogoutResult>")]
    pub fn logout<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] session_token: Unknown,
        #[napi(ts_arg_type = "CallOptions")] options: Option<Unknown>,
    ) -> Result<PromiseRaw<'env, LogoutResult>> {
        let client = self.client.clone();
        run(env, options, || {
            let token = Secret::new(string(session_token, "sessionToken")?);
            Ok(async move { client.logout(&token).await })
        })
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
    run(env, options, || {
        let email = ory_otc_core::check::email(&string(email, "email")?)?;
        let client = default_client()?;
        Ok(async move { client.send_login_code(&email).await })
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
    run(env, options, || {
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
        Ok(async move { client.verify_code(req).await })
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

/// The `signal` of a call's options: an object, or absent.
fn signal_arg<'env>(
    options: Option<Unknown<'env>>,
) -> std::result::Result<Option<Object<'env>>, CoreError> {
    let Some(obj) = object_or_absent(options, "options").map_err(arg)? else {
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
/// aborted signal reject without a request; so does a panic while checking them.
pub(crate) fn run<'env, F, T, R>(
    env: &'env Env,
    options: Option<Unknown>,
    prepare: impl FnOnce() -> std::result::Result<F, CoreError>,
) -> Result<PromiseRaw<'env, R>>
where
    F: Future<Output = std::result::Result<T, CoreError>> + Send + 'static,
    T: Send + 'static,
    R: From<T> + ToNapiValue + 'static,
{
    // A panic here would reach napi's catch_unwind, which throws a plain Error instead of
    // returning the promise; it rejects with ERR_ORY_INTERNAL like a panic in the call.
    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| {
        prepare().and_then(|call| {
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
