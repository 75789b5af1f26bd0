//! The client over real sockets against a scripted server: what it sends, in what order, and
//! what it makes of each answer.

mod support;

use std::time::Duration;

use ory_otc_core::{
    Cookies, Credentials, ErrorCode, FlowKind, Secret, SendCode, VerifyCode, VerifyRequest,
};
use support::{json, serve, Reply};

const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";

fn verify_login(code: &str, identifier: Option<&str>) -> VerifyRequest {
    VerifyRequest {
        flow_kind: FlowKind::Login,
        flow_id: FLOW_ID.into(),
        code: Secret::new(code),
        identifier: identifier.map(str::to_owned),
        traits: None,
    }
}

/// A Kratos that creates a login flow and answers the send with `sent`.
async fn kratos_login(sent: &'static str) -> support::Server {
    let server = serve(move |req| {
        let fix = support::fixture;
        match (req.method.as_str(), req.target.split('?').next().unwrap()) {
            ("GET", "/self-service/login/api") => json(200, fix("login_created.json")),
            ("POST", "/self-service/login") => json(400, fix(sent)),
            _ => json(404, fix("flow_not_found_404.json")),
        }
    })
    .await;
    server
}

// docs/kratos-protocol.md §2: JSON both ways, no Cookie, no Origin; §3: method code + identifier.
#[tokio::test]
async fn sending_a_login_code_makes_two_json_requests_without_cookies() {
    let server = kratos_login("login_code_sent.json").await;
    let outcome = support::client(&server)
        .send_login_code("Ada@Example.com", &mut Cookies::none())
        .await
        .unwrap();
    assert!(
        matches!(outcome, SendCode::CodeSent { ref identifier, .. } if identifier == "ada@example.com"),
        "{outcome:?}"
    );

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].target.as_str()),
        ("GET", "/self-service/login/api")
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].target.as_str()),
        ("POST", &*format!("/self-service/login?flow={FLOW_ID}"))
    );
    for r in &reqs {
        assert_eq!(r.header("accept"), Some("application/json"));
        assert!(r.header("cookie").is_none() && r.header("origin").is_none());
        assert!(r.header("authorization").is_none());
        assert!(r.header("user-agent").unwrap().starts_with("ory-otc/"));
    }
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
    assert_eq!(
        reqs[1].json(),
        serde_json::json!({"method":"code","identifier":"Ada@Example.com"})
    );
}

// The subscribe case: 4000035 on login, then a registration with traits {email}.
#[tokio::test]
async fn send_code_registers_when_the_account_does_not_exist() {
    let server = serve(move |req| {
        let fix = support::fixture;
        match (req.method.as_str(), req.target.split('?').next().unwrap()) {
            ("GET", "/self-service/login/api") => json(200, fix("login_created.json")),
            ("POST", "/self-service/login") => json(400, fix("login_account_not_found.json")),
            ("GET", "/self-service/registration/api") => {
                json(200, fix("registration_created.json"))
            }
            ("POST", "/self-service/registration") => json(400, fix("registration_code_sent.json")),
            _ => json(404, "{}"),
        }
    })
    .await;
    let traits = serde_json::json!({"email": "ignored@example.com", "newsletter": true});
    let outcome = support::client(&server)
        .send_code(
            "ada@example.com",
            traits.as_object().cloned(),
            &mut Cookies::none(),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            SendCode::CodeSent {
                flow_kind: FlowKind::Registration,
                ..
            }
        ),
        "{outcome:?}"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(
        reqs[3].json(),
        serde_json::json!({"method":"code","traits":{"email":"ada@example.com","newsletter":true}})
    );
}

// docs/kratos-protocol.md §3: without an identifier, the client reads it from the flow's hidden node.
#[tokio::test]
async fn verifying_without_an_identifier_reads_it_from_the_flow() {
    let server = serve(move |req| {
        let fix = support::fixture;
        match (req.method.as_str(), req.target.split('?').next().unwrap()) {
            ("GET", "/self-service/login/flows") => json(200, fix("login_code_sent.json")),
            ("POST", "/self-service/login") => json(200, fix("login_success.json")),
            _ => json(404, "{}"),
        }
    })
    .await;
    let outcome = support::client(&server)
        .verify_code(verify_login("123456", None), &mut Cookies::none())
        .await
        .unwrap();
    assert!(
        matches!(outcome, VerifyCode::SignedIn { .. }),
        "{outcome:?}"
    );
    let reqs = server.requests();
    assert_eq!(
        reqs[0].target,
        format!("/self-service/login/flows?id={FLOW_ID}")
    );
    assert_eq!(
        reqs[1].json(),
        serde_json::json!({"method":"code","identifier":"ada@example.com","code":"123456"})
    );
}

