//! Login with the code method over real HTTP, API flows (docs/kratos-protocol.md §4, §6 "Login", §8, §11, §12).

mod support;

use std::time::Duration;

use support::*;

const EMAIL: &str = "ada@example.com";

#[tokio::test]
async fn protocol_4_api_login_flow_matches_the_example() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h.get("/self-service/login/api").await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(
            r.set_cookies().is_empty(),
            "§9: API flows never set cookies"
        );
        let flow = r.json();
        let id = flow["id"].as_str().unwrap();
        assert_eq!(
            key_order(&r.text, &[]),
            [
                "id",
                "organization_id",
                "type",
                "expires_at",
                "issued_at",
                "request_url",
                "ui",
                "created_at",
                "updated_at",
                "refresh",
                "requested_aal",
                "state"
            ]
        );
        assert_eq!(flow["organization_id"], Value::Null);
        assert_eq!(flow["type"], "api");
        assert_eq!(flow["state"], "choose_method");
        assert_eq!(flow["requested_aal"], "aal1");
        assert_eq!(flow["request_url"], h.url("/self-service/login/api"));
        assert_eq!(
            flow["ui"]["action"],
            h.url(&format!("/self-service/login?flow={id}"))
        );
        assert!(
            flow["ui"].get("messages").is_none(),
            "§4: empty ui.messages is omitted"
        );
        // The e-mail trait has a title, so the identifier label is 1070002 {title,name}.
        assert_eq!(
            flow["ui"]["nodes"],
            json!([
                {"type":"input","group":"default","attributes":{"name":"identifier","type":"text","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}}},
                {"type":"input","group":"code","attributes":{"name":"method","type":"submit","value":"code","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1010015,"text":"Send sign in code","type":"info"}}}
            ])
        );
    }
}

#[tokio::test]
async fn protocol_6_login_row_2_code_sent_is_a_400_sent_email_flow_in_both_versions() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let flow = h.api_login_flow().await;
        let id = flow["id"].as_str().unwrap();
        let r = h
            .login_submit(id, json!({"method":"code","identifier":"Ada@Example.com"}))
            .await;
        assert_eq!(r.status, 400, "{version}");
        let f = r.json();
        assert_eq!(f["state"], "sent_email");
        assert_eq!(f["active"], "code");
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":1010014,"text":"A code was sent to the address you provided. If you didn't receive it, please check the spelling of the address and try again.","type":"info"}])
        );
        // §4 "Login, sent_email": identifier hidden (lowercased), hidden method, code, continue, resend.
        assert_eq!(
            nodes(&f),
            [
                "default:identifier:hidden",
                "code:method:hidden",
                "code:code:text",
                "code:method:submit",
                "code:resend:submit"
            ]
        );
        let identifier = node(&f, "identifier");
        assert_eq!(identifier["attributes"]["value"], "ada@example.com");
        assert_eq!(identifier["attributes"]["required"], true);
        assert_eq!(identifier["meta"]["label"]["id"], 1070002);
        assert_eq!(
            node(&f, "code")["meta"]["label"],
            json!({"id":1070013,"text":"Login code","type":"info"})
        );
        assert_eq!(f["ui"]["nodes"][3]["meta"]["label"]["id"], 1070009);
        assert_eq!(node(&f, "resend")["meta"]["label"]["id"], 1070008);
        // §12 "UI nodes": autocomplete one-time-code exists only after v26.2.0.
        let autocomplete = &node(&f, "code")["attributes"]["autocomplete"];
        match version {
            KratosVersion::Latest => assert_eq!(*autocomplete, "one-time-code"),
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => assert!(autocomplete.is_null()),
        }
        // derived (decoderx): the object-typed transient_payload decodes as {} when absent.
        assert_eq!(f["transient_payload"], json!({}));
        // §8 Mail: the code went to the stored address with the HEAD template.
        let msg = &h.emu.messages()[0];
        let code = h.code(EMAIL);
        assert_eq!(msg.recipient, EMAIL);
        assert_eq!(msg.template_type, "login_code_valid");
        assert_eq!(msg.subject.expose(), format!("Use code {code} to log in"));
        assert_eq!(msg.body.expose(), format!("Login to your account with the following code:\n\n{code}\n\nIt expires in 60 minutes.\n"));
    }
}

