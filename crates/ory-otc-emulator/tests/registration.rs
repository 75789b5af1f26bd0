//! Registration with the code method over real HTTP, API flows (docs/kratos-protocol.md §4, §6
//! "Registration", §8, §12).

mod support;

use std::time::Duration;

use ory_otc_emulator::RegistrationStyle;
use support::*;

const EMAIL: &str = "grace@example.com";

fn traits_node() -> Value {
    json!({"type":"input","group":"default","attributes":{"name":"traits.email","type":"email","required":true,"autocomplete":"email","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}}})
}

#[tokio::test]
async fn protocol_4_registration_flow_profile_first_and_unified() {
    let h = start(config(KratosVersion::Latest)).await;
    let r = h.get("/self-service/registration/api").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        key_order(&r.text, &[]),
        [
            "id",
            "type",
            "expires_at",
            "issued_at",
            "request_url",
            "ui",
            "organization_id",
            "state"
        ]
    );
    let flow = r.json();
    assert_eq!(flow["state"], "choose_method");
    assert_eq!(
        flow["ui"]["nodes"],
        json!([
            {"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}},
            traits_node(),
            {"type":"input","group":"profile","attributes":{"name":"method","type":"submit","value":"profile","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1040001,"text":"Sign up","type":"info"}}}
        ])
    );
    let h = start(Config {
        registration_style: RegistrationStyle::Unified,
        ..config(KratosVersion::Latest)
    })
    .await;
    let flow = h.api_registration_flow().await;
    assert_eq!(
        nodes(&flow),
        [
            "default:csrf_token:hidden",
            "default:traits.email:email",
            "code:method:submit"
        ]
    );
    assert_eq!(
        node(&flow, "method")["meta"]["label"],
        json!({"id":1040006,"text":"Send sign up code","type":"info"})
    );
}

#[tokio::test]
async fn protocol_6_registration_code_sent_in_both_versions() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        let r = h
            .registration_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","traits":{"email":EMAIL}}),
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(f["state"], "sent_email");
        assert_eq!(f["active"], "code");
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":1040005,"text":"A code has been sent to the address(es) you provided. If you have not received a message, check the spelling of the address and retry the registration.","type":"info"}])
        );
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:traits.email:hidden",
                "code:method:hidden",
                "code:code:text",
                "code:method:submit",
                "code:resend:submit",
                "profile:screen:submit"
            ]
        );
        assert_eq!(node(&f, "traits.email")["attributes"]["value"], EMAIL);
        assert_eq!(node(&f, "code")["meta"]["label"]["id"], 1070012);
        assert_eq!(
            node(&f, "screen")["meta"]["label"],
            json!({"id":1040008,"text":"Back","type":"info"})
        );
        assert_eq!(
            node(&f, "screen")["attributes"]["value"],
            "credential-selection"
        );
        let has_autocomplete = node(&f, "code")["attributes"].get("autocomplete").is_some();
        assert_eq!(has_autocomplete, version == KratosVersion::Latest);
        let msg = &h.emu.messages()[0];
        let code = h.code(EMAIL);
        assert_eq!(msg.template_type, "registration_code_valid");
        assert_eq!(
            msg.subject.expose(),
            format!("Use code {code} to complete your account registration")
        );
        assert_eq!(
            msg.body.expose(),
            format!("Complete your account registration with the following code:\n\n{code}\n\nThis code expires in 60 minutes.\n")
        );
    }
}

#[tokio::test]
async fn protocol_6_registration_invalid_email_is_4000040_on_the_trait_node() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        let r = h
            .registration_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","traits":{"email":"asdf"}}),
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(f["state"], "choose_method");
        assert_eq!(
            node(&f, "traits.email")["messages"],
            json!([{"id":4000040,"text":"Enter a valid email address","type":"error","context":{"value":"asdf"}}])
        );
        assert_eq!(node(&f, "traits.email")["attributes"]["value"], "asdf");
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:traits.email:email",
                "profile:method:submit"
            ]
        );
        assert!(h.emu.messages().is_empty());
    }
}