// docs/kratos-protocol.md §12: v26.2.0 answers an expired code with 410; a flow that still loads means the
// code, not the flow, expired.
#[tokio::test]
async fn a_410_is_code_expired_when_the_flow_still_loads() {
    for (flow_get, want_code_expired) in [(200, true), (410, false)] {
        let server = serve(move |req| {
            let fix = support::fixture;
            match (req.method.as_str(), req.target.split('?').next().unwrap()) {
                ("POST", "/self-service/login") => json(410, fix("flow_expired_410.json")),
                ("GET", "/self-service/login/flows") if flow_get == 200 => {
                    json(200, fix("login_code_sent.json"))
                }
                ("GET", "/self-service/login/flows") => {
                    json(410, fix("login_flow_get_expired_410.json"))
                }
                _ => json(404, "{}"),
            }
        })
        .await;
        let outcome = support::client(&server)
            .verify_code(
                verify_login("123456", Some("ada@example.com")),
                &mut Cookies::none(),
            )
            .await
            .unwrap();
        match (outcome, want_code_expired) {
            (VerifyCode::CodeExpired { new_flow_id, .. }, true)
            | (VerifyCode::FlowExpired { new_flow_id, .. }, false) => {
                assert_eq!(
                    new_flow_id.as_deref(),
                    Some("0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d")
                );
            }
            (other, _) => panic!("{other:?}"),
        }
    }
}

