//! Answers no HTTP library would send, written byte by byte on loopback: a body or a header
//! section that never ends, a body of an exact size followed by silence, and a listener whose
//! accept queue is full, so connecting hangs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// What the raw server writes after reading a request head.
#[derive(Clone)]
pub enum Raw {
    /// `head`, then `chunk` again and again until the client goes away.
    Endless { head: Vec<u8>, chunk: Vec<u8> },
    /// `head`, then one byte of `body` every `every`, until the client goes away.
    Drip {
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
    },
    /// `bytes` once, then nothing: the connection is closed if `close`, else held open (and
    /// silent) until the client goes away. A client that needs more than `bytes` waits.
    Once { bytes: Vec<u8>, close: bool },
}

pub struct RawServer {
    pub addr: SocketAddr,
    /// Bytes written to clients so far.
    pub written: Arc<AtomicUsize>,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
}

impl RawServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub async fn serve_raw(answer: Raw) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let (w, a) = (written.clone(), accepted.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(write_answer(stream, answer.clone(), w.clone()));
        }
    });
    RawServer {
        addr,
        written,
        accepted,
    }
}

/// A listener that accepts each connection and closes it at once, before reading a byte.
/// Over `https://` the client's TLS handshake then fails: a failure to connect that, unlike a
/// refused connection, is counted here (`accepted`).
pub async fn close_on_accept() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::Relaxed);
            drop(stream);
        }
    });
    RawServer {
        addr,
        written: Arc::new(AtomicUsize::new(0)),
        accepted,
    }
}

async fn write_answer(mut stream: TcpStream, answer: Raw, written: Arc<AtomicUsize>) {
    // Read up to the end of the request head; bodies are small and ignored.
    let mut buf = vec![0u8; 64 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let send = |bytes: Vec<u8>| {
        let n = bytes.len();
        written.fetch_add(n, Ordering::Relaxed);
        bytes
    };
    match answer {
        Raw::Endless { head, chunk } => {
            if stream.write_all(&send(head)).await.is_err() {
                return;
            }
            while stream.write_all(&send(chunk.clone())).await.is_ok() {}
        }
        Raw::Once { bytes, close } => {
            if stream.write_all(&send(bytes)).await.is_err() || close {
                return;
            }
            // Held open: read (and drop) until the client closes its end.
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        Raw::Drip { head, body, every } => {
            if stream.write_all(&send(head)).await.is_err() {
                return;
            }
            for b in body.iter().cycle() {
                tokio::time::sleep(every).await;
                if stream.write_all(&send(vec![*b])).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A loopback listener that never accepts, with its accept queue filled: a new connection's
/// SYN is dropped, so connecting hangs until the client gives up.
pub struct FullBacklog {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<std::net::TcpStream>,
}

impl FullBacklog {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub fn full_backlog() -> FullBacklog {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    // Probe: one more connection must hang now.
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err(),
        "the accept queue did not fill after {} connections",
        fillers.len()
    );
    FullBacklog {
        addr,
        _listener: listener,
        _fillers: fillers,
    }
}
