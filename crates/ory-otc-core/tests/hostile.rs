//! Answers a broken or hostile server could give, beyond the fault kinds of `client.rs`: a
//! connection that never opens, a body or header section that never ends, a body that drips,
//! JSON nested past any sane depth, trait names nested as deep as the body limit allows. Each
//! costs one call a bounded error, in bounded time and memory, and never the process.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use ory_otc_core::{
    Client, Config, Cookies, Credentials, ErrorCode, FlowKind, Secret, VerifyCode, VerifyRequest,
};
use serde_json::{json, Value};
use support::raw::{close_on_accept, full_backlog, serve_raw, Raw};
use support::{json as json_reply, serve, within};

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

// connectTimeoutMs bounds each connection attempt. Passing it is a failure to connect
// (ERR_ORY_NETWORK, retryable; GETs try 3 times), not the call's timeout.
#[tokio::test]
async fn a_connection_that_never_opens_is_a_network_error_after_connect_timeout() {
    let dead = full_backlog();
    let c = client(&dead.url(), 10_000, 300);

    // Three attempts of 300 ms, and two jittered pauses of at least 50 + 100 and at most
    // 150 + 300 ms: 1.05 to 1.35 s. The bound leaves a loaded machine room and stays well below
    // the call's 10 s timeout, which is what would end it if connectTimeoutMs did not.
    let (result, took) = within(
        Duration::from_secs(6),
        c.whoami(Credentials::Token(&Secret::new("ory_st_abc"))),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.is_connect() && err.is_retryable() && !err.is_timeout());
    assert!(err.to_string().contains("connecting timed out"), "{err}");
    assert!(took >= Duration::from_millis(1_050), "{took:?}");

    // A DELETE is tried once: 300 ms (attempts are counted in
    // a_connect_failure_is_tried_three_times_by_a_get_and_once_by_a_post_or_delete).
    let (result, took) = within(
        Duration::from_secs(6),
        c.logout(Credentials::Token(&Secret::new("ory_st_abc"))),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.to_string().contains("connecting timed out"), "{err}");
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

// "A GET is tried 3 times", counted: each attempt is a connection the server accepts, and
// its TLS handshake fails when the server closes it at once, a failure to connect. A refused
// connection is the same kind of failure (is_connect) but cannot be counted on the server;
// its two pauses between attempts are timed below instead.
#[tokio::test]
async fn a_connect_failure_is_tried_three_times_by_a_get_and_once_by_a_post_or_delete() {
    let token = Secret::new("ory_st_abc");
    for (method, attempts) in [("GET", 3), ("POST", 1), ("DELETE", 1)] {
        let server = close_on_accept().await;
        let c = client(&format!("https://{}", server.addr), 10_000, 1_000);
        let call = async {
            match method {
                "GET" => c.whoami(Credentials::Token(&token)).await.map(drop),
                // With an identifier, a login verify posts at once (no GET of the flow first).
                "POST" => c
                    .verify_code(
                        VerifyRequest {
                            flow_kind: FlowKind::Login,
                            flow_id: FLOW_ID.into(),
                            code: Secret::new("123456"),
                            identifier: Some("a@b.c".into()),
                            traits: None,
                        },
                        &mut Cookies::none(),
                    )
                    .await
                    .map(drop),
                _ => c.logout(Credentials::Token(&token)).await.map(drop),
            }
        };
        let (result, _) = within(Duration::from_secs(8), call).await;
        let err = result.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{method}: {err}");
        assert!(err.is_connect() && err.is_retryable(), "{method}: {err}");
        // Let a stray extra attempt arrive before counting.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            server.accepted.load(Ordering::Relaxed),
            attempts,
            "{method}"
        );
    }
}

// A refused connection: retried like the above (is_connect), so a GET pauses twice, at least
// 50 + 100 ms (the jittered backoff never goes below half its base).
#[tokio::test]
async fn a_refused_get_pauses_between_its_three_attempts() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), 10_000, 1_000);
    let (result, took) = within(
        Duration::from_secs(8),
        c.whoami(Credentials::Token(&Secret::new("ory_st_abc"))),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.is_connect() && err.is_retryable(), "{err}");
    assert!(took >= Duration::from_millis(150), "{took:?}");
}