#[tokio::test]
async fn protocol_6_login_row_3_unknown_account_is_4000035_and_nothing_is_sent() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_login_flow().await;
        let r = h
            .login_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","identifier":"Nobody@Example.com"}),
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(f["state"], "choose_method");
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4000035,"text":"This account does not exist or has not setup sign in with code.","type":"error"}])
        );
        // §4 error lists: csrf_token (value "") first, the identifier keeps the raw value.
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:identifier:text",
                "code:method:submit"
            ]
        );
        assert_eq!(node(&f, "csrf_token")["attributes"]["value"], "");
        assert_eq!(
            node(&f, "identifier")["attributes"]["value"],
            "Nobody@Example.com"
        );
        assert!(h.emu.messages().is_empty());
    }
}

#[tokio::test]
async fn protocol_6_login_row_4_empty_identifier_is_4000002_on_the_identifier_node() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_login_flow().await;
        let r = h
            .login_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","identifier":""}),
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert!(f["ui"].get("messages").is_none());
        assert_eq!(
            node(&f, "identifier")["messages"],
            json!([{"id":4000002,"text":"Property identifier is missing.","type":"error","context":{"property":"identifier"}}])
        );
    }
}

#[tokio::test]
async fn protocol_6_login_row_5_wrong_code_is_4010008_with_the_error_node_order() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":"ADA@example.com","code":"000000"}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(
            r.header("ory-error-id").is_none(),
            "§2: flow JSON 400s carry no Ory-Error-Id"
        );
        let f = r.json();
        assert_eq!(f["state"], "sent_email");
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4010008,"text":"The login code is invalid or has already been used. Please try again.","type":"error"}])
        );
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:identifier:hidden",
                "code:code:text",
                "code:resend:submit",
                "code:method:hidden",
                "code:method:submit"
            ]
        );
        let identifier = node(&f, "identifier");
        // source notes C1: lowercased, and the fresh node has no label and no `required`.
        assert_eq!(identifier["attributes"]["value"], "ada@example.com");
        assert_eq!(identifier["meta"], json!({}));
        assert!(identifier["attributes"].get("required").is_none());
        assert!(
            f.get("transient_payload").is_none(),
            "§4: not persisted, so absent from error responses"
        );
    }
}

#[tokio::test]
async fn protocol_6_login_missing_code_is_4000002_on_the_code_node_and_not_counted() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        for _ in 0..6 {
            let r = h
                .login_submit(&id, json!({"method":"code","identifier":EMAIL}))
                .await;
            assert_eq!(r.status, 400);
            assert_eq!(node_message_ids(&r.json(), "code"), [4000002]);
        }
        // Six uncounted submissions later the right code still works (§8 "Attempts").
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

#[tokio::test]
async fn protocol_8_the_sixth_submission_is_refused_even_with_the_right_code() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        for _ in 0..5 {
            let r = h
                .login_submit(
                    &id,
                    json!({"method":"code","identifier":EMAIL,"code":"111111"}),
                )
                .await;
            assert_eq!(ui_message_ids(&r.json()), [4010008]);
        }
        // A resend does not reset the counter.
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"resend":"code"}),
            )
            .await;
        assert_eq!(r.status, 400);
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(r.status, 400, "{version}");
        let f = r.json();
        let too_often = "The request was submitted too often. Please request another code.";
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4000001,"text":too_often,"type":"error","context":{"reason":too_often}}])
        );
        assert_eq!(f["state"], "sent_email");
    }
}

#[tokio::test]
async fn protocol_8_max_submissions_is_configurable() {
    for version in BOTH {
        let h = start(Config {
            max_submissions: 1,
            ..config(version)
        })
        .await;
        h.emu.create_identity(EMAIL, None).unwrap();
        let id = h.login_code_sent(EMAIL).await;
        h.login_submit(
            &id,
            json!({"method":"code","identifier":EMAIL,"code":"111111"}),
        )
        .await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(ui_message_ids(&r.json()), [4000001]);
    }
}

#[tokio::test]
async fn protocol_8_resend_deletes_the_previous_code() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let old = h.code(EMAIL);
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"resend":"code"}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(ui_message_ids(&r.json()), [1010014]);
        let new = h.code(EMAIL);
        assert_eq!(h.emu.messages().len(), 2);
        // The emulator draws again on a repeat, so the resent code always differs.
        assert_ne!(old, new, "a resend mails a different code");
        let r = h
            .login_submit(&id, json!({"method":"code","identifier":EMAIL,"code":old}))
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(ui_message_ids(&r.json()), [4010008]);
        let r = h
            .login_submit(&id, json!({"method":"code","identifier":EMAIL,"code":new}))
            .await;
        assert_eq!(r.status, 200);
    }
}