#[tokio::test]
async fn protocol_6_registration_missing_email_is_4000002() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        let id = flow["id"].as_str().unwrap();
        for body in [
            json!({"method":"code","traits":{}}),
            json!({"method":"code"}),
            json!({"method":"code","traits.email":""}),
        ] {
            let r = h.registration_submit(id, body.clone()).await;
            assert_eq!(r.status, 400);
            // derived (decoderx): a missing traits object decodes as {}, so the schema reports the
            // missing e-mail property.
            assert_eq!(
                node(&r.json(), "traits.email")["messages"],
                json!([{"id":4000002,"text":"Property email is missing.","type":"error","context":{"property":"email"}}]),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn protocol_3_dotted_traits_are_accepted_in_json_and_forms() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        let r = h
            .registration_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","traits.email":EMAIL}),
            )
            .await;
        assert_eq!(r.json()["state"], "sent_email");
        let flow = h.api_registration_flow().await;
        let r = h
            .post_raw(
                &format!(
                    "/self-service/registration?flow={}",
                    flow["id"].as_str().unwrap()
                ),
                "application/x-www-form-urlencoded",
                "method=code&traits.email=x%40example.com",
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["state"], "sent_email");
    }
}

#[tokio::test]
async fn protocol_6_registration_wrong_code_mismatch_and_too_often() {
    for version in BOTH {
        let h = start(config(version)).await;
        let id = h.registration_code_sent(EMAIL).await;
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":"000000"}),
            )
            .await;
        let f = r.json();
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4040003,"text":"The registration code is invalid or has already been used. Please try again.","type":"error"}])
        );
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:traits.email:hidden",
                "code:code:text",
                "code:resend:submit",
                "code:method:hidden",
                "code:method:submit",
                "profile:screen:submit"
            ]
        );
        for _ in 0..4 {
            h.registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":"000000"}),
            )
            .await;
        }
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(ui_message_ids(&r.json()), [4000001]);
        assert_eq!(
            r.json()["ui"]["messages"][0]["text"],
            "The request was submitted too often. Please request another code."
        );
    }
}

#[tokio::test]
async fn protocol_6_registration_traits_mismatch_is_4000036_and_burns_the_code_after() {
    for version in BOTH {
        let h = start(config(version)).await;
        let id = h.registration_code_sent(EMAIL).await;
        let changed =
            json!({"method":"code","traits":{"email":"other@example.com"},"code":h.code(EMAIL)});
        let r = h.registration_submit(&id, changed.clone()).await;
        let f = r.json();
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4000036,"text":"The provided traits do not match the traits previously associated with this flow.","type":"error"}])
        );
        // source notes C10: the hidden node now holds the changed value, so the same changed
        // traits pass the check, the code is consumed, and the address check answers 4040003.
        assert_eq!(
            node(&f, "traits.email")["attributes"]["value"],
            "other@example.com"
        );
        let r = h.registration_submit(&id, changed).await;
        assert_eq!(ui_message_ids(&r.json()), [4040003]);
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(ui_message_ids(&r.json()), [4000036]);
    }
}

