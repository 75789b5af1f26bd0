//! No code, session token or API key in the `Display` or `Debug` of any error or outcome, nor of
//! anything in an error's source chain, on every fault path; nor in a URL sent over the wire.
//! (The JS side of the same promise is `__test__/reliability/faults.test.js`.)

mod support;

use std::error::Error as _;
use std::time::Duration;

use ory_otc_core::{Client, Config, Cookies, Credentials, FlowKind, Secret, VerifyRequest};
use support::raw::{full_backlog, serve_raw, Raw};
use support::{json, serve, Reply};

const CODE: &str = "8392017465019283";
const TOKEN: &str = "ory_st_LeakCheck0123456789abcdefghijk";
const API_KEY: &str = "ory_pat_LeakCheck9876543210zyxwvutsrq";
const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";

fn client(url: &str) -> Client {
    Client::new(
        Config::builder()
            .base_url(url)
            .api_key(API_KEY)
            .timeout(Duration::from_millis(400))
            .connect_timeout(Duration::from_millis(200))
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn verify(flow_kind: FlowKind, identifier: Option<&str>) -> VerifyRequest {
    VerifyRequest {
        flow_kind,
        flow_id: FLOW_ID.into(),
        code: Secret::new(CODE),
        identifier: identifier.map(str::to_owned),
        traits: None,
    }
}

/// Display and Debug of `value`, and of every error in its source chain.
fn texts(err: &ory_otc_core::Error) -> Vec<String> {
    let mut out = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = err.source();
    while let Some(s) = source {
        out.push(s.to_string());
        out.push(format!("{s:?}"));
        source = s.source();
    }
    out
}

fn assert_clean(what: &str, texts: &[String]) {
    for text in texts {
        for secret in [CODE, TOKEN, API_KEY] {
            assert!(!text.contains(secret), "{what}: a secret in {text:?}");
        }
    }
}

/// Every call that carries a secret, against `url`; each result's texts checked.
async fn every_call(label: &str, url: &str) {
    let c = client(url);
    let (whoami, logout, verify_login, verify_login_fetch, verify_registration, send) = tokio::join!(
        async {
            c.whoami(Credentials::Token(&Secret::new(TOKEN)))
                .await
                .map(|o| format!("{o:?}"))
        },
        async {
            c.logout(Credentials::Token(&Secret::new(TOKEN)))
                .await
                .map(|o| format!("{o:?}"))
        },
        async {
            c.verify_code(verify(FlowKind::Login, Some("a@b.c")), &mut Cookies::none())
                .await
                .map(|o| format!("{o:?}"))
        },
        async {
            c.verify_code(verify(FlowKind::Login, None), &mut Cookies::none())
                .await
                .map(|o| format!("{o:?}"))
        },
        async {
            c.verify_code(verify(FlowKind::Registration, None), &mut Cookies::none())
                .await
                .map(|o| format!("{o:?}"))
        },
        async {
            c.send_login_code("a@b.c", &mut Cookies::none())
                .await
                .map(|o| format!("{o:?}"))
        },
    );
    let results = [
        ("whoami", whoami),
        ("logout", logout),
        ("verify login", verify_login),
        ("verify login, reading the flow", verify_login_fetch),
        ("verify registration", verify_registration),
        ("send", send),
    ];
    for (call, result) in results {
        let what = format!("{label}: {call}");
        match result {
            Ok(outcome) => assert_clean(&what, &[outcome]),
            Err(err) => assert_clean(&what, &texts(&err)),
        }
    }
}

#[tokio::test]
async fn no_fault_path_shows_a_secret() {
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    every_call("refused", &refused).await;
    every_call("unresolvable", "https://ory-otc-reliability.invalid").await;
    let dead = full_backlog();
    every_call("connect timeout", &dead.url()).await;

    let html = |status| {
        Reply::Respond(
            status,
            vec![("Content-Type", "text/html".into())],
            b"<html>bad gateway</html>".to_vec(),
        )
    };
    type Script = Box<dyn Fn(&support::Request) -> Reply + Send + Sync>;
    let scripts: Vec<(&str, Script)> = vec![
        ("hang", Box::new(|_| Reply::Hang)),
        (
            "stalled body",
            Box::new(|_| Reply::Stall(200, 4096, b"{\"a\":".to_vec())),
        ),
        ("closed", Box::new(|_| Reply::Close)),
        ("502 html", Box::new(move |_| html(502))),
        (
            "500 envelope",
            Box::new(|_| json(500, support::fixture("server_error_500.json"))),
        ),
        ("200 html", Box::new(move |_| html(200))),
        (
            "truncated",
            Box::new(|_| json(200, "{\"id\":\"x\",\"ui\":{")),
        ),
        (
            "429",
            Box::new(|_| {
                Reply::Respond(
                    429,
                    vec![("Retry-After", "7".into())],
                    b"{\"error\":{\"code\":429,\"message\":\"slow down\"}}".to_vec(),
                )
            }),
        ),
        (
            "redirect",
            Box::new(|_| {
                Reply::Respond(
                    302,
                    vec![("Location", "http://127.0.0.2:9/steal".into())],
                    vec![],
                )
            }),
        ),
        (
            "foreign action",
            Box::new(|req| {
                let fixture = if req.target.contains("registration") {
                    "registration_code_sent.json"
                } else {
                    "login_code_sent.json"
                };
                let body = support::fixture(fixture)
                    .replace(support::PLACEHOLDER_ORIGIN, "http://127.0.0.2:9");
                // Served as is: the support server rewrites only its own placeholder.
                json(if req.method == "GET" { 200 } else { 400 }, body)
            }),
        ),
        (
            "wrong code",
            Box::new(|req| match req.method.as_str() {
                "GET" => json(200, support::fixture("login_code_sent.json")),
                _ => json(400, support::fixture("login_wrong_code.json")),
            }),
        ),
        (
            // The session token again where Kratos puts a list: serde's message used to quote it.
            "a success of the wrong shape",
            Box::new(|req| match req.method.as_str() {
                "GET" => json(200, support::fixture("login_code_sent.json")),
                _ => json(
                    200,
                    format!(
                        r#"{{"session_token":"{TOKEN}","session":{{"id":"s","active":true,"devices":"{TOKEN}"}},"continue_with":"{TOKEN}"}}"#
                    ),
                ),
            }),
        ),
        (
            "signed in",
            Box::new(|req| match req.method.as_str() {
                "GET" => json(200, support::fixture("login_code_sent.json")),
                "DELETE" => Reply::Respond(204, vec![], vec![]),
                _ => json(200, support::fixture("login_success.json")),
            }),
        ),
    ];
    for (label, script) in scripts {
        let server = serve(move |req| script(req)).await;
        every_call(label, &server.url()).await;
        // On the wire: the code only in a POST body, the token only in its header or the
        // logout body, the API key nowhere (no admin path is called). Never in a URL.
        for req in server.requests() {
            assert!(
                !req.target.contains(CODE) && !req.target.contains(TOKEN),
                "{label}: {}",
                req.target
            );
            assert!(
                req.header("authorization").is_none(),
                "{label}: the API key was sent"
            );
        }
    }

    let endless = serve_raw(Raw::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec(),
        chunk: format!("400\r\n{}\r\n", "a".repeat(0x400)).into_bytes(),
    })
    .await;
    every_call("endless body", &endless.url()).await;
}

#[test]
fn configuration_client_and_requests_do_not_show_secrets_in_debug() {
    let config = Config::builder()
        .base_url("https://x.projects.oryapis.com")
        .api_key(API_KEY)
        .build()
        .unwrap();
    let client = Client::new(config.clone()).unwrap();
    let request = verify(FlowKind::Login, Some("a@b.c"));
    assert_clean(
        "debug",
        &[
            format!("{config:?}"),
            format!("{client:?}"),
            format!("{request:?}"),
            format!("{:?}", Secret::new(TOKEN)),
        ],
    );
}
