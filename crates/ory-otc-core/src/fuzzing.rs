//! Entry points for the fuzz target (`fuzz/`) and the property tests below: one answer from
//! Ory, given as raw parts, goes through the response parser and every classifier, and the
//! flow accessors the client calls on what they return.
//!
//! Compiled for this crate's tests and with the `fuzzing` feature only; not part of the API.
//! The property: whatever the bytes, nothing panics, nothing recurses without bound, and no
//! `Debug` of an outcome or error shows a session token.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use crate::classify::{self, Created, Fetched, Verified};
use crate::error::Target;
use crate::flow::AnyFlow;
use crate::http::{self, Reply};
use crate::outcome::FlowKind;

/// The flow id the classifiers are told they asked about.
pub const FLOW_ID: &str = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";

/// One answer, as it came off the wire.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    /// The `Content-Type` header's bytes; `None` when absent.
    pub content_type: Option<&'a [u8]>,
    /// The `Retry-After` header's bytes; `None` when absent.
    pub retry_after: Option<&'a [u8]>,
    pub body: &'a [u8],
}

/// Splits raw fuzzer bytes into an [`Answer`]: two bytes of status, one that picks the
/// `Content-Type`, one that picks the `Retry-After`, then the body.
pub fn answer_from_bytes(data: &[u8]) -> Answer<'_> {
    const CONTENT_TYPES: [Option<&[u8]>; 7] = [
        Some(b"application/json"),
        Some(b"application/json; charset=utf-8"),
        Some(b"text/html; charset=utf-8"),
        Some(b"application/problem+json"),
        None,
        Some(b"APPLICATION/JSON;;;"),
        Some(b"\xff\xfe"),
    ];
    const RETRY_AFTERS: [Option<&[u8]>; 6] = [
        None,
        Some(b"30"),
        Some(b"Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(b"Fri, 31 Dec 9999 23:59:59 GMT"),
        Some(b"99999999999999999999"),
        Some(b"-1"),
    ];
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    // 100..=599 is what reqwest (hyper) hands over; weight the statuses Kratos uses.
    const COMMON: [u16; 14] = [
        200, 201, 204, 302, 303, 400, 401, 403, 404, 410, 422, 429, 500, 502,
    ];
    let raw = u16::from_le_bytes([byte(0), byte(1)]);
    let status = if raw & 1 == 0 {
        COMMON[usize::from(raw >> 1) % COMMON.len()]
    } else {
        100 + (raw >> 1) % 500
    };
    Answer {
        status,
        content_type: CONTENT_TYPES[usize::from(byte(2)) % CONTENT_TYPES.len()],
        retry_after: RETRY_AFTERS[usize::from(byte(3)) % RETRY_AFTERS.len()],
        body: data.get(4..).unwrap_or_default(),
    }
}

/// Runs `answer` through the parser and every classifier, as the reply to each request the
/// client makes, and returns the `Debug` text of each result (outcome or error).
pub fn classify_all(answer: Answer<'_>) -> Vec<String> {
    let reply = reply(answer);
    let mut seen = Vec::new();
    for kind in [FlowKind::Login, FlowKind::Registration] {
        match classify::flow_created(kind, &reply) {
            Ok(Created::Flow(flow)) => seen.push(use_flow(&flow)),
            Ok(refused) => seen.push(format!("{refused:?}")),
            Err(e) => seen.push(show::<()>(&Err(e))),
        }
        match classify::flow_fetched(kind, FLOW_ID, &reply) {
            Ok(Fetched::Flow(flow)) => seen.push(use_flow(&flow)),
            Ok(refused) => seen.push(format!("{refused:?}")),
            Err(e) => seen.push(show::<()>(&Err(e))),
        }
        seen.push(show(&classify::code_sent(
            kind,
            FLOW_ID,
            "Ada@Example.com",
            &reply,
        )));
        match classify::code_verified(kind, FLOW_ID, &reply) {
            Ok(Verified::Outcome(outcome)) => seen.push(format!("{outcome:?}")),
            Ok(Verified::Expired410 { new_flow_id }) => seen.push(format!("{new_flow_id:?}")),
            Err(e) => seen.push(show::<()>(&Err(e))),
        }
    }
    seen.push(show(&classify::whoami(&reply)));
    seen.push(show(&classify::logout(&reply)));
    seen
}

