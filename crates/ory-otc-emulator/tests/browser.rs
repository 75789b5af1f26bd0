//! Browser flows: CSRF cookie and token, redirects, session cookie (docs/kratos-protocol.md §2, §5 CSRF, §9).

mod support;

use sha2::{Digest, Sha256};
use support::*;

const EMAIL: &str = "lin@example.com";

/// Creates a browser login flow as an SPA would (JSON), returning the flow and the CSRF cookie.
async fn spa_login_flow(h: &Harness) -> (Value, String) {
    let r = h
        .get_with(
            "/self-service/login/browser",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cookie = r
        .cookie_pair("csrf_token_")
        .expect("the CSRF cookie is set");
    (r.json(), cookie)
}

#[tokio::test]
async fn protocol_2_browser_init_sets_the_csrf_cookie_named_after_the_public_url() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h
            .get_with(
                "/self-service/login/browser",
                &[("accept", "application/json")],
            )
            .await;
        let expected = format!(
            "csrf_token_{}",
            hex::encode(Sha256::digest(format!("{}/", h.emu.url()).as_bytes()))
        );
        let line = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("csrf_token_"))
            .unwrap();
        assert!(line.starts_with(&format!("{expected}=")), "{line}");
        assert!(
            line.ends_with("; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"),
            "{line}"
        );
        let flow = r.json();
        assert_eq!(flow["type"], "browser");
        // The code strategy's PopulateMethod sets the CSRF node before the handler sorts, so it
        // sorts first (Kratos login/handler.go, strategy/code/strategy.go at b86338da, v26.2.0
        // and v1.3.1; recorded in tests/kratos/fixtures/).
        assert_eq!(
            nodes(&flow),
            [
                "default:csrf_token:hidden",
                "default:identifier:text",
                "code:method:submit"
            ]
        );
        assert!(!node(&flow, "csrf_token")["attributes"]["value"]
            .as_str()
            .unwrap()
            .is_empty());
        // A second init with the cookie keeps it (no new Set-Cookie).
        let cookie = line.split(';').next().unwrap();
        let r = h
            .get_with(
                "/self-service/login/browser",
                &[("accept", "application/json"), ("cookie", cookie)],
            )
            .await;
        assert!(r.cookie_pair("csrf_token_").is_none());
    }
}

#[tokio::test]
async fn protocol_1_browser_init_without_json_accept_redirects_303_to_the_ui() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h.get_with("/self-service/login/browser", &[]).await;
        assert_eq!(r.status, 303);
        let location = r.header("location").unwrap();
        assert!(
            location.starts_with(&h.url("/ui/login?flow=")),
            "{location}"
        );
        assert!(r.cookie_pair("csrf_token_").is_some());
        let r = h
            .get_with("/self-service/registration/browser", &[("accept", "*/*")])
            .await;
        assert_eq!(r.status, 303);
        assert!(r
            .header("location")
            .unwrap()
            .starts_with(&h.url("/ui/registration?flow=")));
    }
}

