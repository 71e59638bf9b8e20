//! Every admin endpoint added for the App Home refuses a caller who is not the shop's admin
//! (401 in the JSON error shape), and one shop's admin reaches nothing of another shop's.

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_settings::{Admin, body};
use crate::helpers::{TEST_API_SECRET, TestApp, install_shop, session_token_with as token};

const SHOP: &str = "auth-admin.myshopify.com";
const OTHER: &str = "auth-other.myshopify.com";

/// Every endpoint of the App Home's API beyond those that existed before it.
pub fn endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/settings", None),
        (Method::PUT, "/api/settings", Some(body())),
        (
            Method::POST,
            "/api/settings/model/test",
            Some(json!({"provider": "local"})),
        ),
        (Method::GET, "/api/settings/audit", None),
        (Method::GET, "/api/home", None),
        (Method::GET, "/api/faq", None),
        (
            Method::PUT,
            "/api/faq/faq:x",
            Some(json!({"question": "Q?", "answer": "A."})),
        ),
        (Method::PUT, "/api/faq/order", Some(json!({"ids": []}))),
        (Method::GET, "/api/search?q=returns", None),
        (Method::GET, "/api/documents", None),
        (Method::GET, "/api/playground/customers", None),
        (
            Method::POST,
            "/api/playground/sessions",
            Some(json!({"customer_id": null})),
        ),
        (
            Method::GET,
            "/api/playground/conversations/0190c0de-0000-7000-8000-000000000000/trace",
            None,
        ),
    ]
}

#[tokio::test]
async fn every_new_admin_endpoint_refuses_anyone_but_the_shops_admin() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let callers = [
        ("no token", None),
        (
            "expired",
            Some(token(SHOP, TEST_API_SECRET, |c| {
                c.exp -= 3_600;
                c.nbf -= 3_600;
                c.iat -= 3_600;
            })),
        ),
        (
            "wrong signature",
            Some(token(SHOP, "another-secret", |_| {})),
        ),
        (
            "another app",
            Some(token(SHOP, TEST_API_SECRET, |c| c.aud = "other-app".into())),
        ),
        (
            "a shop without the app",
            Some(token(OTHER, TEST_API_SECRET, |_| {})),
        ),
    ];
    let mut failures = Vec::new();
    for (who, bearer) in &callers {
        for (method, path, body) in endpoints() {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let error: Value = response.json().await.unwrap_or(Value::Null);
            if status != 401 || !error["error"]["message"].is_string() {
                failures.push(format!("{who}: {method} {path} → {status} {error}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn one_shops_admin_reaches_nothing_of_another_shops() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    install_shop(&app.db, OTHER).await;
    let mine = Admin {
        app: &app,
        shop: SHOP,
    };
    let theirs = Admin {
        app: &app,
        shop: OTHER,
    };
    assert_eq!(mine.put("/api/settings", body()).await.0, 200);
    let (_, faq) = mine
        .post(
            "/api/faq",
            json!({"question": "Secret sale?", "answer": "Friday, 50% off."}),
        )
        .await;
    let id = faq["id"].as_str().unwrap();
    let (_, session) = mine
        .post("/api/playground/sessions", json!({"customer_id": null}))
        .await;
    let conversation: Value = app
        .client
        .post(app.url("/chat/conversations"))
        .bearer_auth(session["token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let (_, settings) = theirs.get("/api/settings").await;
    assert_eq!(settings["settings"]["assistant_name"], "Concierge");
    assert_eq!(
        theirs.get("/api/settings/audit").await.1["changes"],
        json!([])
    );
    assert_eq!(theirs.get("/api/faq").await.1["entries"], json!([]));
    assert_eq!(
        theirs
            .put(
                &format!("/api/faq/{id}"),
                json!({"question": "Mine?", "answer": "Now."})
            )
            .await
            .0,
        404
    );
    assert_eq!(
        theirs.put("/api/faq/order", json!({"ids": [id]})).await.0,
        422
    );
    assert_eq!(
        theirs.get("/api/search?q=secret%20sale").await.1["hits"],
        json!([])
    );
    assert_eq!(theirs.get("/api/documents").await.1["documents"], json!([]));
    let trace = format!(
        "/api/playground/conversations/{}/trace",
        conversation["id"].as_str().unwrap()
    );
    assert_eq!(mine.get(&trace).await.0, 200);
    assert_eq!(theirs.get(&trace).await.0, 404);
    let (_, listed) = mine.get("/api/faq").await;
    assert_eq!(listed["entries"][0]["answer"], "Friday, 50% off.");
}

#[tokio::test]
async fn bad_input_to_the_new_endpoints_gets_a_4xx_in_the_error_shape() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let with = |key: &str, value: Value| {
        let mut settings = body();
        settings[key] = value;
        settings
    };
    let long = "x".repeat(501);
    let probes: Vec<(Method, String, Value)> = vec![
        (
            Method::PUT,
            "/api/settings".into(),
            with("greeting", json!("x".repeat(301))),
        ),
        (
            Method::PUT,
            "/api/settings".into(),
            with("assistant_name", json!("x".repeat(61))),
        ),
        (
            Method::PUT,
            "/api/settings".into(),
            with("languages", json!("en")),
        ),
        (
            Method::PUT,
            "/api/settings".into(),
            with("languages", json!([])),
        ),
        (
            Method::PUT,
            "/api/settings".into(),
            with(
                "handoff",
                json!({"mode": "on_request", "keywords": vec!["k"; 51]}),
            ),
        ),
        (Method::PUT, "/api/settings".into(), json!([1, 2])),
        (Method::PUT, "/api/settings".into(), json!({})),
        (
            Method::POST,
            "/api/settings/model/test".into(),
            json!({"provider": 7}),
        ),
        (
            Method::POST,
            "/api/settings/model/test".into(),
            json!({"provider": "openai", "base_url": "https://api.example/v1", "model": "m", "api_key": "has space"}),
        ),
        (
            Method::PUT,
            "/api/faq/order".into(),
            json!({"ids": "faq:1"}),
        ),
        (
            Method::PUT,
            "/api/faq/faq:x".into(),
            json!({"question": 1, "answer": "A."}),
        ),
        (
            Method::POST,
            "/api/playground/sessions".into(),
            json!({"customer_id": -1}),
        ),
        (
            Method::POST,
            "/api/playground/sessions".into(),
            json!({"customer": 1}),
        ),
        (Method::GET, format!("/api/search?q={long}"), Value::Null),
        (
            Method::GET,
            "/api/settings/audit?limit=many".into(),
            Value::Null,
        ),
        (
            Method::GET,
            "/api/playground/conversations/not-a-uuid/trace".into(),
            Value::Null,
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body) in probes {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = admin.send(method.clone(), &path, body.clone()).await;
        if !(400..500).contains(&status) || !answer["error"]["message"].is_string() {
            failures.push(format!("{method} {path} {body:?} → {status} {answer}"));
        }
    }
    // Not JSON at all.
    let response = app
        .client
        .put(app.url("/api/settings"))
        .bearer_auth(crate::helpers::session_token(SHOP))
        .header("content-type", "text/plain")
        .body("assistant_name=Pine")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
