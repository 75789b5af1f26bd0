//! A raw HTTP/1.1 client: one connection per request, the headers exactly as given, no cookie
//! jar, no redirects followed.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request};
use tokio::net::TcpStream;

/// An answer as received.
pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Raw {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Sends one request to `addr` with `Host: host`.
///
/// # Errors
/// A message naming the address when the connection or the exchange fails.
pub async fn send(
    addr: &str,
    host: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> Result<Raw, String> {
    let fut = async {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = Request::builder()
            .method(method)
            .uri(path_and_query)
            .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
            .map_err(|e| e.to_string())?;
        let h = req.headers_mut();
        h.insert(
            "host",
            HeaderValue::from_str(host).map_err(|e| e.to_string())?,
        );
        h.insert(
            "user-agent",
            HeaderValue::from_static("ory-otc-conformance"),
        );
        for (k, v) in headers {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).map_err(|e| e.to_string())?,
                HeaderValue::from_str(v).map_err(|e| e.to_string())?,
            );
        }
        if body.is_some() {
            h.insert(
                "content-length",
                HeaderValue::from(body.unwrap_or("").len()),
            );
        }
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request to {addr}: {e}"))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body from {addr}: {e}"))?
            .to_bytes();
        Ok(Raw {
            status,
            headers,
            body,
        })
    };
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .map_err(|_| format!("{addr} did not answer within {TIMEOUT:?}"))?
}
