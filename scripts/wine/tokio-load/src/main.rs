//! The wine hang of README's Platforms section, without ory-otc or Node: N loopback TCP
//! connections in flight at once, the client on one tokio runtime and the server on another (as
//! the addon's runtime and the emulator's share a node.exe), the server answering each request
//! after LATENCY_MS. Then one more connection is tried.
//!
//!   wine-tokio-load [N=1000] [LATENCY_MS=2000] [OUTPUT=wine-tokio-load.txt]
//!
//! Writes to OUTPUT (a file, as the Node scripts here do under wine). On Linux (and, by
//! tokio's own CI, on Windows) every connection gets its answer in about LATENCY_MS. Under wine
//! 8.0 with N=1000 most of them reach their 30 s timeout instead and the one after gets no
//! answer either, while wineserver spins on the sockets (README, Platforms); N=200 passes.

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Builder, Runtime};

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// One request and its answer; what became of it.
async fn one(addr: SocketAddr) -> &'static str {
    let exchange = async move {
        let mut c = TcpStream::connect(addr).await?;
        c.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await?;
        let mut buf = [0u8; 256];
        c.read(&mut buf).await
    };
    match tokio::time::timeout(Duration::from_secs(30), exchange).await {
        Ok(Ok(n)) if n > 0 => "answered",
        Ok(_) => "error",
        Err(_) => "timed out",
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let latency = Duration::from_millis(args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2000));
    let out = args.get(3).cloned().unwrap_or_else(|| "wine-tokio-load.txt".into());
    let t0 = Instant::now();
    let log = |line: String| {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&out).expect("the output file");
        writeln!(f, "{:.1} s {line}", t0.elapsed().as_secs_f64()).expect("a write");
    };

    let server = runtime();
    let client = runtime();
    let listener = server.block_on(TcpListener::bind("127.0.0.1:0")).expect("a port");
    let addr = listener.local_addr().expect("its address");
    server.spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { continue };
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                tokio::time::sleep(latency).await;
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await;
                let _ = s.read(&mut buf).await; // until the client closes it
            });
        }
    });

    log(format!("{n} connections at once, the server answers after {latency:?}"));
    let outcomes = client.block_on(async move {
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(one(addr))).collect();
        let all = async {
            let mut v = Vec::new();
            for t in tasks {
                v.push(t.await.unwrap_or("panicked"));
            }
            v
        };
        tokio::time::timeout(Duration::from_secs(60), all).await
    });
    let ok = match outcomes {
        Ok(v) => {
            let count = |what| v.iter().filter(|o| **o == what).count();
            log(format!("answered {}, error {}, timed out {}", count("answered"), count("error"), count("timed out")));
            count("answered") == n
        }
        Err(_) => {
            log("not all of them ended within 60 s".into());
            false
        }
    };
    let after = client.block_on(async move { tokio::time::timeout(Duration::from_secs(10), one(addr)).await });
    let after = after.unwrap_or("no answer in 10 s");
    log(format!("one more connection: {after}"));
    let ok = ok && after == "answered";
    log(if ok { "OK".into() } else { "FAILED".into() });
    // Not a clean shutdown: under wine the runtimes' threads may not stop.
    std::process::exit(if ok { 0 } else { 1 });
}