// The call's timeout still wins when it is shorter than the connect attempts.
#[tokio::test]
async fn the_call_timeout_bounds_connect_attempts_too() {
    let dead = full_backlog();
    let c = client(&dead.url(), 500, 400);
    // Left to the connect attempts, the call would end at 1.35 to 1.65 s with ERR_ORY_NETWORK;
    // the code tells which ended it. The bound only turns a hang into a failure.
    let (result, took) = within(
        Duration::from_secs(6),
        c.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(took >= Duration::from_millis(500), "{took:?}");
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
// the server manages to write is bounded by 1 MiB plus the sockets' buffers. (The error, not
// the time, tells that the limit ended the call: the 5 s timeout would give ERR_ORY_TIMEOUT.)
#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_one_mebibyte() {
    for raw in [endless_chunked(), endless_until_close()] {
        let server = serve_raw(raw).await;
        let c = client(&server.url(), 5_000, 1_000);
        let (result, _) = within(
            Duration::from_secs(10),
            c.send_login_code("a@b.c", &mut Cookies::none()),
        )
        .await;
        let err = result.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let written = server.written.load(Ordering::Relaxed);
        assert!(written < 32 << 20, "the server wrote {written} bytes");
        assert_eq!(server.accepted.load(Ordering::Relaxed), 1);
    }
}

const JSON_HEAD_UNTIL_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";

/// A JSON document of exactly `len` bytes: `{"pad":"aaa…"}`.
fn json_of_len(len: usize) -> Vec<u8> {
    let mut body = b"{\"pad\":\"".to_vec();
    body.resize(len - 2, b'a');
    body.extend_from_slice(b"\"}");
    body
}

// What "at most 1 MiB is read" means, exactly. The server sends one more byte than
// MAX_BODY_BYTES and then nothing, holding the connection open: the call can only end with
// "larger than 1 MiB" if the client refuses the body on its 1 MiB + 1st byte, without waiting
// for more (waiting, it would end at its 10 s timeout with ERR_ORY_TIMEOUT). Both framings
// without a length: read until close, and chunked.
#[tokio::test]
async fn a_body_is_refused_on_the_byte_that_passes_one_mebibyte() {
    let over = vec![b'a'; ory_otc_core::MAX_BODY_BYTES + 1];
    let mut until_close = JSON_HEAD_UNTIL_CLOSE.to_vec();
    until_close.extend_from_slice(&over);
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", over.len()).as_bytes());
    chunked.extend_from_slice(&over);
    chunked.extend_from_slice(b"\r\n");
    for bytes in [until_close, chunked] {
        let server = serve_raw(Raw::Once {
            bytes,
            close: false,
        })
        .await;
        let c = client(&server.url(), 10_000, 1_000);
        let (result, _) = within(
            Duration::from_secs(20),
            c.send_login_code("a@b.c", &mut Cookies::none()),
        )
        .await;
        let err = result.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }
}

// The other side of the limit: a body of exactly MAX_BODY_BYTES is read whole and parsed (the
// error is then about its shape, not its size). With a length of one byte more, and not a
// byte of body sent, the call is refused on the length alone.
#[tokio::test]
async fn a_body_of_exactly_one_mebibyte_is_read_and_a_longer_length_is_refused_unread() {
    let mut bytes = JSON_HEAD_UNTIL_CLOSE.to_vec();
    bytes.extend_from_slice(&json_of_len(ory_otc_core::MAX_BODY_BYTES));
    let server = serve_raw(Raw::Once { bytes, close: true }).await;
    let c = client(&server.url(), 10_000, 1_000);
    let (result, _) = within(
        Duration::from_secs(20),
        c.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
    assert!(!err.to_string().contains("1 MiB"), "{err}");

    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        ory_otc_core::MAX_BODY_BYTES + 1
    );
    let server = serve_raw(Raw::Once {
        bytes: head.into_bytes(),
        close: false,
    })
    .await;
    let c = client(&server.url(), 10_000, 1_000);
    let (result, _) = within(
        Duration::from_secs(20),
        c.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
    assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
}

// A header section that never ends is refused by the HTTP parser (hyper keeps at most
// ~400 KiB of head): a network error, before the call's 5 s timeout (which would give
// ERR_ORY_TIMEOUT).
#[tokio::test]
async fn headers_that_never_end_are_refused() {
    let server = serve_raw(Raw::Endless {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        chunk: format!("X-Pad: {}\r\n", "b".repeat(1000)).into_bytes(),
    })
    .await;
    let c = client(&server.url(), 5_000, 1_000);
    let (result, _) = within(
        Duration::from_secs(10),
        c.logout(Credentials::Token(&Secret::new("ory_st_abc"))),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
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
    // The 100 000-byte body would take 2 000 s to drip; 5 s is ten times the timeout and
    // still fails a call that waits for the body.
    let (result, took) = within(
        Duration::from_secs(5),
        c.send_login_code("a@b.c", &mut Cookies::none()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
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
