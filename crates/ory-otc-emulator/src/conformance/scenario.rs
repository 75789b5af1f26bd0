//! The scenario: API, browser (JSON) and form (HTML) sign-in and sign-up with the code method,
//! sessions, both logouts, CSRF errors, identity-schema validation, admin routes and error
//! answers, in one fixed order.
//!
//! It expects Kratos to run in dev mode (codes readable on the admin courier API), with the
//! code method passwordless, the password method off, and the identity schema of
//! `tests/kratos/identity.schema.json` (traits `email`, `name` required, `newsletter`,
//! `address.{city,zip}`).

use serde_json::json;

use super::client::{self, Raw};
use super::{Normaliser, Step, Target};

/// An id no flow has.
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

struct Run<'a> {
    t: &'a Target,
    tag: String,
    n: Normaliser,
    steps: Vec<Step>,
    /// A browser's cookies, by name.
    jar: Vec<(String, String)>,
}

/// Runs the scenario against `target`. `tag` makes the e-mail addresses of this run unique
/// (a Kratos keeps its identities between runs); it is normalised away.
///
/// # Errors
/// When a request cannot be sent or an answer lacks what the next step needs (a flow id, a
/// code): the message names the step.
pub async fn run(target: &Target, tag: &str) -> Result<Vec<Step>, String> {
    let mut r = Run {
        t: target,
        tag: tag.to_owned(),
        n: Normaliser::new(tag),
        steps: Vec::new(),
        jar: Vec::new(),
    };
    r.api_login().await?;
    r.api_registration().await?;
    r.duplicate_registration().await?;
    r.browser_login().await?;
    r.browser_registration().await?;
    r.form_login().await?;
    r.browser_redirects().await?;
    r.errors().await?;
    r.admin().await?;
    Ok(r.steps)
}

#[derive(Clone, Copy)]
enum Side {
    Public,
    Admin,
}

const JSON: [(&str, &str); 2] = [
    ("content-type", "application/json"),
    ("accept", "application/json"),
];

