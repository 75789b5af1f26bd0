//! Answers a broken or hostile server could give, beyond the fault kinds of `client.rs`: a
//! connection that never opens, a body or header section that never ends, a body that drips,
//! JSON nested past any sane depth, trait names nested as deep as the body limit allows. Each
//! costs one call a bounded error, in bounded time and memory, and never the process.

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ory_otc_core::{
    Client, Config, Cookies, Credentials, ErrorCode, FlowKind, Secret, VerifyCode, VerifyRequest,
};
use serde_json::{json, Value};
use support::raw::{full_backlog, serve_raw, Raw};
use support::{json as json_reply, serve};

const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";

fn client(url: &str, timeout_ms: u64, connect_ms: u64) -> Client {
    Client::new(
        Config::builder()
            .base_url(url)
            .timeout(Duration::from_millis(timeout_ms))
            .connect_timeout(Duration::from_millis(connect_ms))
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn assert_within(started: Instant, max_ms: u64) {
    let took = started.elapsed();
    assert!(took < Duration::from_millis(max_ms), "took {took:?}");
}

// connectTimeoutMs bounds each connection attempt. Passing it is a failure to connect
// (ERR_ORY_NETWORK, retryable; GETs try 3 times), not the call's timeout.
#[tokio::test]
async fn a_connection_that_never_opens_is_a_network_error_after_connect_timeout() {
    let dead = full_backlog();
    let c = client(&dead.url(), 10_000, 300);

    let started = Instant::now();
    let err = c
        .whoami(Credentials::Token(&Secret::new("ory_st_abc")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.is_connect() && err.is_retryable() && !err.is_timeout());
    assert!(err.to_string().contains("connecting timed out"), "{err}");
    // Three attempts of 300 ms, and two jittered pauses of at most 150 + 300 ms.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_within(started, 2_500);

    // A DELETE is not retried.
    let started = Instant::now();
    let err = c
        .logout(Credentials::Token(&Secret::new("ory_st_abc")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert_within(started, 1_000);
}

// The call's timeout still wins when it is shorter than the connect attempts.
#[tokio::test]
async fn the_call_timeout_bounds_connect_attempts_too() {
    let dead = full_backlog();
    let c = client(&dead.url(), 500, 400);
    let started = Instant::now();
    let err = c
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert_within(started, 1_000);
}

fn endless_chunked() -> Raw {
    let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000)).into_bytes();
    Raw::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[\"a\"\r\n"
            .to_vec(),
        chunk,
    }
}

fn endless_until_close() -> Raw {
    Raw::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[\""
            .to_vec(),
        chunk: vec![b'a'; 0x4000],
    }
}

// A body with no length that never ends is cut at 1 MiB: the client stops reading, so what
// the server manages to write is bounded by 1 MiB plus the sockets' buffers.
#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_one_mebibyte() {
    for raw in [endless_chunked(), endless_until_close()] {
        let server = serve_raw(raw).await;
        let c = client(&server.url(), 5_000, 1_000);
        let started = Instant::now();
        let err = c
            .send_login_code("a@b.c", &mut Cookies::none())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
        assert!(err.to_string().contains("1 MiB"), "{err}");
        assert_within(started, 3_000);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let written = server.written.load(Ordering::Relaxed);
        assert!(written < 32 << 20, "the server wrote {written} bytes");
        assert_eq!(server.accepted.load(Ordering::Relaxed), 1);
    }
}

// A header section that never ends is refused by the HTTP parser (hyper keeps at most
// ~400 KiB of head): a network error, fast.
#[tokio::test]
async fn headers_that_never_end_are_refused() {
    let server = serve_raw(Raw::Endless {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        chunk: format!("X-Pad: {}\r\n", "b".repeat(1000)).into_bytes(),
    })
    .await;
    let c = client(&server.url(), 5_000, 1_000);
    let started = Instant::now();
    let err = c
        .logout(Credentials::Token(&Secret::new("ory_st_abc")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert_within(started, 3_000);
    let written = server.written.load(Ordering::Relaxed);
    assert!(written < 32 << 20, "the server wrote {written} bytes");
}

// A body that drips one byte at a time never trips a read-idle timer; the call's own
// timeout still ends it.
#[tokio::test]
async fn a_dripping_body_is_ended_by_the_call_timeout() {
    let server = serve_raw(Raw::Drip {
        head:
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                .to_vec(),
        body: b"{\"id\":\"".to_vec(),
        every: Duration::from_millis(20),
    })
    .await;
    let c = client(&server.url(), 400, 400);
    let started = Instant::now();
    let err = c
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_within(started, 1_000);
}

// serde_json stops at 128 levels; a 100 000-level array is a protocol error, not a crash.
#[tokio::test]
async fn json_nested_without_end_is_a_protocol_error() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let server = serve(move |_| json_reply(200, deep.clone())).await;
    let c = support::client(&server);
    let err = c
        .send_login_code("a@b.c", &mut Cookies::none())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
    let deep_in_flow = format!(
        "{{\"id\":\"x\",\"state\":\"sent_email\",\"ui\":{}{}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let server = serve(move |_| json_reply(400, deep_in_flow.clone())).await;
    let err = support::client(&server)
        .whoami(Credentials::Token(&Secret::new("ory_st_abc")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
}

// A registration flow whose trait node name nests 300 000 levels (an 600 KB name, under the
// 1 MiB limit). Rebuilding the traits from it used to recurse once per level and overflow the
// stack, killing the process; such names are now skipped.
#[tokio::test]
async fn a_trait_name_nested_without_end_costs_one_call_not_the_process() {
    let mut flow: Value =
        serde_json::from_str(&support::fixture("registration_code_sent.json")).expect("fixture");
    flow["ui"]["nodes"].as_array_mut().unwrap().push(json!({
        "type": "input", "group": "default", "messages": [], "meta": {},
        "attributes": {
            "name": format!("traits.{}b", "a.".repeat(300_000)),
            "type": "hidden", "value": "x", "disabled": false, "node_type": "input"
        }
    }));
    let body = flow.to_string();
    assert!(body.len() < ory_otc_core::MAX_BODY_BYTES);
    let server = serve(move |req| match req.method.as_str() {
        "GET" => json_reply(200, body.clone()),
        _ => json_reply(400, support::fixture("registration_wrong_code.json")),
    })
    .await;
    let out = support::client(&server)
        .verify_code(
            VerifyRequest {
                flow_kind: FlowKind::Registration,
                flow_id: FLOW_ID.into(),
                code: Secret::new("123456"),
                identifier: None,
                traits: None,
            },
            &mut Cookies::none(),
        )
        .await
        .unwrap();
    assert!(matches!(out, VerifyCode::InvalidCode { .. }), "{out:?}");
    // What was posted back: the real traits, without the hostile one.
    let posted = server.requests()[1].json();
    assert_eq!(posted["traits"], json!({"email": "ada@example.com"}));
}
