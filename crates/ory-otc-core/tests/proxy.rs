//! The proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`), read when a client
//! is made: an `http` origin through a forward proxy (requests in absolute form), an `https`
//! origin through a `CONNECT` tunnel, and `NO_PROXY` hosts directly. Its own test binary: the
//! environment is the process's, so one test sets it step by step.

mod support;

use std::time::Duration;

use ory_otc_core::{Client, Config, Credentials, ErrorCode, Secret, Whoami};
use support::{json, serve, Reply};

const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn client(url: &str) -> Client {
    Client::new(
        Config::builder()
            .base_url(url)
            .allow_http(true)
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn set_env(pairs: &[(&str, &str)]) {
    for var in PROXY_VARS {
        std::env::remove_var(var);
    }
    for (k, v) in pairs {
        std::env::set_var(k, v);
    }
}

#[tokio::test]
async fn the_environment_s_proxy_is_used() {
    let token = Secret::new("ory_st_abc");
    let unauthorized = || {
        json(
            401,
            r#"{"error":{"code":401,"status":"Unauthorized","message":"x"}}"#,
        )
    };
    let kratos = serve(move |_| unauthorized()).await;
    let proxy = serve(move |req| match req.method.as_str() {
        // Not a tunnel this test can finish: the client's TLS handshake then fails.
        "CONNECT" => Reply::Close,
        _ => unauthorized(),
    })
    .await;
    // Kratos at a name only the proxy could resolve, on an http origin that is not loopback.
    let origin = "http://kratos.invalid:4433";

    // An http origin: the request goes to the proxy, in absolute form, with the proxy's
    // credentials; Kratos's own server sees nothing.
    set_env(&[("HTTP_PROXY", &format!("http://user:pa%3Ass@{}", proxy.addr))]);
    let outcome = client(origin)
        .whoami(Credentials::Token(&token))
        .await
        .unwrap();
    assert!(
        matches!(outcome, Whoami::Unauthorized { .. }),
        "{outcome:?}"
    );
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "http://kratos.invalid:4433/sessions/whoami");
    // user:pa:ss
    assert_eq!(
        seen[0].header("proxy-authorization"),
        Some("Basic dXNlcjpwYTpzcw==")
    );
    assert_eq!(seen[0].header("x-session-token"), Some("ory_st_abc"));

    // An https origin: a CONNECT to the origin's host and port, with the proxy's credentials;
    // the session token never reaches the proxy.
    set_env(&[("HTTPS_PROXY", &format!("http://user:pw@{}", proxy.addr))]);
    let err = client("https://kratos.invalid")
        .whoami(Credentials::Token(&token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.is_connect(), "{err}");
    let connects: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.method == "CONNECT")
        .collect();
    // A GET is tried three times on a failure to connect.
    assert_eq!(connects.len(), 3, "{connects:?}");
    assert_eq!(connects[0].target, "kratos.invalid:443");
    assert_eq!(
        connects[0].header("proxy-authorization"),
        Some("Basic dXNlcjpwdw==")
    );
    assert!(connects
        .iter()
        .all(|r| r.header("x-session-token").is_none()));

    // NO_PROXY: straight to Kratos.
    let before = proxy.requests().len();
    set_env(&[
        ("HTTP_PROXY", &format!("http://{}", proxy.addr)),
        ("NO_PROXY", "127.0.0.1"),
    ]);
    let outcome = client(&kratos.url())
        .whoami(Credentials::Token(&token))
        .await
        .unwrap();
    assert!(
        matches!(outcome, Whoami::Unauthorized { .. }),
        "{outcome:?}"
    );
    assert_eq!(kratos.requests().len(), 1);
    assert_eq!(kratos.requests()[0].target, "/sessions/whoami");
    assert_eq!(proxy.requests().len(), before);

    // No proxy at all: straight to Kratos.
    set_env(&[]);
    client(&kratos.url())
        .whoami(Credentials::Token(&token))
        .await
        .unwrap();
    assert_eq!(kratos.requests().len(), 2);
    assert_eq!(proxy.requests().len(), before);
}
