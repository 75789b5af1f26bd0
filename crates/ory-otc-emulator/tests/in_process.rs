//! The router driven without a socket (`app(state)` + `oneshot`), and the routes Kratos's router
//! answers itself.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ory_otc_emulator::{app, AppState, Config};
use tower::ServiceExt as _;

async fn call(state: &AppState, req: Request<Body>) -> (StatusCode, String) {
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn protocol_4_the_router_serves_flows_without_a_socket() {
    let state = AppState::new(Config::default(), "http://kratos.test/").unwrap();
    let req = Request::get("/self-service/login/api")
        .header("host", "kratos.test")
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&state, req).await;
    assert_eq!(status, StatusCode::OK);
    let flow: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        flow["request_url"],
        "http://kratos.test/self-service/login/api"
    );
    assert!(flow["ui"]["action"]
        .as_str()
        .unwrap()
        .starts_with("http://kratos.test/self-service/login?flow="));
    assert_eq!(state.request_count(), 1);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_go_router_answers() {
    let state = AppState::new(Config::default(), "http://kratos.test/").unwrap();
    let (status, body) = call(&state, Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::NOT_FOUND, "404 page not found\n")
    );
    let (status, body) = call(
        &state,
        Request::put("/self-service/login")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n")
    );
}

#[tokio::test]
async fn https_public_urls_mark_cookies_secure() {
    let state = AppState::new(Config::default(), "https://auth.example.com/").unwrap();
    let req = Request::get("/self-service/login/browser")
        .header("accept", "application/json")
        .body(Body::empty())
        .unwrap();
    let res = app(state).oneshot(req).await.unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.ends_with("; HttpOnly; Secure; SameSite=Lax"),
        "{cookie}"
    );
}
