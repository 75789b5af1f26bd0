//! Fault injection and lifecycle: every fault kind, scoping, counting, close() (issue 3 faults).

mod support;

use std::time::{Duration, Instant};

use ory_otc_emulator::{Fault, FaultKind, RouteMatch};
use support::*;

#[tokio::test]
async fn latency_delays_then_answers_normally() {
    let h = start(config(KratosVersion::Latest)).await;
    h.emu.set_fault(Fault::on(
        "/self-service/login",
        FaultKind::Latency(Duration::from_millis(300)),
    ));
    let t = Instant::now();
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn synthetic_answers_have_the_promised_shapes() {
    let h = start(config(KratosVersion::Latest)).await;
    let id = h.emu.set_fault(Fault::global(FaultKind::BadGateway));
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("502 Bad Gateway"));
    assert!(h.emu.remove_fault(id));

    h.emu
        .set_fault(Fault::global(FaultKind::ServerError).times(1));
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["error"]["code"], 500);
    assert_eq!(
        h.get("/self-service/login/api").await.status,
        200,
        "times(1) is used up"
    );

    h.emu.set_fault(Fault::global(FaultKind::NonJson).times(1));
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());

    h.emu
        .set_fault(Fault::global(FaultKind::OversizedBody).times(1));
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 200);
    assert!(r.text.len() > 1024 * 1024);

    h.emu.set_fault(
        Fault::global(FaultKind::RateLimited {
            retry_after: Duration::from_secs(7),
        })
        .times(1),
    );
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("x-ratelimit-reset"), Some("7"));
    assert!(r.header("x-ratelimit-limit").is_some());

    h.emu.set_fault(
        Fault::global(FaultKind::Redirect {
            status: 307,
            location: "https://elsewhere.example/x".into(),
        })
        .times(1),
    );
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("https://elsewhere.example/x"));
}

#[tokio::test]
async fn mangled_answers_keep_the_request_processed() {
    let h = start_with_user(KratosVersion::Latest, "a@example.com").await;
    h.emu
        .set_fault(Fault::on("/self-service/login/api", FaultKind::TruncatedJson).times(1));
    let r = h.get("/self-service/login/api").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    assert!(r.text.starts_with("{\"id\":"));

    h.emu.set_fault(
        Fault::on(
            "/self-service/login/api",
            FaultKind::ForeignAction {
                origin: "https://evil.example".into(),
            },
        )
        .times(1),
    );
    let flow = h.get("/self-service/login/api").await.json();
    let action = flow["ui"]["action"].as_str().unwrap();
    assert!(
        action.starts_with("https://evil.example/self-service/login?flow="),
        "{action}"
    );

    let flow = h.api_login_flow().await;
    let id = flow["id"].as_str().unwrap();
    h.emu.set_fault(Fault {
        route: Some(RouteMatch::prefix("/self-service/login").with_method("POST")),
        kind: FaultKind::ResetMidBody,
        times: Some(1),
    });
    let res = h
        .http
        .post(h.url(&format!("/self-service/login?flow={id}")))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(json!({"method":"code","identifier":"a@example.com"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "headers arrive");
    assert!(res.text().await.is_err(), "the body breaks off");
    assert!(
        h.emu.code_for("a@example.com").is_some(),
        "the code was sent before the reset"
    );
}

#[tokio::test]
async fn admin_routes_keep_working_under_a_global_fault() {
    let h = start(config(KratosVersion::Latest)).await;
    h.emu.set_fault(Fault::global(FaultKind::Hang));
    let r = h.get("/admin/courier/messages").await;
    assert_eq!(r.status, 200);
    h.emu.set_fault(Fault::on("/admin", FaultKind::BadGateway));
    assert_eq!(
        h.get("/admin/identities").await.status,
        502,
        "unless a fault names them"
    );
}

#[tokio::test]
async fn hang_and_stall_never_answer_and_close_ends_them() {
    let h = start(config(KratosVersion::Latest)).await;
    h.emu
        .set_fault(Fault::on("/self-service/login/api", FaultKind::Hang));
    h.emu.set_fault(Fault::on(
        "/self-service/registration/api",
        FaultKind::StallBody,
    ));
    let hang = tokio::time::timeout(
        Duration::from_millis(500),
        h.http.get(h.url("/self-service/login/api")).send(),
    )
    .await;
    assert!(hang.is_err(), "no response within 500 ms");
    let stalled = h
        .http
        .get(h.url("/self-service/registration/api"))
        .send()
        .await
        .unwrap();
    assert_eq!(stalled.status(), 200, "headers are sent");
    let body = tokio::time::timeout(Duration::from_millis(500), stalled.text()).await;
    assert!(body.is_err(), "the body never comes");

    let pending = tokio::spawn({
        let http = h.http.clone();
        let url = h.url("/self-service/login/api");
        async move { http.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    h.emu.close().await;
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "close() does not wait for hangs"
    );
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(
        outcome.is_err(),
        "the hung request fails once the emulator closes"
    );
}

#[tokio::test]
async fn request_count_counts_every_request() {
    let h = start(config(KratosVersion::Latest)).await;
    assert_eq!(h.emu.request_count(), 0);
    h.emu
        .set_fault(Fault::global(FaultKind::BadGateway).times(1));
    h.get("/self-service/login/api").await;
    h.get("/self-service/login/api").await;
    h.get("/admin/identities").await;
    assert_eq!(h.emu.request_count(), 3);
}

#[tokio::test]
async fn close_frees_the_port_and_the_url_has_no_trailing_slash() {
    let h = start(config(KratosVersion::Latest)).await;
    let url = h.emu.url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    let addr = h.emu.local_addr();
    h.emu.close().await;
    h.emu.close().await;
    let again = tokio::net::TcpListener::bind(addr).await;
    assert!(again.is_ok(), "the port is free after close()");
}

#[tokio::test]
async fn control_routes_drive_the_standalone_binary() {
    let h = start_with_user(KratosVersion::Latest, "c@example.com").await;
    h.login_code_sent("c@example.com").await;
    let r = h.get("/admin/emulator/codes?email=C@example.com").await;
    assert_eq!(r.json()["code"], h.code("c@example.com"));
    let r = h
        .send(
            h.http
                .post(h.url("/admin/emulator/faults"))
                .json(&json!({"kind":"bad_gateway","route":"/self-service/login","times":1})),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(h.get("/self-service/login/api").await.status, 502);
    let flow = h.api_login_flow().await;
    let r = h
        .send(
            h.http
                .post(h.url("/admin/emulator/time"))
                .json(&json!({"ms": 7_200_000})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        h.get(&format!(
            "/self-service/login/flows?id={}",
            flow["id"].as_str().unwrap()
        ))
        .await
        .status,
        410
    );
}
