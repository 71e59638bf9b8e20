//! Every failure has one JSON shape, `{"error": {"code", "message"}}`, and is a 4xx when the
//! client is at fault.

use axum::Router;
use axum::routing::post;
use concierge::error::AppJson;
use serde::Deserialize;
use serde_json::Value;

use crate::helpers::TestApp;

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, body)
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = TestApp::spawn().await;
    let (status, body) = error_of(app.get("/no/such/thing").await).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn wrong_methods_get_a_json_405() {
    let app = TestApp::spawn().await;
    let response = app.client.delete(app.url("/healthz")).send().await.unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id");
    assert_eq!(id.len(), 36);
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Greeting {
    name: String,
}

/// A router using the app's JSON extractor, served the same way the app is.
async fn json_endpoint(limit: usize) -> String {
    let app = Router::new()
        .route(
            "/echo",
            post(|AppJson(g): AppJson<Greeting>| async move {
                AppJson(serde_json::json!({"hello": g.name}))
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(limit));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("{address}/echo")
}

#[tokio::test]
async fn the_json_extractor_answers_bad_bodies_with_our_shape() {
    let url = json_endpoint(64).await;
    let client = crate::helpers::http();
    let send = |body: Vec<u8>, content_type: &'static str| {
        client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let ok = send(br#"{"name":"Ada"}"#.to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["hello"], "Ada");

    let (status, _) = error_of(
        send(b"{not json".to_vec(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "syntax error");
    let (status, _) = error_of(
        send(br#"{"name":7}"#.to_vec(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "wrong shape");
    let (status, _) = error_of(
        send(b"{\"name\":\"\xff\xfe\"}".to_vec(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "invalid UTF-8");
    let (status, _) = error_of(
        send(br#"{"name":"Ada"}"#.to_vec(), "text/plain")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 415, "not JSON");
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(100));
    let (status, body) = error_of(send(big.into_bytes(), "application/json").await.unwrap()).await;
    assert_eq!(status, 413, "too large");
    assert_eq!(body["error"]["code"], "payload_too_large");
}
