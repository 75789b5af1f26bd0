//! Browser mode over real sockets (docs/kratos-protocol.md §2.6, §9, §10.4): the browser's
//! cookies go to Kratos, Kratos's `Set-Cookie` updates them for the rest of the call and is
//! handed back in order, every submit carries the flow's CSRF token, and a CSRF violation is
//! an outcome whose cause follows the cookies sent.

mod support;

use ory_otc_core::{
    Cookies, Credentials, CsrfCause, ErrorCode, FlowKind, FlowMode, Logout, Secret, SendCode,
    VerifyCode, VerifyRequest, Whoami,
};
use serde_json::{json, Value};
use support::{client_with, fixture, serve, Reply, Request};

const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
const CSRF: &str = "csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481";
/// What the flow's `csrf_token` node holds (Kratos masks the cookie's token per response).
const MASKED: &str = "masked-token-from-the-flow";

/// A recorded API flow, turned into the browser flow Kratos would answer with.
fn browser_flow(name: &str) -> String {
    let mut flow: Value = serde_json::from_str(&fixture(name)).unwrap();
    flow["type"] = json!("browser");
    let nodes = flow["ui"]["nodes"].as_array_mut().unwrap();
    nodes.retain(|n| n["attributes"]["name"] != "csrf_token");
    nodes.insert(
        0,
        json!({"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":MASKED,"required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}}),
    );
    flow.to_string()
}

fn with_cookies(status: u16, body: String, set_cookie: &[&str]) -> Reply {
    let mut headers = vec![("Content-Type", "application/json; charset=utf-8".to_owned())];
    headers.extend(set_cookie.iter().map(|c| ("Set-Cookie", (*c).to_owned())));
    Reply::Respond(status, headers, body.into_bytes())
}

fn browser(server: &support::Server) -> ory_otc_core::Client {
    client_with(server, |b| b.flow_mode(FlowMode::Browser))
}

fn path(req: &Request) -> &str {
    req.target.split('?').next().unwrap()
}

#[tokio::test]
async fn sending_creates_a_browser_flow_and_submits_with_the_cookie_kratos_just_set() {
    let csrf_set = format!("{CSRF}=real-token; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
    let set = csrf_set.clone();
    let server = serve(move |req| match (req.method.as_str(), path(req)) {
        ("GET", "/self-service/login/browser") => {
            with_cookies(200, browser_flow("login_created.json"), &[&set])
        }
        ("POST", "/self-service/login") => {
            with_cookies(400, browser_flow("login_code_sent.json"), &[])
        }
        _ => Reply::Close,
    })
    .await;
    let mut cookies = Cookies::from_header("theme=dark");
    let sent = browser(&server)
        .send_login_code("ada@example.com", &mut cookies)
        .await
        .unwrap();
    assert!(matches!(sent, SendCode::CodeSent { .. }), "{sent:?}");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("cookie"), Some("theme=dark"));
    assert_eq!(reqs[0].header("accept"), Some("application/json"));
    assert_eq!(
        reqs[1].header("cookie"),
        Some(format!("theme=dark; {CSRF}=real-token").as_str()),
        "the submit carries the CSRF cookie Kratos set a request earlier"
    );
    assert_eq!(reqs[1].json()["csrf_token"], MASKED);
    assert_eq!(reqs[1].json()["method"], "code");
    assert_eq!(
        reqs.iter().filter(|r| r.header("origin").is_some()).count(),
        0
    );
    assert_eq!(cookies.set_cookie(), [csrf_set]);
}

#[tokio::test]
async fn verifying_needs_only_the_flow_id_the_code_and_the_cookies() {
    let session_set =
        "ory_kratos_session=SESSIONVALUE; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax";
    let csrf_rotated = format!("{CSRF}=rotated; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
    let rotated = csrf_rotated.clone();
    let server = serve(move |req| match (req.method.as_str(), path(req)) {
        ("GET", "/self-service/login/flows") => with_cookies(200, browser_flow("login_code_sent.json"), &[]),
        ("POST", "/self-service/login") => {
            // A browser login's JSON success: the session without a token, two cookies.
            let mut ok: Value = serde_json::from_str(&fixture("login_success.json")).unwrap();
            ok.as_object_mut().unwrap().remove("session_token");
            ok["continue_with"] = json!([{"action":"redirect_browser_to","redirect_browser_to":"http://127.0.0.1:4455/"}]);
            with_cookies(200, ok.to_string(), &[&rotated, session_set])
        }
        _ => Reply::Close,
    })
    .await;
    let mut cookies = Cookies::from_header(&format!("{CSRF}=real-token"));
    let req = VerifyRequest {
        flow_kind: FlowKind::Login,
        flow_id: FLOW_ID.into(),
        code: Secret::new("123456"),
        identifier: None,
        traits: None,
    };
    let done = browser(&server)
        .verify_code(req, &mut cookies)
        .await
        .unwrap();
    match &done {
        VerifyCode::SignedIn {
            session_token,
            identity,
            ..
        } => {
            assert!(session_token.is_none(), "browser flows carry no token");
            assert!(!identity.id.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let reqs = server.requests();
    assert_eq!(
        reqs[0].target,
        format!("/self-service/login/flows?id={FLOW_ID}")
    );
    assert_eq!(
        reqs[0].header("cookie"),
        Some(format!("{CSRF}=real-token").as_str())
    );
    let body = reqs[1].json();
    assert_eq!(body["csrf_token"], MASKED);
    assert_eq!(body["code"], "123456");
    assert!(
        body["identifier"].as_str().is_some_and(|i| i.contains('@')),
        "{body}"
    );
    assert_eq!(cookies.set_cookie(), [csrf_rotated.as_str(), session_set]);
    let shown = format!("{done:?} {cookies:?}");
    assert!(
        !shown.contains("SESSIONVALUE") && !shown.contains(MASKED),
        "{shown}"
    );
}

#[tokio::test]
async fn a_csrf_violation_is_an_outcome_whose_cause_follows_the_cookies_sent() {
    let server = serve(|_| support::json(403, fixture("csrf_violation_403.json"))).await;
    let client = browser(&server);
    for (header, cause) in [
        (None, CsrfCause::NoCookie),
        (Some("theme=dark".to_owned()), CsrfCause::NoCsrfCookie),
        (
            Some(format!("theme=dark; {CSRF}=from-another-flow")),
            CsrfCause::Mismatch,
        ),
    ] {
        let mut cookies = header
            .as_deref()
            .map(Cookies::from_header)
            .unwrap_or_else(Cookies::none);
        let req = VerifyRequest {
            flow_kind: FlowKind::Registration,
            flow_id: FLOW_ID.into(),
            code: Secret::new("123456"),
            identifier: None,
            traits: None,
        };
        match client.verify_code(req, &mut cookies).await.unwrap() {
            VerifyCode::CsrfViolation {
                cause: got,
                flow_id,
                flow_kind,
            } => {
                assert_eq!(
                    (got, flow_id.as_str(), flow_kind),
                    (cause, FLOW_ID, FlowKind::Registration)
                );
            }
            other => panic!("{other:?}"),
        }
        let resent = client
            .resend_code(
                FlowKind::Login,
                FLOW_ID,
                Some("a@example.com"),
                &mut cookies,
            )
            .await
            .unwrap();
        assert!(
            matches!(resent, SendCode::CsrfViolation { cause: c, .. } if c == cause),
            "{resent:?}"
        );
    }
}

#[tokio::test]
async fn an_api_client_never_sends_cookies_and_refuses_them_for_sessions() {
    let server = serve(|req| match path(req) {
        "/self-service/login/api" => support::json(200, fixture("login_created.json")),
        _ => support::json(400, fixture("login_code_sent.json")),
    })
    .await;
    let api = client_with(&server, |b| b);
    let mut cookies = Cookies::from_header("ory_kratos_session=x");
    let sent = api
        .send_login_code("a@example.com", &mut cookies)
        .await
        .unwrap();
    assert!(matches!(sent, SendCode::CodeSent { .. }));
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("cookie").is_none()));
    assert!(cookies.set_cookie().is_empty());

    let err = api
        .whoami(Credentials::Cookies(&mut cookies))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgValue);
    let err = browser(&server)
        .whoami(Credentials::Token(&Secret::new("ory_st_x")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgValue);
}

#[tokio::test]
async fn whoami_and_logout_go_by_the_session_cookie() {
    let cleared = "ory_kratos_session=gone; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly";
    let new_csrf = format!("{CSRF}=after-logout; Path=/; Max-Age=31536000; HttpOnly");
    let csrf = new_csrf.clone();
    let server = serve(move |req| {
        let signed_in = req.header("cookie").is_some_and(|c| c.contains("ory_kratos_session=live"));
        match (path(req), signed_in) {
            ("/sessions/whoami", true) => support::json(200, fixture("whoami_active.json")),
            ("/sessions/whoami", false) => support::json(401, fixture("whoami_401.json")),
            ("/self-service/logout/browser", true) => {
                let origin = format!("http://{}", req.header("host").unwrap());
                support::json(
                    200,
                    json!({"logout_url": format!("{origin}/self-service/logout?token=ory_lo_TOKEN"), "logout_token": "ory_lo_TOKEN"}).to_string(),
                )
            }
            ("/self-service/logout/browser", false) => support::json(
                401,
                r#"{"error":{"id":"session_inactive","code":401,"status":"Unauthorized","reason":"No active session was found in this request.","message":"request does not have a valid authentication session"}}"#,
            ),
            ("/self-service/logout", true) => Reply::Respond(204, vec![("Set-Cookie", cleared.to_owned()), ("Set-Cookie", csrf.clone())], vec![]),
            _ => Reply::Close,
        }
    })
    .await;
    let client = browser(&server);
    let mut cookies = Cookies::from_header("ory_kratos_session=live");
    let who = client
        .whoami(Credentials::Cookies(&mut cookies))
        .await
        .unwrap();
    assert!(matches!(who, Whoami::Active { .. }), "{who:?}");
    assert_eq!(server.requests()[0].header("x-session-token"), None);

    let out = client
        .logout(Credentials::Cookies(&mut cookies))
        .await
        .unwrap();
    assert_eq!(out, Logout::LoggedOut);
    let reqs = server.requests();
    assert_eq!(reqs[2].target, "/self-service/logout?token=ory_lo_TOKEN");
    assert_eq!(cookies.set_cookie(), [cleared, new_csrf.as_str()]);
    assert_eq!(
        cookies.csrf_cause(),
        CsrfCause::Mismatch,
        "the session cookie is gone, the new CSRF cookie kept"
    );

    let mut none = Cookies::from_header("theme=dark");
    assert_eq!(
        client
            .logout(Credentials::Cookies(&mut none))
            .await
            .unwrap(),
        Logout::UnknownSession
    );
    assert!(matches!(
        client
            .whoami(Credentials::Cookies(&mut none))
            .await
            .unwrap(),
        Whoami::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn the_cookie_domain_option_rewrites_what_goes_back_to_the_browser() {
    let server = serve(|req| match path(req) {
        "/self-service/login/browser" => with_cookies(
            200,
            browser_flow("login_created.json"),
            &[&format!(
                "{CSRF}=t; Path=/; Domain=kratos.internal; HttpOnly"
            )],
        ),
        _ => with_cookies(400, browser_flow("login_code_sent.json"), &[]),
    })
    .await;
    let client = client_with(&server, |b| {
        b.flow_mode(FlowMode::Browser).cookie_domain("example.com")
    });
    let mut cookies = Cookies::none();
    client
        .send_login_code("a@example.com", &mut cookies)
        .await
        .unwrap();
    assert_eq!(cookies.set_cookie().len(), 1);
    assert!(
        cookies.set_cookie()[0].contains("Domain=example.com"),
        "{:?}",
        cookies.set_cookie()
    );
    // The jar keeps the cookie whatever its Domain: the submit still carried it.
    assert_eq!(
        server.requests()[1].header("cookie"),
        Some(format!("{CSRF}=t").as_str())
    );
}
