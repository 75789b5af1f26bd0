//! Run with `cargo run --release -- <base-url> <concurrency> <seconds> <identities>`.
//!
//! The ceiling: the emulator's capacity for the benchmark's sign-in mix, driven by a native
//! client that costs little CPU. It runs exactly what `bench/lib/cell.js` runs for each JS
//! implementation: batches of sign-ins, each batch a timed send phase (GET
//! /self-service/login/api, POST the address: 400 "code sent"), an untimed read of the codes
//! from the courier API, and a timed verify phase (POST the code: 200 with a session token),
//! on `concurrency` keep-alive HTTP/1.1 connections, one task each, on one thread.
//! Prints one JSON line: `{"signIns":…,"seconds":…,"signInsPerSec":…,"p50Ms":…,"p99Ms":…}`.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
    out: Vec<u8>,
}

fn other(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

impl Conn {
    async fn open(host: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            host: host.to_owned(),
            buf: Vec::with_capacity(8192),
            out: Vec::with_capacity(1024),
        })
    }

    /// Sends a request and reads the whole response: (status, body parsed as JSON).
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> io::Result<(u16, Value)> {
        use std::io::Write;
        self.out.clear();
        write!(
            self.out,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n",
            self.host
        )?;
        if let Some(b) = body {
            write!(
                self.out,
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            )?;
        } else {
            self.out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&self.out).await?;
        let (status, start, len) = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head =
                    std::str::from_utf8(&self.buf[..end]).map_err(|_| other("non-UTF-8 head"))?;
                let status = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| other("bad status line"))?;
                let len = head
                    .split("\r\n")
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .ok_or_else(|| other("no content-length"))?;
                break (status, end + 4, len);
            }
            self.fill().await?;
        };
        while self.buf.len() < start + len {
            self.fill().await?;
        }
        let json = serde_json::from_slice(&self.buf[start..start + len])
            .map_err(|e| other(e.to_string()))?;
        self.buf.drain(..start + len);
        Ok((status, json))
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16384];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(other("connection closed"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn email(i: usize) -> String {
    format!("user-{i}@bench.example")
}

/// The path and query of `url`, which must be on `origin`.
fn local_path<'a>(url: &'a str, origin: &str) -> io::Result<&'a str> {
    url.strip_prefix(origin)
        .ok_or_else(|| other(format!("ui.action {url} is not on {origin}")))
}

/// Create a flow and send the code: the flow id.
async fn send(conn: &mut Conn, origin: &str, email: &str) -> io::Result<String> {
    let (status, flow) = conn.call("GET", "/self-service/login/api", None).await?;
    let action = flow["ui"]["action"]
        .as_str()
        .filter(|_| status == 200)
        .ok_or_else(|| other(format!("create flow: HTTP {status}")))?;
    let body = format!(r#"{{"method":"code","identifier":"{email}"}}"#);
    let (status, sent) = conn
        .call("POST", local_path(action, origin)?, Some(&body))
        .await?;
    let code_sent = status == 400
        && sent["state"] == "sent_email"
        && sent["ui"]["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["id"] == 1010014));
    if !code_sent {
        return Err(other(format!("send code: HTTP {status}")));
    }
    sent["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| other("no flow id"))
}

/// Submit the code: the session token.
async fn verify(conn: &mut Conn, flow_id: &str, code: &str, email: &str) -> io::Result<String> {
    let body = format!(r#"{{"method":"code","code":"{code}","identifier":"{email}"}}"#);
    let (status, login) = conn
        .call(
            "POST",
            &format!("/self-service/login?flow={flow_id}"),
            Some(&body),
        )
        .await?;
    login["session_token"]
        .as_str()
        .filter(|_| status == 200 && login["session"]["active"] == true)
        .map(str::to_owned)
        .ok_or_else(|| other(format!("verify code: HTTP {status}")))
}

/// The newest code of each of `emails`, from the courier API, newest first.
async fn read_codes(conn: &mut Conn, emails: &[String]) -> io::Result<HashMap<String, String>> {
    let mut codes = HashMap::with_capacity(emails.len());
    let wanted: std::collections::HashSet<&str> = emails.iter().map(String::as_str).collect();
    let mut token = String::new();
    while codes.len() < wanted.len() {
        let (_, page) = conn
            .call(
                "GET",
                &format!("/admin/courier/messages?page_size=500&page_token={token}"),
                None,
            )
            .await?;
        let page = page
            .as_array()
            .ok_or_else(|| other("courier: not a list"))?;
        for m in page {
            let (Some(to), Some(body)) = (m["recipient"].as_str(), m["body"].as_str()) else {
                continue;
            };
            if !wanted.contains(to) || codes.contains_key(to) {
                continue;
            }
            if let Some(code) = body
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
            {
                codes.insert(to.to_owned(), code.to_owned());
            }
        }
        match page.last().and_then(|m| m["id"].as_str()) {
            Some(id) if page.len() == 500 => token = id.to_owned(),
            _ => break,
        }
    }
    if codes.len() < wanted.len() {
        return Err(other(format!(
            "{} codes missing",
            wanted.len() - codes.len()
        )));
    }
    Ok(codes)
}

struct Batch {
    n: usize,
    wall: Duration,
    latency: Vec<Duration>,
}

/// Runs `op(conn, i)` for i in [0, n) on all connections; returns the connections and the
/// per-item results and durations.
async fn phase<T, F, Fut>(
    conns: Vec<Conn>,
    n: usize,
    op: F,
) -> io::Result<(Vec<Conn>, Vec<(usize, T, Duration)>)>
where
    T: Send + 'static,
    F: Fn(Conn, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = (Conn, io::Result<T>)> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let next = next.clone();
            let op = op.clone();
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok::<_, io::Error>((conn, done));
                    }
                    let t = Instant::now();
                    let (c, r) = op(conn, i).await;
                    conn = c;
                    done.push((i, r?, t.elapsed()));
                }
            })
        })
        .collect();
    let mut conns = Vec::new();
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        let (conn, done) = t.await.map_err(|e| other(e.to_string()))??;
        conns.push(conn);
        all.extend(done);
    }
    Ok((conns, all))
}