#[tokio::test]
async fn protocol_6_registration_success_with_and_without_the_session_hook() {
    let h = start(config(KratosVersion::Latest)).await;
    let id = h.registration_code_sent(EMAIL).await;
    let r = h
        .registration_submit(
            &id,
            json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        key_order(&r.text, &[]),
        ["session_token", "session", "identity", "continue_with"]
    );
    let body = r.json();
    let token = body["session_token"].as_str().unwrap();
    assert_eq!(
        body["continue_with"],
        json!([{"action":"set_ory_session_token","ory_session_token":token}])
    );
    let identity = &body["identity"];
    assert_eq!(identity["traits"], json!({"email":EMAIL}));
    assert_eq!(
        identity["verifiable_addresses"][0]["verified"], true,
        "§6: the address that got the code is verified"
    );
    assert!(identity.get("credentials").is_none() && identity.get("recovery_addresses").is_none());
    assert_eq!(
        key_order(&r.text, &["identity"]),
        [
            "id",
            "schema_id",
            "schema_url",
            "state",
            "state_changed_at",
            "traits",
            "verifiable_addresses",
            "metadata_public",
            "created_at",
            "updated_at",
            "organization_id"
        ]
    );
    assert_eq!(
        h.get_with(
            "/sessions/whoami",
            &[("authorization", &format!("Bearer {token}"))]
        )
        .await
        .status,
        200
    );

    let h = start(Config {
        session_after_registration: false,
        ..config(KratosVersion::Latest)
    })
    .await;
    let id = h.registration_code_sent(EMAIL).await;
    let r = h
        .registration_submit(
            &id,
            json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(key_order(&r.text, &[]), ["identity", "continue_with"]);
    assert_eq!(r.json()["continue_with"], Value::Null);
}

#[tokio::test]
async fn protocol_6_registration_duplicate_only_after_the_code() {
    for version in BOTH {
        let h = start(config(version)).await;
        h.emu.create_identity(EMAIL, None).unwrap();
        let id = h.registration_code_sent(EMAIL).await;
        assert_eq!(h.emu.messages().len(), 1, "no pre-check at send time");
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(f["state"], "passed_challenge");
        assert_eq!(
            f["ui"]["messages"],
            json!([{"id":4000007,"text":"An account with the same identifier (email, phone, username, ...) exists already.","type":"error"}])
        );
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await;
        assert_eq!(ui_message_ids(&r.json()), [4010003]);
    }
}

#[tokio::test]
async fn protocol_6_registration_session_already_available() {
    for version in BOTH {
        let h = start(config(version)).await;
        let id = h.registration_code_sent(EMAIL).await;
        let token = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await
            .json()["session_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = h
            .get_with(
                "/self-service/registration/api",
                &[("x-session-token", &token)],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json(),
            json!({"error":{"id":"session_already_available","code":400,"status":"Bad Request","reason":"A valid session was detected and thus registration is not possible.","message":"you are already logged in"}})
        );
        // source notes C3: the middleware runs before the flow is loaded; non-JSON gets 302.
        let r = h
            .post_json_with(
                "/self-service/registration?flow=garbage",
                json!({}),
                &[("x-session-token", &token)],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["id"], "session_already_available");
        let r = h
            .post_raw(
                "/self-service/registration?flow=garbage",
                "application/x-www-form-urlencoded",
                "method=code",
                &[("x-session-token", &token)],
            )
            .await;
        assert_eq!(r.status, 302);
    }
}

#[tokio::test]
async fn protocol_6_registration_expired_flow_is_410_with_4040001() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        h.emu.advance_time(Duration::from_secs(3601));
        let r = h
            .registration_submit(
                flow["id"].as_str().unwrap(),
                json!({"method":"code","traits":{"email":EMAIL}}),
            )
            .await;
        assert_eq!(r.status, 410);
        let new_id = r.json()["use_flow_id"].as_str().unwrap().to_owned();
        let new_flow = h
            .get(&format!("/self-service/registration/flows?id={new_id}"))
            .await
            .json();
        assert_eq!(ui_message_ids(&new_flow), [4040001]);
        assert!(new_flow["ui"]["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("The registration flow expired 0.0"));
    }
}

#[tokio::test]
async fn protocol_12_expired_registration_code_differs_between_versions() {
    for version in BOTH {
        let h = start(Config {
            code_lifespan: Duration::from_secs(60),
            ..config(version)
        })
        .await;
        let id = h.registration_code_sent(EMAIL).await;
        h.emu.advance_time(Duration::from_secs(61));
        let r = h
            .registration_submit(
                &id,
                json!({"method":"code","traits":{"email":EMAIL},"code":h.code(EMAIL)}),
            )
            .await;
        match version {
            KratosVersion::Latest => assert_eq!(ui_message_ids(&r.json()), [4040003]),
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => {
                assert_eq!(r.status, 410);
                let new_id = r.json()["use_flow_id"].as_str().unwrap().to_owned();
                let new_flow = h
                    .get(&format!("/self-service/registration/flows?id={new_id}"))
                    .await
                    .json();
                assert_eq!(ui_message_ids(&new_flow), [4040001]);
            }
        }
    }
}

#[tokio::test]
async fn protocol_4_profile_first_credential_selection_and_back() {
    for version in BOTH {
        let h = start(config(version)).await;
        let flow = h.api_registration_flow().await;
        let id = flow["id"].as_str().unwrap();
        let r = h
            .registration_submit(id, json!({"method":"profile","traits":{"email":EMAIL}}))
            .await;
        assert_eq!(r.status, 400);
        let f = r.json();
        assert_eq!(ui_message_ids(&f), [1040009]);
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:traits.email:hidden",
                "code:method:submit",
                "profile:screen:submit"
            ]
        );
        let r = h
            .registration_submit(id, json!({"screen":"previous","traits":{"email":EMAIL}}))
            .await;
        let f = r.json();
        assert_eq!(
            nodes(&f),
            [
                "default:csrf_token:hidden",
                "default:traits.email:email",
                "profile:method:submit"
            ]
        );
        assert_eq!(node(&f, "traits.email")["attributes"]["value"], EMAIL);
    }
}