#[tokio::test]
async fn protocol_6_login_success_api_returns_a_session_token_and_whoami_accepts_it() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            key_order(&r.text, &[]),
            ["session_token", "session", "continue_with"]
        );
        let body = r.json();
        let token = body["session_token"].as_str().unwrap();
        // §10: ory_st_ + 32 alphanumerics.
        assert_eq!(token.len(), 7 + 32);
        assert!(
            token.starts_with("ory_st_") && token[7..].chars().all(|c| c.is_ascii_alphanumeric())
        );
        assert_eq!(body["continue_with"], Value::Null);
        let s = &body["session"];
        assert_eq!(
            key_order(&r.text, &["session"]),
            [
                "id",
                "active",
                "expires_at",
                "authenticated_at",
                "authenticator_assurance_level",
                "authentication_methods",
                "issued_at",
                "identity",
                "devices"
            ]
        );
        assert_eq!(s["active"], true);
        assert_eq!(s["authenticator_assurance_level"], "aal1");
        assert_eq!(s["authentication_methods"][0]["method"], "code");
        assert_eq!(s["authentication_methods"][0]["aal"], "aal1");
        let identity = &s["identity"];
        assert!(identity.get("credentials").is_none());
        // §6: the address the code went to is now verified.
        assert_eq!(identity["verifiable_addresses"][0]["verified"], true);
        assert_eq!(identity["verifiable_addresses"][0]["status"], "completed");
        let who = h
            .get_with("/sessions/whoami", &[("x-session-token", token)])
            .await;
        assert_eq!(who.status, 200);
        assert_eq!(
            who.header("x-kratos-authenticated-identity-id"),
            identity["id"].as_str()
        );
        // §8: reuse after success is 4010002 on the passed_challenge flow.
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        let f = r.json();
        assert_eq!(f["state"], "passed_challenge");
        assert_eq!(ui_message_ids(&f), [4010002]);
    }
}

#[tokio::test]
async fn protocol_6_login_session_already_available_on_create_and_submit() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let token = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await
            .json()["session_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = h
            .get_with("/self-service/login/api", &[("x-session-token", &token)])
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.header("ory-error-id"), Some("session_already_available"));
        assert_eq!(
            r.json(),
            json!({"error":{"id":"session_already_available","code":400,"status":"Bad Request","reason":"A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?","message":"you are already logged in"}})
        );
        // On submit it is a 400 flow with 4000001, not an envelope.
        let fresh = h.api_login_flow().await;
        let r = h
            .post_json_with(
                &format!("/self-service/login?flow={}", fresh["id"].as_str().unwrap()),
                json!({"method":"code","identifier":EMAIL}),
                &[("x-session-token", &token)],
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(ui_message_ids(&f), [4000001]);
        assert_eq!(f["ui"]["messages"][0]["text"], "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?");
        assert_eq!(
            nodes(&f),
            ["default:identifier:text", "code:method:submit"],
            "source notes C8: no csrf node added"
        );
    }
}

#[tokio::test]
async fn protocol_6_login_expired_flow_is_410_with_a_replacement_carrying_4010001() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let flow = h.api_login_flow().await;
        let id = flow["id"].as_str().unwrap();
        h.emu.advance_time(Duration::from_secs(3600 + 150));
        let r = h
            .login_submit(id, json!({"method":"code","identifier":EMAIL}))
            .await;
        assert_eq!(r.status, 410);
        assert_eq!(r.header("ory-error-id"), Some("self_service_flow_expired"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            key_order(&r.text, &[]),
            ["error", "expired_at", "since", "use_flow_id"]
        );
        let body = r.json();
        assert_eq!(body["error"]["id"], "self_service_flow_expired");
        assert_eq!(body["error"]["message"], "self-service flow expired");
        assert_eq!(body["expired_at"], flow["expires_at"]);
        let reason = body["error"]["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("The self-service flow expired 2.5")
                && reason.ends_with(" minutes ago, initialize a new one."),
            "{reason}"
        );
        assert!(body["since"].as_i64().unwrap() >= 150_000_000_000);
        let new_id = body["use_flow_id"].as_str().unwrap();
        assert_ne!(new_id, id);
        let new_flow = h
            .get(&format!("/self-service/login/flows?id={new_id}"))
            .await
            .json();
        assert_eq!(new_flow["state"], "choose_method");
        assert_eq!(new_flow["request_url"], flow["request_url"]);
        let msg = &new_flow["ui"]["messages"][0];
        assert_eq!(msg["id"], 4010001);
        assert!(msg["text"]
            .as_str()
            .unwrap()
            .starts_with("The login flow expired 2.5"));
        assert_eq!(msg["context"]["expired_at"], flow["expires_at"]);
        assert!(msg["context"]["expired_at_unix"].is_i64());
    }
}

