//! Run with `cargo run --release -p ory-otc-emulator --example loadgen -- http://127.0.0.1:4433 10 64`.
//!
//! A small native load generator for the sign-in mix against a running emulator: create an API
//! login flow, send the code, submit the code. Each connection signs in its own identity over
//! keep-alive HTTP/1.1, reading the code from the control route `/admin/emulator/codes` (counted
//! separately, it is not part of the mix). Prints sign-ins per second and mix requests per
//! second. Arguments: base URL, seconds (default 10), connections (default 64).

// A benchmark prints its figures.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Conn {
    /// Sends one request and returns (status, body).
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n",
            self.host
        );
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        if let Some(b) = body {
            req.push_str(b);
        }
        self.stream.write_all(req.as_bytes()).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> std::io::Result<(u16, String)> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let status: u16 = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                let total = end + 4 + len;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                let body = String::from_utf8_lossy(&self.buf[end + 4..total]).to_string();
                self.buf.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The string value of `"key":"…"` in a JSON text.
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let start = json.find(&pat)? + pat.len();
    let end = json[start..].find('"')? + start;
    Some(&json[start..end])
}

async fn sign_ins(
    addr: String,
    host: String,
    email: String,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let stream = TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let mut c = Conn {
        stream,
        host,
        buf: Vec::with_capacity(32 * 1024),
    };
    let (status, _) = c
        .call(
            "POST",
            "/admin/identities",
            Some(&format!("{{\"traits\":{{\"email\":\"{email}\"}}}}")),
        )
        .await?;
    assert!(
        status == 201 || status == 409,
        "identity creation failed: {status}"
    );
    while !stop.load(Ordering::Relaxed) {
        let (status, flow) = c.call("GET", "/self-service/login/api", None).await?;
        assert_eq!(status, 200);
        let id = field(&flow, "id").expect("flow id").to_owned();
        let path = format!("/self-service/login?flow={id}");
        let (status, _) = c
            .call(
                "POST",
                &path,
                Some(&format!(
                    "{{\"method\":\"code\",\"identifier\":\"{email}\"}}"
                )),
            )
            .await?;
        assert_eq!(status, 400, "code sent");
        let (_, code) = c
            .call("GET", &format!("/admin/emulator/codes?email={email}"), None)
            .await?;
        let code = field(&code, "code").expect("code").to_owned();
        let body =
            format!("{{\"method\":\"code\",\"identifier\":\"{email}\",\"code\":\"{code}\"}}");
        let (status, _) = c.call("POST", &path, Some(&body)).await?;
        assert_eq!(status, 200, "signed in");
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:4433".into());
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let conns: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(64);
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for i in 0..conns {
            let email = format!("bench-{i}@example.com");
            tasks.push(tokio::spawn(sign_ins(
                host.clone(),
                host.clone(),
                email,
                stop.clone(),
                done.clone(),
            )));
        }
        // Warm up one second, then measure.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let start_count = done.load(Ordering::Relaxed);
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let n = done.load(Ordering::Relaxed) - start_count;
        let elapsed = start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            if let Ok(Err(e)) = t.await {
                eprintln!("connection error: {e}");
            }
        }
        let per_sec = n as f64 / elapsed;
        println!("connections: {conns}, measured: {elapsed:.1} s, sign-ins: {n}");
        println!("sign-ins/s: {per_sec:.0}");
        println!(
            "mix requests/s (create flow + send code + submit code): {:.0}",
            per_sec * 3.0
        );
        println!("all requests/s (mix + code lookup): {:.0}", per_sec * 4.0);
    });
}
