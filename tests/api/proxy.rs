//! The app proxy and session-token extractors: the only doors through which a handler learns
//! who is asking.

use axum::Router;
use axum::routing::get;
use concierge::shopify::proxy::AppProxy;
use concierge::shopify::session_token::{Claims, SessionToken, mint};
use concierge::shopify::signature::{app_proxy_message, sign_hex};
use serde_json::{Value, json};

use crate::helpers::{TEST_API_KEY, TEST_API_SECRET, TestDb, http, serve, state};

async fn app() -> (String, TestDb) {
    let db = TestDb::migrated().await;
    let router = Router::new()
        .route(
            "/proxy/whoami",
            get(|p: AppProxy| async move {
                axum::Json(json!({"shop": p.shop.as_str(), "customer": p.logged_in_customer_id}))
            }),
        )
        .route(
            "/api/whoami",
            get(|t: SessionToken| async move {
                axum::Json(json!({"shop": t.shop.as_str(), "user": t.claims.sub}))
            }),
        )
        .with_state(state(&db, &[]).await);
    (serve(router).await, db)
}

pub fn proxy_query(params: &[(&str, &str)], secret: &str) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let signature = sign_hex(secret.as_bytes(), app_proxy_message(&owned).as_bytes());
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    query.append_pair("signature", &signature);
    query.finish()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn get_json(url: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = http().get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn app_proxy_requests_are_verified_before_a_handler_sees_them() {
    let (base, _db) = app().await;
    let ts = now().to_string();
    let params = [
        ("logged_in_customer_id", "7001"),
        ("path_prefix", "/apps/concierge"),
        ("shop", "harbor-and-pine.myshopify.com"),
        ("timestamp", ts.as_str()),
    ];
    let good = proxy_query(&params, TEST_API_SECRET);
    let (status, body) = get_json(&format!("{base}/proxy/whoami?{good}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"shop": "harbor-and-pine.myshopify.com", "customer": "7001"})
    );
    // Replays within the window are the same request (Shopify signs per second).
    assert_eq!(
        get_json(&format!("{base}/proxy/whoami?{good}"), None)
            .await
            .0,
        200
    );

    let spoofed = good.replace("logged_in_customer_id=7001", "logged_in_customer_id=7002");
    let flipped = {
        let mut b = good.clone().into_bytes();
        let last = b.len() - 1;
        b[last] = if b[last] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let unsigned: String = good
        .split('&')
        .filter(|p| !p.starts_with("signature="))
        .collect::<Vec<_>>()
        .join("&");
    let stale_ts = (now() - 300).to_string();
    let stale = proxy_query(
        &[
            ("path_prefix", "/apps/concierge"),
            ("shop", "harbor-and-pine.myshopify.com"),
            ("timestamp", stale_ts.as_str()),
        ],
        TEST_API_SECRET,
    );
    let foreign = proxy_query(&params, "someone-elses-secret");
    let doubled = format!("{good}&logged_in_customer_id=1");
    let anonymous_spoof = format!(
        "{}&logged_in_customer_id=7001",
        proxy_query(&params[1..], TEST_API_SECRET)
    );

    for (name, query, expected) in [
        ("customer id changed", &spoofed, 401),
        ("flipped signature byte", &flipped, 401),
        ("missing signature", &unsigned, 401),
        ("stale timestamp (a replay after 90 s)", &stale, 401),
        ("another app's secret", &foreign, 401),
        ("duplicated customer id", &doubled, 400),
        (
            "customer id added to an anonymous request",
            &anonymous_spoof,
            401,
        ),
    ] {
        let (status, body) = get_json(&format!("{base}/proxy/whoami?{query}"), None).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert!(body["error"]["message"].is_string(), "{name}: {body}");
    }
}

fn claims(exp_in: i64) -> Claims {
    let now = now();
    Claims {
        iss: "https://harbor-and-pine.myshopify.com/admin".into(),
        dest: "https://harbor-and-pine.myshopify.com".into(),
        aud: TEST_API_KEY.into(),
        sub: "901".into(),
        exp: now + exp_in,
        nbf: now - 1,
        iat: now - 1,
        jti: uuid::Uuid::new_v4().to_string(),
        sid: "s".into(),
    }
}

#[tokio::test]
async fn session_tokens_are_verified_before_a_handler_sees_them() {
    let (base, _db) = app().await;
    let url = format!("{base}/api/whoami");
    let good = mint(TEST_API_SECRET.as_bytes(), &claims(60));
    let (status, body) = get_json(&url, Some(&good)).await;
    assert_eq!(
        (status, body["shop"].as_str()),
        (200, Some("harbor-and-pine.myshopify.com"))
    );
    // The same token again inside its minute is how App Bridge works: accepted.
    assert_eq!(get_json(&url, Some(&good)).await.0, 200);

    let expired = mint(TEST_API_SECRET.as_bytes(), &claims(-30));
    let foreign = mint(b"someone-elses-secret", &claims(60));
    let mut other_app = claims(60);
    other_app.aud = "other-app".into();
    let other_app = mint(TEST_API_SECRET.as_bytes(), &other_app);
    let flipped = {
        let mut b = good.clone().into_bytes();
        let i = b.len() - 2;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    for (name, token) in [
        ("missing", None),
        (
            "expired (a replay after its minute)",
            Some(expired.as_str()),
        ),
        ("another app's secret", Some(foreign.as_str())),
        ("another app's audience", Some(other_app.as_str())),
        ("flipped signature byte", Some(flipped.as_str())),
        ("garbage", Some("not.a.token")),
    ] {
        let (status, body) = get_json(&url, token).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
}