/// `Debug` of a result, and `Display` of an error (what becomes the JS message).
fn show<T: std::fmt::Debug>(result: &Result<T, crate::Error>) -> String {
    match result {
        Ok(outcome) => format!("{outcome:?}"),
        Err(e) => format!("{e:?} {e}"),
    }
}

/// What stands in for a session token in [`session_token_leaks`].
const MARK: &[u8] = b"ory_st_MarkedSessionTokenValue0000000";

/// Runs `data` (as [`answer_from_bytes`] reads it) through [`classify_all`] with the value of
/// every `"session_token":"…"` and `"ory_session_token":"…"` in its body replaced by a marker,
/// and returns each text that shows the marker: a session token that reached an outcome's or
/// an error's `Debug` or `Display`. Values copied into other fields are not secrets to the
/// client (a session id may be anything), so only these two keys are followed.
pub fn session_token_leaks(data: &[u8]) -> Vec<String> {
    let mut answer = answer_from_bytes(data);
    if answer.body.windows(MARK.len()).any(|w| w == MARK) {
        return Vec::new();
    }
    let body = mark_session_tokens(answer.body);
    answer.body = &body;
    let mark = std::str::from_utf8(MARK).unwrap_or_default();
    classify_all(answer)
        .into_iter()
        .filter(|text| text.contains(mark))
        .collect()
}

