//! A scripted HTTP/1.1 server on loopback for the client's integration tests: each request is
//! recorded and answered by a closure, which can also hang, stall mid-body or reset.

#![allow(dead_code)]

pub mod raw;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

pub enum Reply {
    /// Status, extra headers, body; `Content-Length` is added.
    Respond(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Never answer.
    Hang,
    /// Send the head with this Content-Length and part of the body, then stall.
    Stall(u16, usize, Vec<u8>),
    /// Close the connection without answering.
    Close,
}

pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Respond(
        status,
        vec![("Content-Type", "application/json; charset=utf-8".into())],
        body.into(),
    )
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

pub async fn serve<F>(handler: F) -> Server
where
    F: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    serve_on("127.0.0.1:0", handler).await
}

pub async fn serve_on<F>(bind: &str, handler: F) -> Server
where
    F: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let seen = requests.clone();
    let origin: Arc<str> = format!("http://{addr}").into();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (handler, seen, origin) = (handler.clone(), seen.clone(), origin.clone());
            tokio::spawn(async move {
                let _ = connection(stream, handler, seen, origin).await;
            });
        }
    });
    Server { addr, requests }
}

async fn connection<F>(
    stream: TcpStream,
    handler: Arc<F>,
    seen: Arc<Mutex<Vec<Request>>>,
    origin: Arc<str>,
) -> std::io::Result<()>
where
    F: Fn(&Request) -> Reply,
{
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            stream.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        stream.read_exact(&mut body).await?;
        let req = Request {
            method,
            target,
            headers,
            body,
        };
        seen.lock().unwrap().push(req.clone());
        match handler(&req) {
            Reply::Respond(status, extra, body) => {
                // Fixtures are written for PUB = http://127.0.0.1:4433; serve them as this origin.
                let body = String::from_utf8(body)
                    .map(|b| b.replace(PLACEHOLDER_ORIGIN, &origin).into_bytes())
                    .unwrap_or_else(|e| e.into_bytes());
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (n, v) in extra {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let s = stream.get_mut();
                s.write_all(head.as_bytes()).await?;
                s.write_all(&body).await?;
            }
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Reply::Stall(status, len, partial) => {
                let head = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n");
                let s = stream.get_mut();
                s.write_all(head.as_bytes()).await?;
                s.write_all(&partial).await?;
                s.flush().await?;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Reply::Close => return Ok(()),
        }
    }
}

/// The public URL the fixtures were written for; the server rewrites it to its own origin.
pub const PLACEHOLDER_ORIGIN: &str = "http://127.0.0.1:4433";

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn client(server: &Server) -> ory_otc_core::Client {
    client_with(server, |b| b)
}

pub fn client_with(
    server: &Server,
    f: impl FnOnce(ory_otc_core::ConfigBuilder) -> ory_otc_core::ConfigBuilder,
) -> ory_otc_core::Client {
    let builder = ory_otc_core::Config::builder().base_url(server.url());
    ory_otc_core::Client::new(f(builder).build().unwrap()).unwrap()
}

/// Awaits `call` and returns its output with the time it took, failing the test once `max` has
/// passed: a call that hangs fails here instead of blocking the run. Callers pick `max` several
/// times what the call needs (a loaded two-core machine must not trip it), and below what a
/// broken client would take (the hang, or a longer timeout than the one under test).
pub async fn within<T>(max: Duration, call: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    match tokio::time::timeout(max, call).await {
        Ok(out) => (out, started.elapsed()),
        Err(_) => panic!("the call had not ended after {max:?}"),
    }
}
