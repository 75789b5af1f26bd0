//! Test harness: an emulator on a free loopback port and a plain HTTP client (no cookie jar,
//! no redirects), plus helpers to read flows.
#![allow(dead_code)]

use std::time::Duration;

pub use ory_otc_emulator::{Config, Emulator, KratosVersion};
pub use serde_json::{json, Value};

pub struct Harness {
    pub emu: Emulator,
    pub http: reqwest::Client,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// `name=value` of the first Set-Cookie whose name starts with `prefix`.
    pub fn cookie_pair(&self, prefix: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(prefix))
            .map(|c| c.split(';').next().unwrap().to_owned())
    }
}

pub fn config(version: KratosVersion) -> Config {
    Config {
        version,
        ..Config::default()
    }
}

pub const BOTH: [KratosVersion; 2] = [KratosVersion::Latest, KratosVersion::V26_2_0];

pub async fn start(config: Config) -> Harness {
    let emu = ory_otc_emulator::start(config)
        .await
        .expect("emulator starts");
    // `cargo test --workspace` unifies reqwest's features with the core's `rustls-no-provider`,
    // and then even a plain-http client needs a process crypto provider to be built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Harness { emu, http }
}

pub async fn start_with_user(version: KratosVersion, email: &str) -> Harness {
    let h = start(config(version)).await;
    h.emu.create_identity(email, None).unwrap();
    h
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.url(), path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request succeeds");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(
            self.http
                .get(self.url(path))
                .header("accept", "application/json"),
        )
        .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut r = self.http.get(self.url(path));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send(r).await
    }

    /// A JSON submit with `Content-Type` and `Accept` set to JSON, as clients should send.
    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.post_json_with(path, body, &[]).await
    }

    pub async fn post_json_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Resp {
        let mut r = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body.to_string());
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send(r).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut r = self.http.post(self.url(path)).body(body.to_owned());
        if !content_type.is_empty() {
            r = r.header("content-type", content_type);
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send(r).await
    }

    pub async fn api_login_flow(&self) -> Value {
        let r = self.get("/self-service/login/api").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    pub async fn api_registration_flow(&self) -> Value {
        let r = self.get("/self-service/registration/api").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    pub async fn login_submit(&self, flow_id: &str, body: Value) -> Resp {
        self.post_json(&format!("/self-service/login?flow={flow_id}"), body)
            .await
    }

    pub async fn registration_submit(&self, flow_id: &str, body: Value) -> Resp {
        self.post_json(&format!("/self-service/registration?flow={flow_id}"), body)
            .await
    }

    /// Creates an API login flow and sends a code to `email`; returns the flow id.
    pub async fn login_code_sent(&self, email: &str) -> String {
        let flow = self.api_login_flow().await;
        let id = flow["id"].as_str().unwrap().to_owned();
        let r = self
            .login_submit(&id, json!({"method": "code", "identifier": email}))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.json()["state"], "sent_email");
        id
    }

    pub async fn registration_code_sent(&self, email: &str) -> String {
        let flow = self.api_registration_flow().await;
        let id = flow["id"].as_str().unwrap().to_owned();
        let r = self
            .registration_submit(&id, json!({"method": "code", "traits": {"email": email}}))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.json()["state"], "sent_email");
        id
    }

    pub fn code(&self, email: &str) -> String {
        self.emu.code_for(email).expect("a code was mailed")
    }
}

/// `group:name:type` of each node, in order.
pub fn nodes(flow: &Value) -> Vec<String> {
    flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let a = &n["attributes"];
            format!(
                "{}:{}:{}",
                n["group"].as_str().unwrap(),
                a["name"].as_str().unwrap_or(""),
                a["type"].as_str().unwrap_or("")
            )
        })
        .collect()
}

pub fn node<'a>(flow: &'a Value, name: &str) -> &'a Value {
    flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["attributes"]["name"] == name)
        .unwrap_or_else(|| panic!("no node {name} in {flow}"))
}

pub fn ui_message_ids(flow: &Value) -> Vec<u64> {
    flow["ui"]["messages"]
        .as_array()
        .map(|m| m.iter().map(|x| x["id"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

pub fn node_message_ids(flow: &Value, name: &str) -> Vec<u64> {
    node(flow, name)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_u64().unwrap())
        .collect()
}

/// Keys of a JSON object in order, read from the raw text (serde_json sorts its maps).
pub fn key_order(raw: &str, path: &[&str]) -> Vec<String> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let v: OrderedValue = serde::Deserialize::deserialize(&mut de).unwrap();
    let mut cur = &v;
    for p in path {
        cur = match cur {
            OrderedValue::Object(pairs) => &pairs.iter().find(|(k, _)| k == p).unwrap().1,
            _ => panic!("not an object at {p}"),
        };
    }
    match cur {
        OrderedValue::Object(pairs) => pairs.iter().map(|(k, _)| k.clone()).collect(),
        _ => panic!("not an object"),
    }
}

/// Keys of the first object of a JSON array, in order.
pub fn first_element_key_order(raw: &str) -> Vec<String> {
    let inner = raw.trim_start().strip_prefix('[').expect("an array");
    let first: OrderedValue = serde_json::Deserializer::from_str(inner)
        .into_iter::<OrderedValue>()
        .next()
        .unwrap()
        .unwrap();
    match first {
        OrderedValue::Object(pairs) => pairs.into_iter().map(|(k, _)| k).collect(),
        OrderedValue::Other => panic!("not an object"),
    }
}

/// A JSON value that keeps key order.
pub enum OrderedValue {
    Object(Vec<(String, OrderedValue)>),
    Other,
}

impl<'de> serde::Deserialize<'de> for OrderedValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OrderedValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<OrderedValue, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, OrderedValue>()? {
                    pairs.push((k, v));
                }
                Ok(OrderedValue::Object(pairs))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<OrderedValue, A::Error> {
                while s.next_element::<OrderedValue>()?.is_some() {}
                Ok(OrderedValue::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
            fn visit_unit<E>(self) -> Result<OrderedValue, E> {
                Ok(OrderedValue::Other)
            }
        }
        d.deserialize_any(V)
    }
}