fn mark_session_tokens(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    for key in [
        &b"\"session_token\":\""[..],
        &b"\"ory_session_token\":\""[..],
    ] {
        let mut from = 0;
        while let Some(at) = find(&out[from..], key) {
            let start = from + at + key.len();
            let Some(len) = string_len(&out[start..]) else {
                break;
            };
            out.splice(start..start + len, MARK.iter().copied());
            from = start + MARK.len();
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of a JSON string's contents up to its closing quote, escapes included.
fn string_len(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// What the client does with a flow it created or fetched: read the address and traits,
/// serialise the traits to post them back, and check where `ui.action` points.
fn use_flow(flow: &AnyFlow) -> String {
    let traits = flow.traits();
    let body = serde_json::to_vec(&traits).map(|b| b.len());
    let action = Url::parse(flow.action()).map(|u| u.origin().ascii_serialization());
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        flow.id(),
        flow.address(),
        flow.messages(),
        flow.state(),
        body,
        action
    )
}

fn reply(answer: Answer<'_>) -> Reply {
    let mut headers = HeaderMap::new();
    if let Some(v) = answer
        .content_type
        .and_then(|b| HeaderValue::from_bytes(b).ok())
    {
        headers.insert(CONTENT_TYPE, v);
    }
    if let Some(v) = answer
        .retry_after
        .and_then(|b| HeaderValue::from_bytes(b).ok())
    {
        headers.insert(RETRY_AFTER, v);
    }
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(http::is_json_content_type);
    Reply {
        status: answer.status,
        body: Bytes::copy_from_slice(answer.body),
        json,
        retry_after_seconds: http::retry_after(&headers),
        target: Target {
            method: "POST",
            origin: "http://127.0.0.1:4433".into(),
            path: "/self-service/login".into(),
        },
        csrf_cause: crate::outcome::CsrfCause::NoCookie,
    }
}

#[cfg(test)]
mod tests {
    //! Property tests over [`classify_all`]: arbitrary bytes, and recorded Kratos JSON
    //! (`tests/fixtures/`) with random mutations. `PROPTEST_CASES` sets the number of cases
    //! (default 1000 each; CI runs the default).
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// The token in the success fixtures.
    const TOKEN: &str = "ory_st_0123456789abcdefghijABCDEFGHIJ01";

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        ProptestConfig {
            cases,
            // A failure is a panic or a leak; shrinking a 1 KiB body is slow and rarely helps.
            max_shrink_iters: 256,
            ..ProptestConfig::default()
        }
    }

    fn fixtures() -> &'static [(String, Value)] {
        static ALL: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
        ALL.get_or_init(read_fixtures)
    }

    fn read_fixtures() -> Vec<(String, Value)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    serde_json::from_str(&text).unwrap(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(out.len() > 30, "fixtures not found in {dir}");
        out
    }

    /// A JSON value a mutation puts somewhere: the kinds of thing a broken or hostile server
    /// sends where Kratos sends something else.
    fn odd_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            ".{0,40}".prop_map(Value::String),
            prop_oneof![
                Just("sent_email"),
                Just("choose_method"),
                Just("passed_challenge"),
                Just("traits.email"),
                Just("identifier"),
                Just("http://evil.test/self-service/login?flow=x"),
                Just("not a url"),
                Just(""),
            ]
            .prop_map(|s| json!(s)),
            prop_oneof![
                Just(1010014u32),
                Just(1040005),
                Just(4000001),
                Just(4000035),
                Just(4010008),
                Just(4040003),
                Just(4000007),
                Just(4010001),
                Just(u32::MAX),
            ]
            .prop_map(|n| json!(n)),
            (1usize..200).prop_map(|n| json!(format!("traits.{}x", "a.".repeat(n)))),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("id".to_owned()),
                        Just("state".to_owned()),
                        Just("ui".to_owned()),
                        Just("error".to_owned()),
                        Just("messages".to_owned()),
                        Just("nodes".to_owned()),
                        Just("text".to_owned()),
                        Just("reason".to_owned()),
                        Just("name".to_owned()),
                        Just("value".to_owned()),
                        "[a-z_]{1,12}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        /// Replace the value found by walking these indices with another.
        Replace(Vec<usize>, Value),
        /// Remove what these indices lead to (a key of an object, an item of an array).
        Remove(Vec<usize>),
        /// Duplicate an array item.
        Duplicate(Vec<usize>),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let path = prop::collection::vec(any::<usize>(), 1..7);
        prop_oneof![
            (path.clone(), odd_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
            path.clone().prop_map(Mutation::Remove),
            path.prop_map(Mutation::Duplicate),
        ]
    }

    /// Walks `path` (each index taken modulo the container's size) and applies `op` to the
    /// container holding the last step.
    fn apply(value: &mut Value, mutation: &Mutation) {
        let path = match mutation {
            Mutation::Replace(p, _) | Mutation::Remove(p) | Mutation::Duplicate(p) => p,
        };
        let mut here = value;
        for (depth, &step) in path.iter().enumerate() {
            let last = depth + 1 == path.len();
            let len = match &*here {
                Value::Object(m) => m.len(),
                Value::Array(a) => a.len(),
                _ => 0,
            };
            if len == 0 {
                if let Mutation::Replace(_, v) = mutation {
                    *here = v.clone();
                }
                return;
            }
            let i = step % len;
            if last {
                match (here, mutation) {
                    (Value::Object(m), Mutation::Replace(_, v)) => {
                        let key = m.keys().nth(i).unwrap().clone();
                        m.insert(key, v.clone());
                    }
                    (Value::Object(m), Mutation::Remove(_)) => {
                        let key = m.keys().nth(i).unwrap().clone();
                        m.remove(&key);
                    }
                    (Value::Array(a), Mutation::Replace(_, v)) => a[i] = v.clone(),
                    (Value::Array(a), Mutation::Remove(_)) => {
                        a.remove(i);
                    }
                    (Value::Array(a), Mutation::Duplicate(_)) => {
                        let item = a[i].clone();
                        a.insert(i, item);
                    }
                    _ => {}
                }
                return;
            }
            here = match here {
                Value::Object(m) => m.values_mut().nth(i).unwrap(),
                Value::Array(a) => &mut a[i],
                _ => unreachable!("len > 0 only for containers"),
            };
        }
    }

    fn assert_no_token(seen: &[String]) {
        for text in seen {
            assert!(!text.contains(TOKEN), "a session token in Debug: {text}");
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048)) {
            classify_all(answer_from_bytes(&data));
            assert!(session_token_leaks(&data).is_empty());
        }

        #[test]
        fn mutated_kratos_json_never_panics_or_shows_a_token(
            pick in any::<prop::sample::Index>(),
            mutations in prop::collection::vec(mutation(), 0..8),
            head in any::<[u8; 4]>(),
        ) {
            let all = fixtures();
            let (_, mut value) = all[pick.index(all.len())].clone();
            for m in &mutations {
                apply(&mut value, m);
            }
            let body = serde_json::to_vec(&value).unwrap();
            let mut answer = answer_from_bytes(&head);
            answer.body = &body;
            // Mostly the JSON content type, so the mutations reach the classifiers.
            if head[2] % 4 != 0 {
                answer.content_type = Some(b"application/json; charset=utf-8");
            }
            let seen = classify_all(answer);
            assert_no_token(&seen);
            let data = [&head[..2], &[0, 0], &body[..]].concat();
            assert_eq!(session_token_leaks(&data), Vec::<String>::new());
        }

        #[test]
        fn cut_or_spliced_kratos_json_never_panics(
            pick in any::<prop::sample::Index>(),
            cut in any::<prop::sample::Index>(),
            splice in prop::collection::vec(any::<u8>(), 0..16),
            status in prop_oneof![Just(200u16), Just(400), Just(410), Just(401)],
        ) {
            let all = fixtures();
            let mut body = serde_json::to_vec(&all[pick.index(all.len())].1).unwrap();
            let at = cut.index(body.len() + 1);
            body.splice(at..at, splice);
            classify_all(Answer {
                status,
                content_type: Some(b"application/json"),
                retry_after: None,
                body: &body,
            });
        }
    }

    #[test]
    fn every_fixture_classifies_without_a_token_in_debug() {
        for (name, value) in fixtures() {
            let body = serde_json::to_vec(value).unwrap();
            for status in [200, 400, 401, 403, 404, 410, 429, 500] {
                let seen = classify_all(Answer {
                    status,
                    content_type: Some(b"application/json"),
                    retry_after: Some(b"5"),
                    body: &body,
                });
                for text in &seen {
                    assert!(!text.contains(TOKEN), "{name} {status}: {text}");
                }
            }
        }
    }

    /// Inputs the fuzz target once failed on (`fuzz/regressions/`), kept as tests.
    #[test]
    fn past_fuzz_findings_stay_fixed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            assert_no_token(&classify_all(answer_from_bytes(&data)));
            seen += 1;
        }
        assert!(seen > 0, "no regressions in {dir}");
    }

    #[test]
    fn session_tokens_are_marked_where_they_are_and_nowhere_else() {
        let body = br#"{"session_token":"ory_st_a\"b","x":"session_token","continue_with":[{"ory_session_token":"ory_st_c"}]}"#;
        let marked = String::from_utf8(mark_session_tokens(body)).unwrap();
        let mark = std::str::from_utf8(MARK).unwrap();
        assert_eq!(
            marked,
            format!(
                r#"{{"session_token":"{mark}","x":"session_token","continue_with":[{{"ory_session_token":"{mark}"}}]}}"#
            )
        );
        // The success fixtures: the token is where it belongs and nowhere in what comes out.
        for name in ["login_success.json", "registration_success_session.json"] {
            let (_, value) = fixtures().iter().find(|(n, _)| n == name).unwrap();
            let data = [&[0u8, 0, 0, 0][..], &serde_json::to_vec(value).unwrap()].concat();
            assert!(String::from_utf8_lossy(&mark_session_tokens(&data[4..])).contains(mark));
            assert_eq!(session_token_leaks(&data), Vec::<String>::new());
        }
    }

    #[test]
    fn a_flow_with_a_hostile_trait_name_is_read_without_recursing() {
        let mut flow: Value = serde_json::from_str(include_str!(
            "../tests/fixtures/registration_code_sent.json"
        ))
        .unwrap();
        let name = format!("traits.{}b", "a.".repeat(300_000));
        flow["ui"]["nodes"].as_array_mut().unwrap().push(json!({
            "type": "input", "group": "default", "messages": [], "meta": {},
            "attributes": {"name": name, "type": "hidden", "value": "x", "disabled": false, "node_type": "input"}
        }));
        let body = serde_json::to_vec(&flow).unwrap();
        assert!(body.len() < http::MAX_BODY_BYTES);
        let seen = classify_all(Answer {
            status: 200,
            content_type: Some(b"application/json"),
            retry_after: None,
            body: &body,
        });
        assert!(
            seen.iter().any(|s| s.contains("ada@example.com")),
            "{seen:?}"
        );
    }
}