#[tokio::test]
async fn protocol_5_csrf_violations_are_403_envelopes_with_their_reject_reason() {
    let h = start_with_user(KratosVersion::Latest, EMAIL).await;
    let (flow, cookie) = spa_login_flow(&h).await;
    let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
    let token = node(&flow, "csrf_token")["attributes"]["value"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = h
        .post_json(
            &path,
            json!({"method":"code","identifier":EMAIL,"csrf_token":token}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("ory-error-id"), Some("security_csrf_violation"));
    let e = r.json();
    assert_eq!(e["error"]["id"], "security_csrf_violation");
    assert_eq!(
        e["error"]["message"],
        "the request was rejected to protect you from Cross-Site-Request-Forgery"
    );
    assert_eq!(
        e["error"]["details"]["reject_reason"],
        "The HTTP Cookie Header is empty or not set."
    );
    assert_eq!(
        e["error"]["details"]["docs"],
        "https://www.ory.com/docs/troubleshooting/csrf"
    );
    assert!(e["error"]["details"]["hint"]
        .as_str()
        .unwrap()
        .starts_with("We detected a regular browser or server-side call."));

    let r = h
        .post_json_with(
            &path,
            json!({"method":"code","identifier":EMAIL,"csrf_token":token}),
            &[("cookie", "other=1")],
        )
        .await;
    assert_eq!(
        r.json()["error"]["details"]["reject_reason"],
        "The HTTP Cookie Header was set but did not include the anti-CSRF cookie."
    );

    let r = h
        .post_json_with(
            &path,
            json!({"method":"code","identifier":EMAIL,"csrf_token":"bm9wZQ=="}),
            &[("cookie", &cookie), ("sec-fetch-mode", "cors")],
        )
        .await;
    let e = r.json();
    assert_eq!(
        e["error"]["details"]["reject_reason"],
        "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow."
    );
    assert!(e["error"]["details"]["hint"]
        .as_str()
        .unwrap()
        .starts_with("We detected an AJAX call"));

    // A form post without the token: hint only, and a 303 to the error UI.
    let r = h
        .post_raw(
            &path,
            "application/x-www-form-urlencoded",
            "method=code&identifier=lin%40example.com",
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with(&h.url("/ui/error?id=")));
    let error_id = r
        .header("location")
        .unwrap()
        .split("id=")
        .nth(1)
        .unwrap()
        .to_owned();
    let container = h
        .get(&format!("/self-service/errors?id={error_id}"))
        .await
        .json();
    assert_eq!(
        container["error"]["details"]["hint"],
        "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token)."
    );
    assert!(container["error"]["details"].get("reject_reason").is_none());
}

#[tokio::test]
async fn protocol_9_browser_login_by_form_redirects_and_sets_the_session_cookie() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let (flow, cookie) = spa_login_flow(&h).await;
        let id = flow["id"].as_str().unwrap();
        let token = node(&flow, "csrf_token")["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_owned();
        let form = |extra: &str| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("method", "code")
                .append_pair("identifier", EMAIL)
                .append_pair("csrf_token", &token);
            format!("{}{extra}", s.finish())
        };
        let path = format!("/self-service/login?flow={id}");
        // §9 "Code sent": form post → 303 to the UI.
        let r = h
            .post_raw(
                &path,
                "application/x-www-form-urlencoded",
                &form(""),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some(h.url(&format!("/ui/login?flow={id}")).as_str())
        );
        // The GET of a browser flow needs the cookie.
        assert_eq!(
            h.get(&format!("/self-service/login/flows?id={id}"))
                .await
                .status,
            403
        );
        let f = h
            .get_with(
                &format!("/self-service/login/flows?id={id}"),
                &[("cookie", &cookie)],
            )
            .await
            .json();
        assert_eq!(f["state"], "sent_email");
        assert_eq!(nodes(&f).last().unwrap(), "default:csrf_token:hidden");
        // Validation errors redirect with 303 too.
        let r = h
            .post_raw(
                &path,
                "application/x-www-form-urlencoded",
                &form("&code=000000"),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 303);
        let code = h.code(EMAIL);
        let r = h
            .post_raw(
                &path,
                "application/x-www-form-urlencoded",
                &form(&format!("&code={code}")),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some(h.url("/ui/welcome").as_str()));
        let session = r
            .cookie_pair("ory_kratos_session=")
            .expect("session cookie");
        let line = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("ory_kratos_session="))
            .unwrap();
        assert!(
            line.contains("; Path=/; Expires=") && line.contains("; HttpOnly; SameSite=Lax"),
            "{line}"
        );
        assert!(
            r.cookie_pair("csrf_token_").is_some(),
            "§9: a login rotates the CSRF cookie"
        );
        let who = h
            .get_with("/sessions/whoami", &[("cookie", &session)])
            .await;
        assert_eq!(who.status, 200);
    }
}