#[tokio::test]
async fn protocol_12_expired_code_is_inline_4010008_in_latest_and_410_in_v26() {
    for version in BOTH {
        let h = start(Config {
            code_lifespan: Duration::from_secs(60),
            ..config(version)
        })
        .await;
        h.emu.create_identity(EMAIL, None).unwrap();
        let id = h.login_code_sent(EMAIL).await;
        h.emu.advance_time(Duration::from_secs(120));
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        match version {
            KratosVersion::Latest => {
                assert_eq!(r.status, 400);
                assert_eq!(ui_message_ids(&r.json()), [4010008]);
            }
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => {
                assert_eq!(r.status, 410);
                let body = r.json();
                assert_eq!(body["error"]["id"], "self_service_flow_expired");
                let new_flow = h
                    .get(&format!(
                        "/self-service/login/flows?id={}",
                        body["use_flow_id"].as_str().unwrap()
                    ))
                    .await
                    .json();
                assert_eq!(ui_message_ids(&new_flow), [4010001]);
                // The old flow is untouched and still valid.
                assert_eq!(
                    h.get(&format!("/self-service/login/flows?id={id}"))
                        .await
                        .status,
                    200
                );
            }
        }
    }
}

#[tokio::test]
async fn protocol_6_login_unknown_and_malformed_flow_ids() {
    for version in BOTH {
        let h = start(config(version)).await;
        let unknown = "6f2a1b9e-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
        let r = h.login_submit(unknown, json!({"method":"code"})).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.header("ory-error-id"), Some(""));
        assert_eq!(
            r.json(),
            json!({"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}})
        );
        let r = h.login_submit("not-a-uuid", json!({"method":"code"})).await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json(),
            json!({"error":{"code":400,"status":"Bad Request","reason":"The flow query parameter is missing or malformed.","message":"The request was malformed or contained invalid parameters"}})
        );
        // source notes C4: without JSON negotiation the error goes to the error UI.
        let r = h
            .post_raw(
                &format!("/self-service/login?flow={unknown}"),
                "application/x-www-form-urlencoded",
                "method=code",
                &[],
            )
            .await;
        assert_eq!(r.status, 303);
        let location = r.header("location").unwrap();
        assert!(location.starts_with(&h.url("/ui/error?id=")), "{location}");
        // GET …/flows: unknown and malformed ids are both 404.
        assert_eq!(
            h.get(&format!("/self-service/login/flows?id={unknown}"))
                .await
                .status,
            404
        );
        assert_eq!(h.get("/self-service/login/flows?id=nope").await.status, 404);
        // The request id is echoed as error.request.
        let r = h
            .get_with(
                "/self-service/login/flows?id=nope",
                &[("x-request-id", "req-42")],
            )
            .await;
        assert_eq!(r.json()["error"]["request"], "req-42");
    }
}

#[tokio::test]
async fn protocol_6_login_get_of_an_expired_api_flow_is_410_with_the_api_detail() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_login_flow().await;
        h.emu.advance_time(Duration::from_secs(7200));
        let r = h
            .get(&format!(
                "/self-service/login/flows?id={}",
                flow["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(r.status, 410);
        assert_eq!(
            r.json(),
            json!({"error":{"id":"self_service_flow_expired","code":410,"status":"Gone","reason":"The login flow has expired. Call the login flow init API endpoint to initialize a new login flow.","details":{"api":h.url("/self-service/login/api")},"message":"The requested resource is no longer available because it has expired or is otherwise invalid."}})
        );
    }
}

#[tokio::test]
async fn protocol_2_api_guard_refuses_cookie_and_origin_with_4000001() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let flow = h.api_login_flow().await;
        let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
        let body = json!({"method":"code","identifier":EMAIL});
        let r = h
            .post_json_with(&path, body.clone(), &[("origin", "https://app.example")])
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(ui_message_ids(&f), [4000001]);
        assert!(f["ui"]["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("The HTTP Request Header included the \"Origin\" key"));
        let r = h
            .post_json_with(&path, body.clone(), &[("cookie", "session=1; __cf_bm=x")])
            .await;
        let f = r.json();
        assert!(f["ui"]["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("The HTTP Request Header included the \"Cookie\" key"));
        assert_eq!(
            f["ui"]["messages"][0]["context"].as_object().unwrap().len(),
            1,
            "C7: the cookie names are not exposed"
        );
        // Cloudflare cookies alone pass the guard.
        let r = h
            .post_json_with(&path, body, &[("cookie", "__cf_bm=x; cf_clearance=y")])
            .await;
        assert_eq!(r.json()["state"], "sent_email");
    }
}