impl Run<'_> {
    fn email(&self, who: &str) -> String {
        format!("conf-{}-{who}@example.com", self.tag)
    }

    async fn send(
        &mut self,
        name: &str,
        side: Side,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Raw, String> {
        let (addr, base) = match side {
            Side::Public => (&self.t.public_addr, &self.t.public),
            Side::Admin => (&self.t.admin_addr, &self.t.admin),
        };
        let host = match base.port() {
            Some(p) => format!("{}:{p}", base.host_str().unwrap_or("localhost")),
            None => base.host_str().unwrap_or("localhost").to_owned(),
        };
        let prefix = base.path().trim_end_matches('/');
        let full = format!("{prefix}{path}");
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let raw = client::send(addr, &host, method, &full, &headers, body)
            .await
            .map_err(|e| format!("step {name:?}: {e}"))?;
        let request = self.n.request(method, path);
        let response = self.n.response(&raw);
        self.steps.push(Step {
            name: name.to_owned(),
            request,
            response,
        });
        Ok(raw)
    }

    async fn public(
        &mut self,
        name: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Raw, String> {
        self.send(name, Side::Public, method, path, headers, body)
            .await
    }

    async fn admin_call(
        &mut self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<Raw, String> {
        let headers: &[(&str, &str)] = if body.is_some() {
            &JSON
        } else {
            &[("accept", "application/json")]
        };
        self.send(name, Side::Admin, method, path, headers, body)
            .await
    }

    /// The path and query of a flow's `ui.action` (an absolute URL on the public base).
    fn action(&self, flow: &Raw, step: &str) -> Result<String, String> {
        let action = flow.json()["ui"]["action"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "step {step:?}: the answer has no ui.action ({})",
                    flow.status
                )
            })?;
        let u = url::Url::parse(&action).map_err(|e| format!("step {step:?}: ui.action: {e}"))?;
        let prefix = self.t.public.path().trim_end_matches('/');
        let path = u.path().strip_prefix(prefix).unwrap_or(u.path());
        Ok(match u.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        })
    }

    fn flow_id(flow: &Raw, step: &str) -> Result<String, String> {
        flow.json()["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("step {step:?}: the answer has no flow id ({})", flow.status))
    }

    fn csrf_token(flow: &Raw) -> String {
        flow.json()["ui"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["attributes"]["name"] == "csrf_token")
            .and_then(|n| n["attributes"]["value"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    /// The newest code mailed to `email`, read from the admin courier API (a recorded step).
    async fn code(&mut self, name: &str, email: &str) -> Result<String, String> {
        let path = format!("/admin/courier/messages?recipient={}", urlencode(email));
        let raw = self.admin_call(name, "GET", &path, None).await?;
        let body = raw.json();
        let text = body[0]["body"].as_str().unwrap_or_default();
        let re = regex::Regex::new(r"\b(\d{6})\b").expect("valid regex");
        re.captures(text)
            .map(|c| c[1].to_owned())
            .ok_or_else(|| format!("step {name:?}: no code in the newest message to {email} (is Kratos in --dev mode?)"))
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, raw: &Raw) {
        for line in raw.set_cookies() {
            let pair = line.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let gone = value.is_empty() || line.contains("Max-Age=0") || line.contains("1970");
            self.jar.retain(|(k, _)| k != name);
            if !gone {
                self.jar.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    async fn api_login(&mut self) -> Result<(), String> {
        let ada = self.email("ada");
        let flow = self
            .public(
                "login api: create flow",
                "GET",
                "/self-service/login/api",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        let action = self.action(&flow, "login api: create flow")?;
        let body = json!({"method": "code", "identifier": self.email("nobody")}).to_string();
        self.public(
            "login api: unknown account",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let body =
            json!({"schema_id": "default", "traits": {"email": ada, "name": "Ada"}}).to_string();
        let created = self
            .admin_call(
                "admin: create identity",
                "POST",
                "/admin/identities",
                Some(&body),
            )
            .await?;
        let ada_id = created.json()["id"]
            .as_str()
            .unwrap_or(UNKNOWN_ID)
            .to_owned();
        self.admin_call(
            "admin: create identity again",
            "POST",
            "/admin/identities",
            Some(&body),
        )
        .await?;
        let bad =
            json!({"schema_id": "default", "traits": {"email": "nope", "name": "X"}}).to_string();
        self.admin_call(
            "admin: create identity with an invalid e-mail",
            "POST",
            "/admin/identities",
            Some(&bad),
        )
        .await?;
        let path = format!(
            "/admin/identities?credentials_identifier={}",
            urlencode(&ada)
        );
        self.admin_call(
            "admin: identities by credentials_identifier",
            "GET",
            &path,
            None,
        )
        .await?;
        self.admin_call(
            "admin: get identity",
            "GET",
            &format!("/admin/identities/{ada_id}"),
            None,
        )
        .await?;
        let body = json!({"method": "code", "identifier": ada}).to_string();
        self.public("login api: send code", "POST", &action, &JSON, Some(&body))
            .await?;
        let code = self.code("admin: courier messages (login)", &ada).await?;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let body = json!({"method": "code", "identifier": ada, "code": wrong}).to_string();
        self.public("login api: wrong code", "POST", &action, &JSON, Some(&body))
            .await?;
        let body = json!({"method": "code", "identifier": ada, "code": code}).to_string();
        let ok = self
            .public("login api: right code", "POST", &action, &JSON, Some(&body))
            .await?;
        let token = ok.json()["session_token"]
            .as_str()
            .unwrap_or("none")
            .to_owned();
        self.public(
            "whoami: session token",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("x-session-token", &token)],
            None,
        )
        .await?;
        self.public(
            "whoami: no credentials",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json")],
            None,
        )
        .await?;
        let body = json!({"session_token": token}).to_string();
        self.public(
            "logout api",
            "DELETE",
            "/self-service/logout/api",
            &JSON,
            Some(&body),
        )
        .await?;
        self.public(
            "whoami: after logout",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("x-session-token", &token)],
            None,
        )
        .await?;
        self.public(
            "logout api: unknown token",
            "DELETE",
            "/self-service/logout/api",
            &JSON,
            Some(&body),
        )
        .await?;
        Ok(())
    }

    async fn api_registration(&mut self) -> Result<(), String> {
        let bea = self.email("bea");
        let flow = self
            .public(
                "registration api: create flow",
                "GET",
                "/self-service/registration/api",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        let action = self.action(&flow, "registration api: create flow")?;
        let body = json!({"method": "profile", "traits": {"email": bea, "nick": "b"}}).to_string();
        self.public(
            "registration api: missing name and an undeclared trait",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let body = json!({"method": "profile", "traits": {"email": "nope", "name": "", "newsletter": "yes", "address": {"zip": "12", "x": 1}}}).to_string();
        self.public(
            "registration api: invalid values",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let traits = json!({"email": bea, "name": "Bea", "newsletter": true, "address": {"city": "Berlin", "zip": "10115"}});
        let body = json!({"method": "profile", "traits": traits}).to_string();
        self.public(
            "registration api: profile screen",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let body = json!({"method": "code", "traits": traits}).to_string();
        self.public(
            "registration api: send code",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let code = self
            .code("admin: courier messages (registration)", &bea)
            .await?;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let body = json!({"method": "code", "traits": traits, "code": wrong}).to_string();
        self.public(
            "registration api: wrong code",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let body = json!({"method": "code", "traits": traits, "code": code}).to_string();
        let ok = self
            .public(
                "registration api: right code",
                "POST",
                &action,
                &JSON,
                Some(&body),
            )
            .await?;
        let id = ok.json()["identity"]["id"]
            .as_str()
            .unwrap_or(UNKNOWN_ID)
            .to_owned();
        self.admin_call(
            "admin: get registered identity with its code credential",
            "GET",
            &format!("/admin/identities/{id}?include_credential=code"),
            None,
        )
        .await?;
        Ok(())
    }

    async fn duplicate_registration(&mut self) -> Result<(), String> {
        let ada = self.email("ada");
        let flow = self
            .public(
                "registration api: duplicate, create flow",
                "GET",
                "/self-service/registration/api",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        let action = self.action(&flow, "registration api: duplicate, create flow")?;
        let traits = json!({"email": ada, "name": "Ada again"});
        let body = json!({"method": "code", "traits": traits}).to_string();
        self.public(
            "registration api: duplicate, send code",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        let code = self
            .code("admin: courier messages (duplicate)", &ada)
            .await?;
        let body = json!({"method": "code", "traits": traits, "code": code}).to_string();
        self.public(
            "registration api: duplicate, right code",
            "POST",
            &action,
            &JSON,
            Some(&body),
        )
        .await?;
        Ok(())
    }

    async fn browser_login(&mut self) -> Result<(), String> {
        let ada = self.email("ada");
        self.jar.clear();
        let flow = self
            .public(
                "login browser: create flow (JSON)",
                "GET",
                "/self-service/login/browser",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        self.keep_cookies(&flow);
        let id = Self::flow_id(&flow, "login browser: create flow (JSON)")?;
        let action = self.action(&flow, "login browser: create flow (JSON)")?;
        let csrf = Self::csrf_token(&flow);
        let cookie = self.cookie_header();
        let get = format!("/self-service/login/flows?id={id}");
        self.public(
            "login browser: get flow with its cookie",
            "GET",
            &get,
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        self.public(
            "login browser: get flow without a cookie",
            "GET",
            &get,
            &[("accept", "application/json")],
            None,
        )
        .await?;
        let body = json!({"method": "code", "identifier": ada}).to_string();
        self.public(
            "login browser: submit without the CSRF token",
            "POST",
            &action,
            &[JSON[0], JSON[1], ("cookie", &cookie)],
            Some(&body),
        )
        .await?;
        let body = json!({"method": "code", "identifier": ada, "csrf_token": csrf}).to_string();
        self.public(
            "login browser: send code",
            "POST",
            &action,
            &[JSON[0], JSON[1], ("cookie", &cookie)],
            Some(&body),
        )
        .await?;
        let code = self
            .code("admin: courier messages (browser login)", &ada)
            .await?;
        let body = json!({"method": "code", "identifier": ada, "csrf_token": csrf, "code": code})
            .to_string();
        let ok = self
            .public(
                "login browser: right code",
                "POST",
                &action,
                &[JSON[0], JSON[1], ("cookie", &cookie)],
                Some(&body),
            )
            .await?;
        self.keep_cookies(&ok);
        let cookie = self.cookie_header();
        self.public(
            "whoami: session cookie",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        let logout = self
            .public(
                "logout browser: create",
                "GET",
                "/self-service/logout/browser",
                &[("accept", "application/json"), ("cookie", &cookie)],
                None,
            )
            .await?;
        self.public(
            "logout browser: create without a session",
            "GET",
            "/self-service/logout/browser",
            &[("accept", "application/json")],
            None,
        )
        .await?;
        let token = logout.json()["logout_token"]
            .as_str()
            .unwrap_or("none")
            .to_owned();
        let path = format!("/self-service/logout?token={token}");
        let out = self
            .public(
                "logout browser: submit the token",
                "GET",
                &path,
                &[("accept", "application/json"), ("cookie", &cookie)],
                None,
            )
            .await?;
        self.keep_cookies(&out);
        let cookie = self.cookie_header();
        self.public(
            "whoami: after browser logout",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        Ok(())
    }

    async fn browser_registration(&mut self) -> Result<(), String> {
        let cy = self.email("cy");
        self.jar.clear();
        let flow = self
            .public(
                "registration browser: create flow (JSON)",
                "GET",
                "/self-service/registration/browser",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        self.keep_cookies(&flow);
        let action = self.action(&flow, "registration browser: create flow (JSON)")?;
        let csrf = Self::csrf_token(&flow);
        let cookie = self.cookie_header();
        let traits = json!({"email": cy, "name": "Cy"});
        let body = json!({"method": "code", "traits": traits, "csrf_token": csrf}).to_string();
        self.public(
            "registration browser: send code",
            "POST",
            &action,
            &[JSON[0], JSON[1], ("cookie", &cookie)],
            Some(&body),
        )
        .await?;
        let code = self
            .code("admin: courier messages (browser registration)", &cy)
            .await?;
        let body = json!({"method": "code", "traits": traits, "csrf_token": csrf, "code": code})
            .to_string();
        let ok = self
            .public(
                "registration browser: right code",
                "POST",
                &action,
                &[JSON[0], JSON[1], ("cookie", &cookie)],
                Some(&body),
            )
            .await?;
        self.keep_cookies(&ok);
        let cookie = self.cookie_header();
        self.public(
            "whoami: session cookie after registration",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        self.public(
            "registration browser: create flow with a session",
            "GET",
            "/self-service/registration/browser",
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        Ok(())
    }

    /// A browser without JavaScript: HTML redirects and form posts.
    async fn form_login(&mut self) -> Result<(), String> {
        let ada = self.email("ada");
        self.jar.clear();
        let created = self
            .public(
                "login form: create flow",
                "GET",
                "/self-service/login/browser",
                &[],
                None,
            )
            .await?;
        self.keep_cookies(&created);
        let location = created.header("location").unwrap_or_default().to_owned();
        let id = url::Url::parse(&location)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "flow")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or_else(|| {
                format!(
                    "step \"login form: create flow\": no flow id in Location ({})",
                    created.status
                )
            })?;
        let cookie = self.cookie_header();
        let flow = self
            .public(
                "login form: get flow",
                "GET",
                &format!("/self-service/login/flows?id={id}"),
                &[("accept", "application/json"), ("cookie", &cookie)],
                None,
            )
            .await?;
        let action = self.action(&flow, "login form: get flow")?;
        let csrf = Self::csrf_token(&flow);
        let form = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", cookie.as_str()),
        ];
        let body = format!(
            "method=code&identifier={}&csrf_token={}",
            urlencode(&ada),
            urlencode(&csrf)
        );
        self.public("login form: send code", "POST", &action, &form, Some(&body))
            .await?;
        let code = self
            .code("admin: courier messages (form login)", &ada)
            .await?;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let body = format!(
            "method=code&identifier={}&csrf_token={}&code={wrong}",
            urlencode(&ada),
            urlencode(&csrf)
        );
        self.public(
            "login form: wrong code",
            "POST",
            &action,
            &form,
            Some(&body),
        )
        .await?;
        let body = format!(
            "method=code&identifier={}&csrf_token={}&code={code}",
            urlencode(&ada),
            urlencode(&csrf)
        );
        let ok = self
            .public(
                "login form: right code",
                "POST",
                &action,
                &form,
                Some(&body),
            )
            .await?;
        self.keep_cookies(&ok);
        let cookie = self.cookie_header();
        self.public(
            "whoami: session cookie after a form login",
            "GET",
            "/sessions/whoami",
            &[("accept", "application/json"), ("cookie", &cookie)],
            None,
        )
        .await?;
        Ok(())
    }

    async fn browser_redirects(&mut self) -> Result<(), String> {
        self.public(
            "login browser: create flow (HTML)",
            "GET",
            "/self-service/login/browser",
            &[],
            None,
        )
        .await?;
        self.public(
            "registration browser: create flow (HTML)",
            "GET",
            "/self-service/registration/browser",
            &[],
            None,
        )
        .await?;
        let allowed = self.t.allowed_return_to();
        self.public(
            "login browser: allowed return_to",
            "GET",
            &format!(
                "/self-service/login/browser?return_to={}",
                urlencode(&allowed)
            ),
            &[("accept", "application/json")],
            None,
        )
        .await?;
        self.public(
            "login browser: forbidden return_to",
            "GET",
            &format!(
                "/self-service/login/browser?return_to={}",
                urlencode("https://evil.example/")
            ),
            &[("accept", "application/json")],
            None,
        )
        .await?;
        Ok(())
    }

    async fn errors(&mut self) -> Result<(), String> {
        let body = json!({"method": "code", "identifier": self.email("ada")}).to_string();
        self.public(
            "login: unknown flow",
            "POST",
            &format!("/self-service/login?flow={UNKNOWN_ID}"),
            &JSON,
            Some(&body),
        )
        .await?;
        self.public(
            "login: malformed flow id",
            "POST",
            "/self-service/login?flow=nope",
            &JSON,
            Some(&body),
        )
        .await?;
        let flow = self
            .public(
                "login api: create flow for the cookie guard",
                "GET",
                "/self-service/login/api",
                &[("accept", "application/json")],
                None,
            )
            .await?;
        let action = self.action(&flow, "login api: create flow for the cookie guard")?;
        self.public(
            "login api: a cookie on an API flow",
            "POST",
            &action,
            &[JSON[0], JSON[1], ("cookie", "some_cookie=1")],
            Some(&body),
        )
        .await?;
        self.public(
            "registration: get an unknown flow",
            "GET",
            &format!("/self-service/registration/flows?id={UNKNOWN_ID}"),
            &[("accept", "application/json")],
            None,
        )
        .await?;
        self.public(
            "errors: unknown id",
            "GET",
            &format!("/self-service/errors?id={UNKNOWN_ID}"),
            &[("accept", "application/json")],
            None,
        )
        .await?;
        self.public(
            "schemas: the default schema",
            "GET",
            "/schemas/ZGVmYXVsdA",
            &[("accept", "application/json")],
            None,
        )
        .await?;
        self.public("not found", "GET", "/nope", &[], None).await?;
        Ok(())
    }

    async fn admin(&mut self) -> Result<(), String> {
        let ada = self.email("ada");
        let path = format!(
            "/admin/identities?credentials_identifier={}",
            urlencode(&ada)
        );
        let found = self
            .admin_call("admin: find identity to delete", "GET", &path, None)
            .await?;
        let id = found.json()[0]["id"]
            .as_str()
            .unwrap_or(UNKNOWN_ID)
            .to_owned();
        self.admin_call(
            "admin: delete identity",
            "DELETE",
            &format!("/admin/identities/{id}"),
            None,
        )
        .await?;
        self.admin_call(
            "admin: get deleted identity",
            "GET",
            &format!("/admin/identities/{id}"),
            None,
        )
        .await?;
        self.admin_call(
            "admin: delete it again",
            "DELETE",
            &format!("/admin/identities/{id}"),
            None,
        )
        .await?;
        Ok(())
    }
}

impl Target {
    /// A `return_to` on the first allowed host the scenario's config lists (the UI origin).
    fn allowed_return_to(&self) -> String {
        "http://127.0.0.1:4455/after".to_owned()
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