#[tokio::test]
async fn protocol_6_spa_login_success_has_continue_with_and_no_token() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let (flow, cookie) = spa_login_flow(&h).await;
        let id = flow["id"].as_str().unwrap();
        let token = node(&flow, "csrf_token")["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/self-service/login?flow={id}");
        let r = h
            .post_json_with(
                &path,
                json!({"method":"code","identifier":EMAIL,"csrf_token":token}),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 400, "SPA code-sent is 400 too");
        let r = h
            .post_json_with(
                &path,
                json!({"method":"code","identifier":EMAIL,"csrf_token":token,"code":h.code(EMAIL)}),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        assert!(body.get("session_token").is_none());
        assert_eq!(
            body["continue_with"],
            json!([{"action":"redirect_browser_to","redirect_browser_to":h.url("/ui/welcome")}])
        );
        assert!(r.cookie_pair("ory_kratos_session=").is_some());
    }
}

#[tokio::test]
async fn protocol_9_browser_registration_errors_redirect_with_302() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h
            .get_with(
                "/self-service/registration/browser",
                &[("accept", "application/json")],
            )
            .await;
        let cookie = r.cookie_pair("csrf_token_").unwrap();
        let flow = r.json();
        assert_eq!(nodes(&flow)[0], "default:csrf_token:hidden");
        let token = node(&flow, "csrf_token")["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_owned();
        let id = flow["id"].as_str().unwrap();
        let body = format!(
            "method=code&traits.email=bad&csrf_token={}",
            urlencode(&token)
        );
        let r = h
            .post_raw(
                &format!("/self-service/registration?flow={id}"),
                "application/x-www-form-urlencoded",
                &body,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 302);
        assert_eq!(
            r.header("location"),
            Some(h.url(&format!("/ui/registration?flow={id}")).as_str())
        );
    }
}

#[tokio::test]
async fn protocol_6_expired_browser_flow_form_submit_redirects_to_a_new_flow() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let (flow, cookie) = spa_login_flow(&h).await;
        h.emu.advance_time(std::time::Duration::from_secs(7200));
        let id = flow["id"].as_str().unwrap();
        let r = h
            .post_raw(
                &format!("/self-service/login?flow={id}"),
                "application/x-www-form-urlencoded",
                "method=code",
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 303);
        let location = r.header("location").unwrap();
        assert!(
            location.starts_with(&h.url("/ui/login?flow=")) && !location.ends_with(id),
            "{location}"
        );
        // GET of the expired browser flow: 410 with redirect_to and return_to.
        let r = h
            .get_with(
                &format!("/self-service/login/flows?id={id}"),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 410);
        let details = &r.json()["error"]["details"];
        assert_eq!(details["redirect_to"], h.url("/self-service/login/browser"));
        assert_eq!(details["return_to"], "");
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn v1_3_1_csrf_violations_all_carry_the_same_details() {
    // herodot v0.10.3 (v1.3.1) shares one details map among the package's CSRF errors.
    let h = start_with_user(KratosVersion::V1_3_1, EMAIL).await;
    let (flow, _) = spa_login_flow(&h).await;
    let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
    let r = h
        .post_json(&path, json!({"method":"code","identifier":EMAIL}))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["error"]["details"],
        json!({
            "docs": "https://www.ory.sh/kratos/docs/debug/csrf",
            "hint": "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).",
            "reject_reason": "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow."
        })
    );
}

#[tokio::test]
async fn v26_csrf_violations_name_their_case_with_the_old_docs_url() {
    // herodot v0.10.8 (v26.2.0) clones the map: hint and reason per case, as answered by
    // Kratos v26.2.0 (9d708594) to the same requests.
    let h = start_with_user(KratosVersion::V26_2_0, EMAIL).await;
    let (flow, _) = spa_login_flow(&h).await;
    let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
    let body = json!({"method":"code","identifier":EMAIL});
    let r = h.post_json(&path, body.clone()).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["error"]["details"],
        json!({
            "docs": "https://www.ory.sh/kratos/docs/debug/csrf",
            "hint": "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly.",
            "reject_reason": "The HTTP Cookie Header is empty or not set."
        })
    );
    let r = h
        .post_json_with(&path, body, &[("sec-fetch-mode", "cors")])
        .await;
    assert_eq!(
        r.json()["error"]["details"]["hint"],
        "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded."
    );
}