#[tokio::test]
async fn protocol_3_method_must_be_code() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let flow = h.api_login_flow().await;
        let id = flow["id"].as_str().unwrap();
        let r = h.login_submit(id, json!({"identifier":EMAIL})).await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["ui"]["messages"],
            json!([{"id":4010002,"text":"Could not find a strategy to log you in with. Did you fill out the form correctly?","type":"error"}])
        );
        // derived: the disabled password strategy claims method=password and answers 404.
        let r = h
            .login_submit(id, json!({"method":"password","identifier":EMAIL}))
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["error"]["reason"], "This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.");
    }
}

#[tokio::test]
async fn protocol_2_decoder_errors_become_4000001_on_the_flow() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_login_flow().await;
        let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
        let r = h
            .post_raw(
                &path,
                "text/plain",
                "method=code",
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["ui"]["messages"][0]["text"],
            "HTTP POST Request used unknown HTTP Header \"Content-Type: text/plain\", only [multipart/form-data application/x-www-form-urlencoded application/json] are supported."
        );
        let r = h
            .post_raw(
                &path,
                "application/json",
                "",
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(
            r.json()["ui"]["messages"][0]["text"],
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero."
        );
    }
}

#[tokio::test]
async fn protocol_2_form_post_to_an_api_flow_without_json_accept_redirects_when_the_code_is_sent() {
    let h = start_with_user(KratosVersion::Latest, EMAIL).await;
    let flow = h.api_login_flow().await;
    let id = flow["id"].as_str().unwrap();
    let r = h
        .post_raw(
            &format!("/self-service/login?flow={id}"),
            "application/x-www-form-urlencoded",
            "method=code&identifier=ada%40example.com",
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(h.url(&format!("/ui/login?flow={id}")).as_str())
    );
    // An error on an API flow is JSON whatever the negotiation.
    let r = h
        .post_raw(
            &format!("/self-service/login?flow={id}"),
            "application/x-www-form-urlencoded",
            "method=code&identifier=ada%40example.com&code=000000",
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(ui_message_ids(&r.json()), [4010008]);
}

#[tokio::test]
async fn protocol_3_json_follows_form_format_and_transient_payload_is_echoed_once() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let flow = h.api_login_flow().await;
        let r = h
            .login_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","identifier":EMAIL,"transient_payload":{"utm":"x"},"unknown":1}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["transient_payload"], json!({"utm":"x"}));
    }
}

#[tokio::test]
async fn protocol_12_disabled_identity_is_4010011_in_latest_and_a_401_envelope_in_v26() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h
            .send(
                h.http
                    .post(h.url("/admin/identities"))
                    .json(&json!({"traits":{"email":EMAIL},"state":"inactive"})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let identity_id = r.json()["id"].as_str().unwrap().to_owned();
        let id = h.login_code_sent(EMAIL).await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        match version {
            KratosVersion::Latest => {
                assert_eq!(r.status, 400);
                let f = r.json();
                assert_eq!(
                    f["ui"]["messages"],
                    json!([{"id":4010011,"text":"This account has been disabled. Please contact support for assistance.","type":"error"}])
                );
                assert_eq!(f["state"], "passed_challenge");
            }
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => {
                assert_eq!(r.status, 401);
                assert_eq!(r.header("ory-error-id"), Some(""));
                assert_eq!(
                    r.json(),
                    json!({"error":{"code":401,"status":"Unauthorized","reason":"This account was disabled.","details":{"identity_id":identity_id},"message":"identity is disabled"}})
                );
            }
        }
    }
}

#[tokio::test]
async fn protocol_6_login_aal_parameter_is_checked() {
    for version in BOTH {
        let h = start(config(version)).await;
        let r = h.get("/self-service/login/api?aal=aal0").await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["reason"], "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got aal0");
        let r = h.get("/self-service/login/api?aal=aal2").await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"]["id"], "session_aal1_required");
    }
}