// Only the configured origin is ever contacted.
#[tokio::test]
async fn a_foreign_ui_action_is_refused_and_nothing_is_posted() {
    let foreign = serve(|_| json(400, "{}")).await;
    let foreign_url = foreign.url();
    let server = serve(move |req| match req.method.as_str() {
        // The flow's ui.action names the other server.
        "GET" => json(
            200,
            support::fixture("login_created.json")
                .replace(support::PLACEHOLDER_ORIGIN, &foreign_url),
        ),
        _ => json(400, "{}"),
    })
    .await;
    let err = support::client(&server)
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol);
    assert!(err.to_string().contains("another origin"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert!(foreign.requests().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = serve(|_| json(200, "{}")).await;
    let location = format!("{}/somewhere", elsewhere.url());
    let server =
        serve(move |_| Reply::Respond(302, vec![("Location", location.clone())], vec![])).await;
    let err = support::client(&server)
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.status()), (ErrorCode::Protocol, Some(302)));
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_on_time() {
    let server = serve(|_| Reply::Hang).await;
    let client = support::client_with(&server, |b| b.timeout(Duration::from_millis(300)));
    // The server never answers: without the timeout the call would hang. 5 s leaves a loaded
    // machine room and is still half the default timeout (10 s), so the 300 ms is what ended it.
    let (result, took) = support::within(
        Duration::from_secs(5),
        client.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert!(err.is_retryable());
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let server = serve(|_| Reply::Stall(200, 5000, b"{\"id\":".to_vec())).await;
    let client = support::client_with(&server, |b| b.timeout(Duration::from_millis(300)));
    // The body stalls for an hour; bounds as in the test above.
    let (result, took) = support::within(
        Duration::from_secs(5),
        client.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused() {
    let big = format!(
        "{{\"pad\":\"{}\"}}",
        "x".repeat(ory_otc_core::MAX_BODY_BYTES)
    );
    let server = serve(move |_| json(200, big.clone())).await;
    let err = support::client(&server)
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol);
    assert!(err.to_string().contains("1 MiB"), "{err}");
}

// GETs retry twice on 502-504; POSTs never retry.
#[tokio::test]
async fn gets_are_retried_twice_and_posts_never() {
    // 502, 503 and 504 are retryable and a GET tries 3 times; another 5xx is neither.
    for (status, retryable, requests) in [
        (502, true, 3),
        (503, true, 3),
        (504, true, 3),
        (500, false, 1),
        (501, false, 1),
        (505, false, 1),
    ] {
        let server = serve(move |_| Reply::Respond(status, vec![], b"busy".to_vec())).await;
        let err = support::client(&server)
            .send_login_code("a@b.c", &mut Cookies::none())
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.status(), err.is_retryable()),
            (ErrorCode::Server, Some(status), retryable)
        );
        assert_eq!(server.requests().len(), requests, "{status}");
    }

    let server = serve(move |req| match req.method.as_str() {
        "GET" => json(200, support::fixture("login_created.json")),
        _ => Reply::Respond(
            502,
            vec![("Content-Type", "text/html".into())],
            b"<html>502</html>".to_vec(),
        ),
    })
    .await;
    let err = support::client(&server)
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.status()), (ErrorCode::Server, Some(502)));
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = ory_otc_core::Client::new(
        ory_otc_core::Config::builder()
            .base_url(format!("http://127.0.0.1:{port}"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let err = client
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(err.is_retryable());
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_closed_connection_mid_request_is_a_network_error() {
    let server = serve(|_| Reply::Close).await;
    let err = support::client(&server)
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
}

// docs/kratos-protocol.md §10: the session token travels in X-Session-Token, never in a URL or an error.
#[tokio::test]
async fn whoami_sends_the_token_in_a_header_and_never_echoes_it() {
    let token = "ory_st_0123456789abcdefghijABCDEFGHIJ01";
    let server = serve(|req| match req.header("x-session-token") {
        Some("ory_st_0123456789abcdefghijABCDEFGHIJ01") => {
            json(200, support::fixture("whoami_active.json"))
        }
        _ => json(401, support::fixture("whoami_401.json")),
    })
    .await;
    let client = support::client(&server);
    let ok = client
        .whoami(Credentials::Token(&Secret::new(token)))
        .await
        .unwrap();
    assert!(matches!(ok, ory_otc_core::Whoami::Active { .. }));
    assert!(!server.requests()[0].target.contains(token));
    let no = client
        .whoami(Credentials::Token(&Secret::new("ory_st_wrong")))
        .await
        .unwrap();
    assert_eq!(no, ory_otc_core::Whoami::Unauthorized { error_id: None });

    let hang = serve(|_| Reply::Hang).await;
    let err = support::client_with(&hang, |b| b.timeout(Duration::from_millis(100)))
        .whoami(Credentials::Token(&Secret::new(token)))
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(token));
}

#[tokio::test]
async fn logout_posts_the_token_in_the_body() {
    let server = serve(|req| {
        assert_eq!(req.method, "DELETE");
        Reply::Respond(204, vec![], vec![])
    })
    .await;
    let out = support::client(&server)
        .logout(Credentials::Token(&Secret::new("ory_st_abc")))
        .await
        .unwrap();
    assert_eq!(out, ory_otc_core::Logout::LoggedOut);
    assert_eq!(
        server.requests()[0].json(),
        serde_json::json!({"session_token":"ory_st_abc"})
    );
}

// The API key goes to /admin/ paths only.
#[tokio::test]
async fn the_api_key_is_not_sent_to_public_paths() {
    let server = kratos_login("login_code_sent.json").await;
    let client = support::client_with(&server, |b| b.api_key("ory_pat_topsecret"));
    client
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap();
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_none()));
}

#[tokio::test]
async fn bad_arguments_fail_before_any_request() {
    let server = serve(|_| json(500, "{}")).await;
    let client = support::client(&server);
    assert_eq!(
        client
            .send_login_code("", &mut Cookies::none())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgValue
    );
    let bad_flow = VerifyRequest {
        flow_id: "../x".into(),
        ..verify_login("123456", None)
    };
    assert_eq!(
        client
            .verify_code(bad_flow, &mut Cookies::none())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgValue
    );
    assert_eq!(
        client
            .verify_code(verify_login("12ab56", None), &mut Cookies::none())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgValue
    );
    assert_eq!(
        client
            .whoami(Credentials::Token(&Secret::new("")))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgValue
    );
    assert!(server.requests().is_empty());
}
