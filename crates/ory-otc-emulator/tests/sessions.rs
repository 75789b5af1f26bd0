//! whoami and native logout (docs/kratos-protocol.md §1, §10).

mod support;

use std::time::Duration;

use support::*;

const EMAIL: &str = "kay@example.com";

async fn token(h: &Harness) -> String {
    let id = h.login_code_sent(EMAIL).await;
    let r = h
        .login_submit(
            &id,
            json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
        )
        .await;
    r.json()["session_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn protocol_10_whoami_without_a_session_is_a_401_without_id() {
    for version in BOTH {
        let h = start(config(version)).await;
        for method in ["GET", "POST", "HEAD", "PUT"] {
            let r = h
                .send(
                    h.http
                        .request(method.parse().unwrap(), h.url("/sessions/whoami")),
                )
                .await;
            assert_eq!(r.status, 401, "{method}");
            assert_eq!(r.header("ory-error-id"), Some(""));
            if method != "HEAD" {
                assert_eq!(
                    r.json(),
                    json!({"error":{"code":401,"status":"Unauthorized","reason":"No valid session credentials found in the request.","message":"The request could not be authorized"}})
                );
            }
        }
        let r = h
            .get_with("/sessions/whoami", &[("x-session-token", "ory_st_nope")])
            .await;
        assert_eq!(r.status, 401);
    }
}

#[tokio::test]
async fn protocol_1_whoami_reads_the_token_header_then_the_cookie_then_bearer() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let t = token(&h).await;
        assert_eq!(
            h.get_with("/sessions/whoami", &[("x-session-token", &t)])
                .await
                .status,
            200
        );
        assert_eq!(
            h.get_with(
                "/sessions/whoami",
                &[("authorization", &format!("Bearer {t}"))]
            )
            .await
            .status,
            200
        );
        // An invalid X-Session-Token wins over a valid bearer token.
        let r = h
            .get_with(
                "/sessions/whoami",
                &[
                    ("x-session-token", "bad"),
                    ("authorization", &format!("bearer {t}")),
                ],
            )
            .await;
        assert_eq!(r.status, 401);
        let body = h
            .get_with("/sessions/whoami", &[("x-session-token", &t)])
            .await
            .json();
        assert_eq!(body["identity"]["traits"]["email"], EMAIL);
        // httpx.ClientIP: the peer address with its port when no proxy header names the client.
        let ip = body["devices"][0]["ip_address"].as_str().unwrap();
        let port = ip.strip_prefix("127.0.0.1:").expect("ip:port");
        assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{ip}");
        assert_eq!(body["devices"][0]["location"], "");
    }
}

#[tokio::test]
async fn protocol_8_sessions_expire_with_the_clock() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let t = token(&h).await;
        h.emu.advance_time(Duration::from_secs(24 * 3600 + 1));
        assert_eq!(
            h.get_with("/sessions/whoami", &[("x-session-token", &t)])
                .await
                .status,
            401
        );
    }
}

#[tokio::test]
async fn protocol_10_native_logout_revokes_and_answers_204_twice() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let t = token(&h).await;
        let logout = |body: String, ct: &'static str| {
            h.send(
                h.http
                    .delete(h.url("/self-service/logout/api"))
                    .header("content-type", ct)
                    .body(body),
            )
        };
        let r = logout(json!({"session_token": t}).to_string(), "application/json").await;
        assert_eq!(r.status, 204);
        assert!(r.text.is_empty());
        assert_eq!(
            h.get_with("/sessions/whoami", &[("x-session-token", &t)])
                .await
                .status,
            401
        );
        assert_eq!(
            logout(json!({"session_token": t}).to_string(), "application/json")
                .await
                .status,
            204
        );
        let r = logout(
            json!({"session_token": "ory_st_unknown"}).to_string(),
            "application/json",
        )
        .await;
        assert_eq!(r.status, 403);
        assert_eq!(
            r.json(),
            json!({"error":{"code":403,"status":"Forbidden","reason":"The provided Ory Session Token could not be found, is invalid, or otherwise malformed.","message":"The requested action was forbidden"}})
        );
        let r = logout(
            "session_token=x".into(),
            "application/x-www-form-urlencoded",
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["error"]["reason"],
            "HTTP DELETE Request used unknown HTTP Header \"Content-Type: application/x-www-form-urlencoded\", only [application/json] are supported."
        );
        let r = logout(String::new(), "application/json").await;
        assert_eq!(
            r.json()["error"]["reason"],
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero."
        );
        let r = logout("{".into(), "application/json").await;
        assert!(r.json()["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Unable to decode JSON payload: "));
    }
}