#[tokio::test]
async fn protocol_12_refresh_login_keeps_the_session_and_says_1010025_only_in_latest() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let token = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await
            .json()["session_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = h
            .get_with(
                "/self-service/login/api?refresh=true",
                &[("x-session-token", &token), ("accept", "application/json")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let flow = r.json();
        assert_eq!(flow["refresh"], true);
        assert_eq!(
            flow["ui"]["messages"],
            json!([{"id":1010003,"text":"Please confirm this action by verifying that it is you.","type":"info"}])
        );
        let path = format!("/self-service/login?flow={}", flow["id"].as_str().unwrap());
        let session = [("x-session-token", token.as_str())];
        let r = h
            .post_json_with(&path, json!({"method":"code","identifier":EMAIL}), &session)
            .await;
        assert_eq!(r.status, 400);
        let expected = match version {
            KratosVersion::Latest => {
                json!([{"id":1010025,"text":"A code was sent to your address. If you didn't receive it, please try again.","type":"info"}])
            }
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => {
                json!([{"id":1010014,"text":"A code was sent to the address you provided. If you didn't receive it, please check the spelling of the address and try again.","type":"info"}])
            }
        };
        assert_eq!(r.json()["ui"]["messages"], expected, "{version}");
        let r = h
            .post_json_with(
                &path,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
                &session,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        assert_eq!(
            body["session_token"],
            token.as_str(),
            "a refresh keeps the session"
        );
        assert_eq!(
            body["session"]["authentication_methods"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(body["session"]["devices"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn source_notes_c2_a_resend_after_an_error_keeps_the_bare_hidden_identifier() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        h.login_submit(
            &id,
            json!({"method":"code","identifier":EMAIL,"code":"000000"}),
        )
        .await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"resend":"code"}),
            )
            .await;
        let f = r.json();
        assert_eq!(
            nodes(&f),
            [
                "default:identifier:hidden",
                "code:method:hidden",
                "code:code:text",
                "code:method:submit",
                "code:resend:submit"
            ]
        );
        assert_eq!(
            node(&f, "identifier")["meta"],
            json!({}),
            "the label lost at the error stays lost"
        );
    }
}

#[tokio::test]
async fn source_notes_c11_a_failed_resend_leaves_the_flow_in_choose_method() {
    for version in BOTH {
        let h = start_with_user(version, EMAIL).await;
        let id = h.login_code_sent(EMAIL).await;
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":"nobody@example.com","resend":"code"}),
            )
            .await;
        let f = r.json();
        assert_eq!(ui_message_ids(&f), [4000035]);
        assert_eq!(f["state"], "choose_method");
        // The next submit with a code sends a new code instead of verifying it.
        let r = h
            .login_submit(
                &id,
                json!({"method":"code","identifier":EMAIL,"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(ui_message_ids(&r.json()), [1010014]);
        assert_eq!(h.emu.messages().len(), 2);
    }
}

#[tokio::test]
async fn protocol_4_code_nodes_match_kratos_native_snapshot() {
    // The code, method and resend nodes of Kratos's snapshot
    // `TestLoginCodeStrategy-test=Native_client-suite=mfa-case=verify_initial_payload_with_fast_login.json`.
    let expected = json!([
        {"type":"input","group":"code","attributes":{"name":"method","type":"hidden","value":"code","disabled":false,"node_type":"input"},"messages":[],"meta":{}},
        {"type":"input","group":"code","attributes":{"name":"code","type":"text","required":true,"autocomplete":"one-time-code","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070013,"text":"Login code","type":"info"}}},
        {"type":"input","group":"code","attributes":{"name":"method","type":"submit","value":"code","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070009,"text":"Continue","type":"info"}}},
        {"type":"input","group":"code","attributes":{"name":"resend","type":"submit","value":"code","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070008,"text":"Resend code","type":"info"}}}
    ]);
    let h = start_with_user(KratosVersion::Latest, EMAIL).await;
    let flow = h.api_login_flow().await;
    let r = h
        .login_submit(
            flow["id"].as_str().unwrap(),
            json!({"method":"code","identifier":EMAIL}),
        )
        .await;
    let nodes = r.json()["ui"]["nodes"].as_array().unwrap()[1..].to_vec();
    assert_eq!(Value::Array(nodes), expected);
}
