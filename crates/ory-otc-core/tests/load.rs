//! A burst of calls on one client: every call resolves, and the client never holds more than
//! `MAX_IN_FLIGHT` connections to the server at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ory_otc_core::{Client, Config, Credentials, Secret, Whoami, MAX_IN_FLIGHT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const UNAUTHORIZED: &str = r#"{"error":{"code":401,"status":"Unauthorized","reason":"No valid session credentials found in the request.","message":"The request could not be authorized"}}"#;

/// A keep-alive server that answers every request 401 after `delay`, and records the most
/// connections it had open at once.
async fn counting_server(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let open = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let peak_out = peak.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let now = open.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let open = open.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                    // Requests are GETs without a body: one per blank line.
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        tokio::time::sleep(delay).await;
                        let head = format!(
                            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            UNAUTHORIZED.len()
                        );
                        let reply = [head.as_bytes(), UNAUTHORIZED.as_bytes()].concat();
                        if stream.write_all(&reply).await.is_err() {
                            break;
                        }
                    }
                }
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (url, peak_out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_calls_all_resolve_over_a_bounded_number_of_connections() {
    let (url, peak) = counting_server(Duration::from_millis(20)).await;
    let client = Client::new(
        Config::builder()
            .base_url(url)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
    )
    .unwrap();
    let calls = (0..2_000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .whoami(Credentials::Token(&Secret::new("ory_st_abc")))
                .await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        let outcome = call.await.unwrap().unwrap();
        assert_eq!(outcome, Whoami::Unauthorized { error_id: None });
    }
    let peak = peak.load(Ordering::SeqCst);
    // In flight, plus idle ones a finished request has not handed back to the pool yet.
    assert!(peak <= 2 * MAX_IN_FLIGHT, "{peak} connections at once");
    assert!(peak > 1, "the calls did not overlap");
}