async fn batch(conns: Vec<Conn>, origin: Arc<str>, n: usize) -> io::Result<(Vec<Conn>, Batch)> {
    let emails: Vec<String> = (0..n).map(email).collect();
    let t0 = Instant::now();
    let o = origin.clone();
    let (mut conns, sent) = phase(conns, n, move |mut conn, i| {
        let o = o.clone();
        async move {
            let r = send(&mut conn, &o, &email(i)).await;
            (conn, r)
        }
    })
    .await?;
    let send_wall = t0.elapsed();
    let codes = Arc::new(read_codes(&mut conns[0], &emails).await?);
    let mut flows = vec![String::new(); n];
    let mut latency = vec![Duration::ZERO; n];
    for (i, flow, d) in sent {
        flows[i] = flow;
        latency[i] = d;
    }
    let flows = Arc::new(flows);
    let t1 = Instant::now();
    let (conns, verified) = phase(conns, n, move |mut conn, i| {
        let (flows, codes) = (flows.clone(), codes.clone());
        async move {
            let e = email(i);
            let r = verify(&mut conn, &flows[i], &codes[&e], &e).await;
            (conn, r)
        }
    })
    .await?;
    let wall = send_wall + t1.elapsed();
    for (i, _, d) in verified {
        latency[i] += d;
    }
    Ok((conns, Batch { n, wall, latency }))
}

fn arg(args: &[String], i: usize, name: &str) -> Result<usize, String> {
    args.get(i)
        .ok_or(format!("missing {name}"))?
        .parse()
        .map_err(|_| format!("bad {name}"))
}

async fn run(args: Vec<String>) -> Result<String, Box<dyn std::error::Error>> {
    let usage = "usage: ory-otc-bench-ceiling <base-url> <concurrency> <seconds> <identities>";
    let origin: Arc<str> = args.get(1).ok_or(usage)?.trim_end_matches('/').into();
    let c = arg(&args, 2, "concurrency")?;
    let seconds: f64 = args
        .get(3)
        .ok_or("missing seconds")?
        .parse()
        .map_err(|_| "bad seconds")?;
    let identities = arg(&args, 4, "identities")?;
    let host = origin
        .strip_prefix("http://")
        .ok_or("plain http:// only")?
        .to_owned();
    let mut conns = Vec::new();
    for _ in 0..c {
        conns.push(Conn::open(&host).await?);
    }
    let min_batch = (4 * c).clamp(64, identities);
    // Warm-up, then batches sized to last about `seconds` in all.
    let warm_start = Instant::now();
    let mut warm = 0;
    while warm < (8 * c).max(500) || warm_start.elapsed() < Duration::from_millis(500) {
        let (cs, b) = batch(conns, origin.clone(), min_batch).await?;
        conns = cs;
        warm += b.n;
    }
    let mut rate = warm as f64 / warm_start.elapsed().as_secs_f64();
    let (mut done, mut wall, mut latency) = (0usize, Duration::ZERO, Vec::new());
    while wall.as_secs_f64() < seconds {
        let left = seconds - wall.as_secs_f64();
        let n = ((rate * left) as usize).clamp(min_batch, identities);
        let (cs, b) = batch(conns, origin.clone(), n).await?;
        conns = cs;
        done += b.n;
        wall += b.wall;
        latency.extend(b.latency);
        rate = done as f64 / wall.as_secs_f64();
    }
    latency.sort();
    let pct = |p: f64| {
        latency[((p / 100.0 * latency.len() as f64).ceil() as usize).clamp(1, latency.len()) - 1]
            .as_secs_f64()
            * 1000.0
    };
    Ok(format!(
        r#"{{"signIns":{done},"warmupSignIns":{warm},"seconds":{:.3},"signInsPerSec":{:.1},"p50Ms":{:.3},"p99Ms":{:.3}}}"#,
        wall.as_secs_f64(),
        done as f64 / wall.as_secs_f64(),
        pct(50.0),
        pct(99.0)
    ))
}

// A benchmark prints its figures: one JSON line, or the error.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(run(args)) {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ory-otc-bench-ceiling: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
