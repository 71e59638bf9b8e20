//! The abuse suite: what an attacker found against the demo (issue 12), kept as tests so that
//! it stays closed. Every answer to a bad request is a 4xx in our one JSON error shape, never
//! a 500 and never axum's plain text; metrics do not grow with what clients send and are not
//! public; a shop that is gone refuses its old visitor tokens; source URLs and app-proxy
//! parameters are bounded and unambiguous.

use std::time::Duration;

use concierge::chat::visitor::Visitor;
use concierge::shopify::ShopDomain;
use concierge::shopify::signature::sign_base64;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TEST_API_SECRET, TestApp, TestDb, assert_shop_erased, eventually, install_shop, session_token,
};
use crate::proxy::proxy_query;

const SHOP: &str = "abuse-test.myshopify.com";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An App Bridge session token for `SHOP`'s admin.
fn session() -> String {
    session_token(SHOP)
}

/// A visitor token for a new anonymous visitor of `SHOP`.
fn visitor(shop_id: i64) -> String {
    Visitor {
        shop_id,
        shop: ShopDomain::parse(SHOP).unwrap(),
        visitor_id: Uuid::new_v4(),
        customer_id: None,
        playground: false,
    }
    .token(TEST_API_SECRET.as_bytes(), now())
}

/// One request of the suite: method, path (sent as is, percent-escapes included), an optional
/// bearer token, content type and body.
#[derive(Clone)]
struct Probe {
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Probe {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            token: None,
            content_type: None,
            body: Vec::new(),
        }
    }

    fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    fn bearer(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    fn json(self, body: &Value) -> Self {
        self.raw("application/json", serde_json::to_vec(body).unwrap())
    }

    fn raw(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type);
        self.body = body.into();
        self
    }

    fn name(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(60).collect();
        format!(
            "{} {} [{}] {body:?}",
            self.method,
            self.path.chars().take(120).collect::<String>(),
            self.content_type.unwrap_or("-")
        )
    }

    /// Sends it; the status and the body, if it was JSON.
    async fn send(&self, app: &TestApp) -> (u16, Option<Value>) {
        let mut request = app
            .client
            .request(self.method.clone(), app.url(&self.path))
            .timeout(Duration::from_secs(20))
            .body(self.body.clone());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = self.content_type {
            request = request.header("content-type", content_type);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        let status = response.status().as_u16();
        let json = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        let text = response.text().await.unwrap_or_default();
        let body = json
            .then(|| serde_json::from_str(&text).ok())
            .flatten()
            .or_else(|| Some(json!({ "plain text": text })).filter(|_| !json));
        (status, body)
    }

    /// `None` if the answer is a 4xx in our error shape, else what is wrong with it.
    async fn refused(&self, app: &TestApp) -> Option<String> {
        let (status, body) = self.send(app).await;
        let shaped = body
            .as_ref()
            .is_some_and(|b| b["error"]["code"].is_string() && b["error"]["message"].is_string());
        if (400..500).contains(&status) && shaped {
            None
        } else {
            Some(format!(
                "{}: {status} {}",
                self.name(),
                body.unwrap_or_default()
            ))
        }
    }
}

/// Sends every probe; fails listing each answer that was not a 4xx in our error shape.
async fn assert_all_refused(app: &TestApp, probes: &[Probe]) {
    let mut failures = Vec::new();
    for probe in probes {
        if let Some(failure) = probe.refused(app).await {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} probes were not a 4xx in the JSON error shape:\n{}",
        failures.len(),
        probes.len(),
        failures.join("\n")
    );
}

/// The app with `SHOP` installed: its id, a visitor token and one of the visitor's
/// conversations.
async fn shop_with_conversation(app: &TestApp) -> (i64, String, String) {
    let shop_id = install_shop(&app.db, SHOP).await;
    let token = visitor(shop_id);
    let (status, body) = Probe::post("/chat/conversations")
        .bearer(&token)
        .json(&json!({"locale": "en"}))
        .send(app)
        .await;
    assert_eq!(status, 201, "{body:?}");
    let conversation = body.unwrap()["id"].as_str().unwrap().to_owned();
    (shop_id, token, conversation)
}

/// A webhook signed with the app's secret.
async fn deliver(app: &TestApp, path: &str, topic: &str, body: &[u8]) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header("x-shopify-shop-domain", SHOP)
        .header("x-shopify-event-id", Uuid::new_v4().to_string())
        .header("x-shopify-api-version", "2026-10")
        .header(
            "x-shopify-hmac-sha256",
            sign_base64(TEST_API_SECRET.as_bytes(), body),
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

// Item 3: NUL (U+0000), which PostgreSQL text cannot hold, in every text input.

#[tokio::test]
async fn nul_characters_get_a_clear_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let (_, token, c) = shop_with_conversation(&app).await;
    let admin = session();
    let nul = "\u{0}";
    let probes = [
        Probe::post(format!("/chat/conversations/{c}/messages"))
            .bearer(&token)
            .json(&json!({"text": format!("hello{nul}there")})),
        Probe::post(format!("/chat/conversations/{c}/messages"))
            .bearer(&token)
            .json(&json!({"text": "hello", "client_id": format!("m{nul}1")})),
        Probe::post("/chat/conversations")
            .bearer(&token)
            .json(&json!({"locale": format!("en{nul}")})),
        Probe::post(format!("/chat/conversations/{c}/contact"))
            .bearer(&token)
            .json(&json!({"email": format!("ada{nul}@example.com")})),
        Probe::post("/api/faq")
            .bearer(&admin)
            .json(&json!({"question": format!("Returns{nul}?"), "answer": "30 days."})),
        Probe::post("/api/faq")
            .bearer(&admin)
            .json(&json!({"question": "Returns?", "answer": format!("30{nul} days.")})),
        Probe::post("/api/sources")
            .bearer(&admin)
            .json(&json!({"kind": "web", "url": format!("https://example.com/{nul}")})),
        Probe::post(format!("/api/inbox/conversations/{c}/messages"))
            .bearer(&admin)
            .json(&json!({"text": format!("on it{nul}")})),
        Probe::post("/api/files?name=guide%00.txt")
            .bearer(&admin)
            .raw("text/plain", "Returns within 30 days."),
        Probe::new(Method::DELETE, "/api/faq/faq:%00").bearer(&admin),
        Probe::new(Method::PUT, "/api/faq/faq:%00")
            .bearer(&admin)
            .json(&json!({"question": "Returns?", "answer": "30 days."})),
        Probe::new(Method::PUT, "/api/faq/faq:x")
            .bearer(&admin)
            .json(&json!({"question": format!("Returns{nul}?"), "answer": "30 days."})),
        Probe::new(Method::PUT, "/api/faq/order")
            .bearer(&admin)
            .json(&json!({"ids": [format!("faq:{nul}")]})),
        Probe::new(Method::PUT, "/api/settings")
            .bearer(&admin)
            .json(&json!({"assistant_name": format!("Pine{nul}")})),
        Probe::post("/api/settings/model/test")
            .bearer(&admin)
            .json(&json!({"provider": "openai", "base_url": format!("https://x.example/{nul}"), "model": "m"})),
        Probe::get("/api/search?q=%00").bearer(&admin),
        Probe::get("/api/documents?q=%00").bearer(&admin),
        Probe::get("/api/playground/conversations/%00/trace").bearer(&admin),
        Probe::new(Method::DELETE, "/api/sources/%00").bearer(&admin),
        Probe::get("/chat/conversations/%00").bearer(&token),
        Probe::get(format!("/chat/conversations/{c}/attachments/%00")).bearer(&token),
    ];
    assert_all_refused(&app, &probes).await;
    // Nothing of it was stored.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_signed_webhook_holding_nul_is_acknowledged_and_kept_with_the_nul_escaped() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let body = br#"{"id": 8100000000001, "admin_graphql_api_id": "gid://shopify/Product/8100000000001", "title": "Tarp\u0000", "note\u0000": "x"}"#;
    let (status, answer) = deliver(&app, "/webhooks", "products/update", body).await;
    // Shopify retries anything but a 2xx for hours: a body we cannot store as is must still be
    // acknowledged, and kept.
    assert_eq!((status, answer["status"].as_str()), (200, Some("accepted")));
    let payload: Value = sqlx::query_scalar("SELECT payload FROM webhook_events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(payload["title"], "Tarp\\u0000", "{payload}");
    assert_eq!(payload["note\\u0000"], "x", "{payload}");
    assert_eq!(payload["id"], 8100000000001_u64);
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'webhook'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(queued, 1);
}

// Item 4: card numbers as shoppers type them are redacted before the message is stored (the
// formats themselves are table-tested in `chat::redact`).

#[tokio::test]
async fn card_numbers_in_any_format_are_redacted_before_they_are_stored() {
    let app = TestApp::spawn().await;
    let (_, token, c) = shop_with_conversation(&app).await;
    let said = [
        "my card 4111.1111.1111.1111 thanks",
        "my card 4111\u{a0}1111\u{a0}1111\u{a0}1111 thanks",
        "my card 4111\t1111\t1111\t1111 thanks",
        "my card\n4111\n1111\n1111\n1111\nthanks",
        "بطاقتي ٤١١١ ١١١١ ١١١١ ١١١١ شكرا",
        "カード ４１１１ １１１１ １１１１ １１１１ です",
    ];
    for (i, text) in said.iter().enumerate() {
        let (status, _) = Probe::post(format!("/chat/conversations/{c}/messages"))
            .bearer(&token)
            .json(&json!({"text": text, "client_id": format!("m{i}")}))
            .send(&app)
            .await;
        assert_eq!(status, 200, "{text}");
    }
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT content FROM messages WHERE role = 'shopper' ORDER BY created_at",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), said.len());
    for text in &stored {
        assert!(
            text.contains(concierge::chat::redact::CARD),
            "stored as typed: {text:?}"
        );
        let digits = text.chars().filter(|c| c.is_numeric()).count();
        assert_eq!(digits, 0, "digits left: {text:?}");
    }
}

// Item 6: metrics.

#[tokio::test]
async fn metrics_are_not_public_on_the_app_port() {
    let app = TestApp::spawn().await;
    let (status, body) = Probe::get("/metrics").send(&app).await;
    assert_eq!(status, 404, "{body:?}");
}

#[tokio::test]
async fn a_metrics_token_opens_them_on_the_app_port() {
    let token = "a-long-enough-metrics-token";
    let app = TestApp::spawn_on(TestDb::migrated().await, &["--metrics-token", token]).await;
    for bearer in [None, Some("wrong-but-long-enough-token"), Some("")] {
        let mut probe = Probe::get("/metrics");
        if let Some(bearer) = bearer {
            probe = probe.bearer(bearer);
        }
        assert_eq!(probe.refused(&app).await, None, "{bearer:?}");
        assert_eq!(probe.send(&app).await.0, 401, "{bearer:?}");
    }
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("concierge_http_requests_total"), "{text}");
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address() {
    let db = TestDb::migrated().await;
    let state = crate::helpers::state(&db, &[]).await;
    concierge::jobs::Probe::start(&db.pool, Duration::ZERO)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(concierge::http::launch_metrics(
        listener,
        state,
        shutdown.clone(),
    ));
    let client = crate::helpers::http();
    let response = client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.text().await.unwrap().contains("concierge_jobs"),
        "the queue depths are read for each scrape"
    );
    // Nothing else is served there.
    let other = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    shutdown.cancel();
}

#[test]
fn metric_settings_are_checked_at_start() {
    let parse = |args: &[&str]| {
        let mut all = vec!["concierge", "serve"];
        all.extend_from_slice(args);
        concierge::cli::parse_from(all).map(|(_, config)| config)
    };
    assert!(parse(&["--metrics-token", "short"]).is_err());
    assert!(parse(&["--metrics-listen", "not an address"]).is_err());
    let config = parse(&["--metrics-listen", "127.0.0.1:9464"]).ok().unwrap();
    assert_eq!(
        config.metrics_listen,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert!(config.metrics_token.is_none());
}

#[tokio::test]
async fn metric_labels_stay_bounded_whatever_clients_send() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4();
    for i in 0..20 {
        let method = Method::from_bytes(format!("BOGUS{i}").as_bytes()).unwrap();
        Probe::new(method.clone(), "/healthz").send(&app).await;
        Probe::new(method, format!("/no/such/{id}/{i}"))
            .send(&app)
            .await;
        Probe::get(format!("/chat/conversations/{id}{i}"))
            .send(&app)
            .await;
    }
    let text = concierge::telemetry::metrics().render();
    assert!(!text.contains("BOGUS"), "{text}");
    assert!(!text.contains(&id.to_string()), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(
        text.contains(r#"route="/chat/conversations/{id}""#),
        "{text}"
    );
    let series = text
        .lines()
        .filter(|l| l.starts_with("concierge_http_requests_total{"))
        .count();
    assert!(series <= 4, "{series} series:\n{text}");
}

// Item 8: a visitor token outlives neither its shop's install nor its shop's data.

#[tokio::test]
async fn uninstalled_and_erased_shops_refuse_old_visitor_tokens_on_every_chat_route() {
    let app = TestApp::spawn().await;
    let (shop_id, token, c) = shop_with_conversation(&app).await;
    let worker = crate::helpers::worker(
        crate::helpers::state(&app.db, &["--job-heartbeat-secs", "1"]).await,
    );
    let photo = Uuid::new_v4();
    let routes = [
        Probe::post("/chat/conversations").json(&json!({"locale": "en"})),
        Probe::get(format!("/chat/conversations/{c}")),
        Probe::post(format!("/chat/conversations/{c}/messages")).json(&json!({"text": "hi"})),
        Probe::get(format!("/chat/conversations/{c}/events")),
        Probe::post(format!("/chat/conversations/{c}/csat")).json(&json!({"rating": 5})),
        Probe::post(format!("/chat/conversations/{c}/contact"))
            .json(&json!({"email": "ada@example.com"})),
        Probe::post(format!("/chat/conversations/{c}/attachments"))
            .raw("image/png", b"\x89PNG\r\n\x1a\n".to_vec()),
        Probe::get(format!("/chat/conversations/{c}/attachments/{photo}")),
    ];
    let routes: Vec<Probe> = routes.into_iter().map(|p| p.bearer(&token)).collect();
    let expect_401 = |when: &'static str| {
        let routes = routes.clone();
        let app = &app;
        async move {
            let mut wrong = Vec::new();
            for probe in &routes {
                let (status, body) = probe.send(app).await;
                if status != 401
                    || body
                        .as_ref()
                        .is_none_or(|b| !b["error"]["code"].is_string())
                {
                    wrong.push(format!("{}: {status} {body:?}", probe.name()));
                }
            }
            assert!(wrong.is_empty(), "{when}:\n{}", wrong.join("\n"));
        }
    };

    let uninstall = serde_json::to_vec(&json!({"id": 1, "domain": SHOP})).unwrap();
    let (status, _) = deliver(&app, "/webhooks", "app/uninstalled", &uninstall).await;
    assert_eq!(status, 200);
    let uninstalled = eventually(Duration::from_secs(20), || async {
        let state: String = sqlx::query_scalar("SELECT install_state::text FROM shops")
            .fetch_one(&app.db.pool)
            .await
            .ok()?;
        (state == "uninstalled").then_some(())
    })
    .await;
    assert!(uninstalled.is_some(), "the uninstall was not processed");
    expect_401("after uninstall").await;

    let redact = serde_json::to_vec(&json!({"shop_id": 1, "shop_domain": SHOP})).unwrap();
    let (status, _) = deliver(&app, "/webhooks/compliance", "shop/redact", &redact).await;
    assert_eq!(status, 200);
    assert_shop_erased(&app.db, shop_id).await;
    expect_401("after shop/redact").await;
    worker.cancel();
}

// Item 9: every rejection, from every route, in the one JSON error shape.

#[tokio::test]
async fn every_route_answers_malformed_requests_with_the_json_error_shape() {
    let app = TestApp::spawn().await;
    let (_, token, c) = shop_with_conversation(&app).await;
    let admin = session();
    let long = "a".repeat(3000);
    let bad_ids = [
        "not-a-uuid",
        "%00",
        "%FF",
        "%E2%80%AE",
        "99999999999999999999999",
        "-",
        long.as_str(),
    ];
    let mut probes = Vec::new();
    for bad in bad_ids {
        let visitor_routes = [
            Probe::get(format!("/chat/conversations/{bad}")),
            Probe::post(format!("/chat/conversations/{bad}/messages")).json(&json!({"text": "hi"})),
            Probe::get(format!("/chat/conversations/{bad}/events")),
            Probe::post(format!("/chat/conversations/{bad}/csat")).json(&json!({"rating": 5})),
            Probe::post(format!("/chat/conversations/{bad}/contact"))
                .json(&json!({"email": "ada@example.com"})),
            Probe::post(format!("/chat/conversations/{bad}/attachments"))
                .raw("image/png", b"\x89PNG".to_vec()),
            Probe::get(format!("/chat/conversations/{c}/attachments/{bad}")),
            Probe::get(format!("/chat/conversations/{bad}/attachments/{bad}")),
        ];
        probes.extend(visitor_routes.into_iter().map(|p| p.bearer(&token)));
        let admin_routes = [
            Probe::new(Method::DELETE, format!("/api/sources/{bad}")),
            Probe::post(format!("/api/sources/{bad}/sync")),
            Probe::new(Method::DELETE, format!("/api/faq/{bad}")),
            Probe::post(format!("/api/inbox/conversations/{bad}/messages"))
                .json(&json!({"text": "on it"})),
            Probe::get(format!("/api/inbox/conversations/{bad}")),
            Probe::post(format!("/api/inbox/conversations/{bad}/take")),
            Probe::post(format!("/api/inbox/conversations/{bad}/assign"))
                .json(&json!({"agent_id": 1})),
            Probe::post(format!("/api/inbox/conversations/{bad}/notes"))
                .json(&json!({"text": "a note"})),
            Probe::get(format!("/api/inbox/conversations/{bad}/export?format=csv")),
            Probe::new(Method::DELETE, format!("/api/inbox/saved-replies/{bad}")),
        ];
        probes.extend(admin_routes.into_iter().map(|p| p.bearer(&admin)));
    }

    // Every JSON body, malformed every way.
    let json_routes = [
        (format!("/chat/conversations/{c}/messages"), &token),
        (format!("/chat/conversations/{c}/csat"), &token),
        (format!("/chat/conversations/{c}/contact"), &token),
        ("/chat/conversations".to_owned(), &token),
        ("/api/sources".to_owned(), &admin),
        ("/api/faq".to_owned(), &admin),
        (format!("/api/inbox/conversations/{c}/messages"), &admin),
        (format!("/api/inbox/conversations/{c}/notes"), &admin),
        (format!("/api/inbox/conversations/{c}/assign"), &admin),
        ("/api/inbox/saved-replies".to_owned(), &admin),
    ];
    let huge = format!(r#"{{"text": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    for (path, bearer) in &json_routes {
        let bodies: [(&'static str, Vec<u8>); 9] = [
            ("application/json", b"{".to_vec()),
            ("application/json", b"".to_vec()),
            ("application/json", b"[1, 2, 3]".to_vec()),
            (
                "application/json",
                br#"{"text": 5, "rating": "x"}"#.to_vec(),
            ),
            ("application/json", br#"{"unknown": true}"#.to_vec()),
            ("application/json", b"{\"text\": \"\xff\xfe\"}".to_vec()),
            ("text/plain", br#"{"text": "hi"}"#.to_vec()),
            ("multipart/form-data; boundary=x", b"--x--".to_vec()),
            ("application/json", huge.clone().into_bytes()),
        ];
        for (content_type, body) in bodies {
            probes.push(
                Probe::post(path.clone())
                    .bearer(bearer)
                    .raw(content_type, body),
            );
        }
        probes.push(Probe::post(path.clone()).bearer(bearer));
    }

    // Query strings: duplicated, missing, undecodable; multipart where a file is expected; a
    // file over the limit; a photo over the limit.
    let file = || Probe::post("/api/files").bearer(&admin);
    probes.extend([
        file().raw("text/plain", "x"),
        Probe::post("/api/files?name=a.txt&name=b.txt")
            .bearer(&admin)
            .raw("text/plain", "x"),
        Probe::post("/api/files?nom=a.txt")
            .bearer(&admin)
            .raw("text/plain", "x"),
        file().raw(
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--x--\r\n",
        ),
        Probe::post("/api/files?name=big.pdf")
            .bearer(&admin)
            .raw("application/pdf", vec![b'%'; 21 * 1024 * 1024]),
        Probe::post(format!("/chat/conversations/{c}/attachments"))
            .bearer(&token)
            .raw("image/jpeg", vec![0xff; 6 * 1024 * 1024]),
    ]);
    let ts = now().to_string();
    let signed = proxy_query(
        &[
            ("path_prefix", "/apps/concierge"),
            ("shop", SHOP),
            ("timestamp", &ts),
            ("visitor", "1"),
            ("visitor", "2"),
        ],
        TEST_API_SECRET,
    );
    probes.push(Probe::get(format!("/proxy/session?{signed}")));
    probes.push(Probe::get("/proxy/session?shop=x&shop=y"));
    // The other doors: webhooks unsigned or oversized, the admin without a token, OAuth
    // without a shop.
    probes.extend([
        Probe::post("/webhooks").json(&json!({"id": 1})),
        Probe::post("/webhooks/compliance").raw("application/json", huge.clone().into_bytes()),
        Probe::get("/api/shop"),
        Probe::get("/api/sources").bearer(&token),
        Probe::get("/auth"),
    ]);
    probes.push(Probe::get("/auth?shop=%FF"));
    probes.push(Probe::get("/auth/callback?code=1&code=2"));

    // Methods nobody serves, on routes of every area.
    for path in [
        "/healthz",
        "/chat/conversations",
        "/api/faq",
        "/webhooks",
        "/proxy/session",
    ] {
        probes.push(Probe::new(Method::PUT, path).bearer(&token));
        probes.push(Probe::new(Method::from_bytes(b"BREW").unwrap(), path));
    }
    assert_all_refused(&app, &probes).await;
    // Bad ids name nothing.
    for bad in ["not-a-uuid", "%FF", "99999999999999999999999"] {
        let (status, _) = Probe::get(format!("/chat/conversations/{bad}"))
            .bearer(&token)
            .send(&app)
            .await;
        assert_eq!(status, 404, "{bad}");
        let (status, _) = Probe::new(Method::DELETE, format!("/api/sources/{bad}"))
            .bearer(&admin)
            .send(&app)
            .await;
        assert_eq!(status, 404, "{bad}");
    }
}

// Item 10: source URLs.

#[tokio::test]
async fn source_urls_are_bounded_and_never_carry_credentials() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let admin = session();
    let add = |url: String| {
        Probe::post("/api/sources")
            .bearer(&admin)
            .json(&json!({"kind": "web", "url": url}))
    };
    let refused = [
        add(format!(
            "https://help.example.com/{}",
            "a".repeat(12 * 1024)
        )),
        add(format!("https://help.example.com/{}", "a".repeat(2100))),
        // Percent-encoding makes it longer than typed: the stored form counts.
        add(format!("https://help.example.com/{}", "é".repeat(500))),
        add("https://merchant:hunter2@help.example.com/faq".into()),
        add("https://merchant@help.example.com/faq".into()),
        add("https://:hunter2@help.example.com/faq".into()),
    ];
    for probe in &refused {
        let (status, body) = probe.send(&app).await;
        assert_eq!(status, 422, "{}: {body:?}", probe.name());
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM knowledge_sources WHERE kind = 'web'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(names.is_empty(), "{names:?}");
    // At the limit it is accepted.
    let at_limit = "https://help.example.com/".to_owned();
    let at_limit = format!("{at_limit}{}", "a".repeat(2048 - at_limit.len()));
    let (status, body) = add(at_limit).send(&app).await;
    assert_eq!(status, 201, "{body:?}");
}

// Item 12: app-proxy parameters.

#[tokio::test]
async fn app_proxy_refuses_keys_with_equals_signs_and_requires_path_prefix() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let ts = now().to_string();
    let session = |params: &[(&str, &str)]| {
        Probe::get(format!(
            "/proxy/session?{}",
            proxy_query(params, TEST_API_SECRET)
        ))
    };
    let good = session(&[
        ("path_prefix", "/apps/concierge"),
        ("shop", SHOP),
        ("timestamp", &ts),
    ]);
    assert_eq!(good.send(&app).await.0, 200);
    for probe in [
        // "a=b" + "c" and "a" + "b=c" sign the same: such keys are not Shopify's.
        session(&[
            ("a=b", "c"),
            ("path_prefix", "/apps/concierge"),
            ("shop", SHOP),
            ("timestamp", &ts),
        ]),
        session(&[("shop", SHOP), ("timestamp", &ts)]),
    ] {
        let (status, body) = probe.send(&app).await;
        assert_eq!(status, 400, "{}: {body:?}", probe.name());
        assert!(body.unwrap()["error"]["message"].is_string());
    }
}

// Item 1: a signed body is accepted only under its own topic and shop; the irreversible topics
// are confirmed with the Admin API.

/// A webhook for `shop`, signed with the app's secret, at the door its topic goes to.
async fn deliver_for(app: &TestApp, shop: &str, topic: &str, body: &Value) -> (u16, Value) {
    let path = match topic {
        "customers/data_request" | "customers/redact" | "shop/redact" => "/webhooks/compliance",
        _ => "/webhooks",
    };
    let body = serde_json::to_vec(body).unwrap();
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header("x-shopify-shop-domain", shop)
        .header("x-shopify-event-id", Uuid::new_v4().to_string())
        .header(
            "x-shopify-hmac-sha256",
            sign_base64(TEST_API_SECRET.as_bytes(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One body of each topic class, as Shopify sends it for `shop`.
fn shopify_bodies(shop: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "app/uninstalled",
            json!({"id": 5, "domain": shop, "myshopify_domain": shop}),
        ),
        (
            "shop/update",
            json!({"id": 5, "domain": "shop.example", "myshopify_domain": shop}),
        ),
        ("shop/redact", json!({"shop_id": 5, "shop_domain": shop})),
        (
            "customers/redact",
            json!({"shop_id": 5, "shop_domain": shop, "customer": {"id": 7, "email": "ada@example.com"},
                   "orders_to_redact": [1001]}),
        ),
        (
            "customers/data_request",
            json!({"shop_id": 5, "shop_domain": shop, "customer": {"id": 7, "email": "ada@example.com"},
                   "orders_requested": [1001], "data_request": {"id": 9}}),
        ),
        ("products/update", crate::webhooks::product(8100000000001)),
        ("products/delete", json!({"id": 8100000000001_u64})),
        (
            "inventory_levels/update",
            json!({"inventory_item_id": 4100000000001_u64, "location_id": 6100000000001_u64,
                   "available": 3, "admin_graphql_api_id":
                   "gid://shopify/InventoryLevel/6100000000001?inventory_item_id=4100000000001"}),
        ),
        (
            "collections/update",
            json!({"id": 3, "admin_graphql_api_id": "gid://shopify/Collection/3", "title": "Tents"}),
        ),
        (
            "bulk_operations/finish",
            json!({"admin_graphql_api_id": "gid://shopify/BulkOperation/4", "status": "completed",
                   "type": "query"}),
        ),
    ]
}

#[tokio::test]
async fn a_signed_body_is_refused_under_another_topic_or_another_shop() {
    const OTHER: &str = "abuse-victim.myshopify.com";
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    install_shop(&app.db, OTHER).await;
    let bodies = shopify_bodies(SHOP);
    let mut wrong = Vec::new();
    for (topic, body) in &bodies {
        // Under its own topic and shop it is taken.
        let (status, answer) = deliver_for(&app, SHOP, topic, body).await;
        if status != 200 {
            wrong.push(format!("{topic} as itself: {status} {answer}"));
        }
        // Under another shop's domain, or any other topic, it is not.
        let (status, answer) = deliver_for(&app, OTHER, topic, body).await;
        let names_shop = !topic.starts_with("products/")
            && !topic.starts_with("inventory")
            && !topic.starts_with("collections")
            && !topic.starts_with("bulk");
        if names_shop && status != 400 {
            wrong.push(format!("{topic} for {OTHER}: {status} {answer}"));
        }
        for (other_topic, _) in &bodies {
            // The uninstall and shop/update bodies are both the shop object: what tells
            // them apart is the Admin API (the next test).
            let same_shape =
                |a: &str, b: &str| a == b || (a.starts_with("app/") && b == "shop/update");
            if same_shape(topic, other_topic) || same_shape(other_topic, topic) {
                continue;
            }
            let (status, answer) = deliver_for(&app, SHOP, other_topic, body).await;
            if status != 400 || !answer["error"]["message"].is_string() {
                wrong.push(format!(
                    "{topic}'s body as {other_topic}: {status} {answer}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Only the deliveries under their own headers were stored.
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT topic FROM webhook_events e JOIN shops s ON s.id = e.shop_id
         WHERE s.domain = $1 ORDER BY e.id",
    )
    .bind(OTHER)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let catalog_only: Vec<String> = bodies
        .iter()
        .map(|(t, _)| (*t).to_owned())
        .filter(|t| !t.starts_with("app/") && !t.starts_with("shop") && !t.starts_with("customers"))
        .collect();
    assert_eq!(stored, catalog_only, "what was stored for {OTHER}");
}

#[tokio::test]
async fn uninstall_and_shop_redact_are_acted_on_only_once_the_token_is_revoked() {
    use concierge::dev::demo::DEMO_SHOP;
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let demo = crate::helpers::DemoShop::install(&app, &sim, false).await;
    // The install's catalog sync is not what this test is about.
    sqlx::query("DELETE FROM apalis.jobs WHERE job_type <> 'webhook'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let worker = crate::helpers::worker(demo.state.clone());
    let outcome = |event_topic: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            eventually(Duration::from_secs(30), || async {
                sqlx::query_scalar::<_, Option<String>>(
                    "SELECT outcome FROM webhook_events WHERE topic = $1 AND processed_at IS NOT NULL
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(event_topic)
                .fetch_optional(&pool)
                .await
                .ok()
                .flatten()
                .flatten()
            })
            .await
            .unwrap_or_else(|| panic!("{event_topic} was not processed"))
        }
    };
    let install_state = || async {
        sqlx::query_scalar::<_, String>("SELECT install_state::text FROM shops WHERE id = $1")
            .bind(demo.shop_id)
            .fetch_optional(&app.db.pool)
            .await
            .unwrap()
    };

    // A well-formed, signed uninstall while the shop's token still works: forged or replayed.
    let uninstall = json!({"domain": DEMO_SHOP, "myshopify_domain": DEMO_SHOP});
    let (status, _) = deliver_for(&app, DEMO_SHOP, "app/uninstalled", &uninstall).await;
    assert_eq!(status, 200);
    assert!(outcome("app/uninstalled").await.starts_with("ignored"));
    assert_eq!(install_state().await.as_deref(), Some("installed"));
    // shop/redact, likewise, for a shop still installed.
    let redact = json!({"shop_id": 5, "shop_domain": DEMO_SHOP});
    let (status, _) = deliver_for(&app, DEMO_SHOP, "shop/redact", &redact).await;
    assert_eq!(status, 200);
    assert!(outcome("shop/redact").await.starts_with("ignored"));
    assert_eq!(install_state().await.as_deref(), Some("installed"));

    // The merchant really uninstalls: Shopify revokes the token, then tells us.
    let delivery = sim.uninstall(DEMO_SHOP).await;
    assert_eq!(delivery.status, Some(200));
    let processed = eventually(Duration::from_secs(30), || async {
        (install_state().await.as_deref() == Some("uninstalled")).then_some(())
    })
    .await;
    assert!(processed.is_some(), "the real uninstall was not acted on");
    let (status, _) = deliver_for(&app, DEMO_SHOP, "shop/redact", &redact).await;
    assert_eq!(status, 200);
    assert_shop_erased(&app.db, demo.shop_id).await;
    worker.cancel();
}

// Item 5: after customers/redact nothing of the customer remains, anywhere.

#[tokio::test]
async fn after_customers_redact_no_table_holds_anything_of_the_customer() {
    const EMAIL: &str = "ada.lovelace-7731@example.com";
    const PHONE: &str = "+44 7700 900731";
    const CUSTOMER: u64 = 7_731_000_123_457;
    let app = TestApp::spawn().await;
    let shop_id = install_shop(&app.db, SHOP).await;
    let worker = crate::helpers::worker(
        crate::helpers::state(&app.db, &["--job-heartbeat-secs", "1"]).await,
    );
    // Two conversations: one signed in, one anonymous where she left her email for follow-up.
    for (customer, contact) in [(Some(CUSTOMER.to_string()), None), (None, Some(EMAIL))] {
        sqlx::query(
            "WITH c AS (
                 INSERT INTO conversations (shop_id, id, visitor_id, customer_id, contact_email)
                 VALUES ($1, gen_random_uuid(), gen_random_uuid(), $2, $3) RETURNING id
             )
             INSERT INTO messages (shop_id, conversation_id, role, content)
             SELECT $1, c.id, 'shopper', $4 FROM c",
        )
        .bind(shop_id)
        .bind(customer)
        .bind(contact)
        .bind(format!("I am {EMAIL}, call me on {PHONE}"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let customer = json!({"id": CUSTOMER, "email": EMAIL, "phone": PHONE});
    let processed = |topic: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            eventually(Duration::from_secs(20), || async {
                let n: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM webhook_events WHERE topic = $1 AND processed_at IS NOT NULL",
                )
                .bind(topic)
                .fetch_one(&pool)
                .await
                .ok()?;
                (n > 0).then_some(())
            })
            .await
            .unwrap_or_else(|| panic!("{topic} not processed"));
        }
    };
    let request = json!({"shop_id": 5, "shop_domain": SHOP, "customer": customer,
                         "orders_requested": [1001], "data_request": {"id": 9}});
    let (status, _) = deliver_for(&app, SHOP, "customers/data_request", &request).await;
    assert_eq!(status, 200);
    processed("customers/data_request").await;
    let redact = json!({"shop_id": 5, "shop_domain": SHOP, "customer": customer,
                        "orders_to_redact": [1001]});
    let (status, _) = deliver_for(&app, SHOP, "customers/redact", &redact).await;
    assert_eq!(status, 200);
    processed("customers/redact").await;
    worker.cancel();

    let mut found = Vec::new();
    for needle in [EMAIL, PHONE, &CUSTOMER.to_string()] {
        found.extend(tables_holding(&app.db.pool, needle).await);
    }
    assert!(found.is_empty(), "left behind: {found:?}");
}

/// Every `schema.table.column` (of a text-like, JSON or bytea type, in every schema but the
/// catalog's) with a value containing `needle`, case-insensitively.
async fn tables_holding(pool: &sqlx::PgPool, needle: &str) -> Vec<String> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, t.typname::text
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
           AND t.typname IN ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'bytea', '_text')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(columns.len() > 20, "the catalog was read: {columns:?}");
    let mut found = Vec::new();
    for (schema, table, column, kind) in columns {
        let value = if kind == "bytea" {
            format!("encode(\"{column}\", 'escape')")
        } else {
            format!("\"{column}\"::text")
        };
        let sql = format!(
            "SELECT count(*) FROM \"{schema}\".\"{table}\" WHERE strpos(lower({value}), lower($1)) > 0"
        );
        // Names from the catalog, quoted: no outside input.
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(needle)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        if n > 0 {
            found.push(format!(
                "{schema}.{table}.{column} holds {needle:?} ({n} rows)"
            ));
        }
    }
    found
}

// Item 13: a crawl the SSRF guard refuses is not retried; every answer says nosniff.

#[tokio::test]
async fn a_crawl_the_ssrf_guard_refuses_is_not_retried() {
    let app = TestApp::spawn().await;
    let shop_id = install_shop(&app.db, SHOP).await;
    // Straight into the table: the API refuses such a URL before it is stored.
    let source: i64 = sqlx::query_scalar(
        "INSERT INTO knowledge_sources (shop_id, kind, name) VALUES ($1, 'web', 'http://127.0.0.1:9/')
         RETURNING id",
    )
    .bind(shop_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mut tx = app.db.pool.begin().await.unwrap();
    concierge::jobs::queue_sync(&mut tx, shop_id, source)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let worker = crate::helpers::worker(
        crate::helpers::state(&app.db, &["--job-heartbeat-secs", "1"]).await,
    );
    let ended = eventually(Duration::from_secs(30), || async {
        sqlx::query_as::<_, (String, i32)>(
            "SELECT status, attempts FROM apalis.jobs WHERE job_type = 'knowledge-sync'
               AND status IN ('Killed', 'Failed')",
        )
        .fetch_optional(&app.db.pool)
        .await
        .ok()
        .flatten()
    })
    .await;
    // Long enough for a retry to have started, were there one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let now: (String, i32) = sqlx::query_as(
        "SELECT status, attempts FROM apalis.jobs WHERE job_type = 'knowledge-sync'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    worker.cancel();
    assert_eq!(ended.map(|e| e.0).as_deref(), Some("Killed"));
    assert_eq!(now, ("Killed".to_owned(), 1), "run once, never again");
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM knowledge_sources WHERE id = $1")
            .bind(source)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(error.is_some_and(|e| e.contains("not a public address")));
}

#[tokio::test]
async fn every_answer_says_nosniff() {
    let app = TestApp::spawn().await;
    let (_, token, c) = shop_with_conversation(&app).await;
    let probes = [
        Probe::get("/healthz"),
        Probe::get("/no/such/page"),
        Probe::new(Method::PUT, "/healthz"),
        Probe::get("/api/shop"),
        Probe::get(format!("/chat/conversations/{c}")).bearer(&token),
        Probe::post("/webhooks").json(&json!({})),
        Probe::new(Method::OPTIONS, "/chat/conversations"),
    ];
    for probe in probes {
        let mut request = app
            .client
            .request(probe.method.clone(), app.url(&probe.path));
        if let Some(token) = &probe.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{}: {}",
            probe.name(),
            response.status()
        );
    }
}

// Item 7: one client, whatever visitor ids it makes up, cannot spend a shop's whole budget.

#[tokio::test]
async fn a_flood_from_one_address_does_not_silence_the_shop() {
    let app = TestApp::spawn_on(
        TestDb::migrated().await,
        &[
            "--trusted-proxy-header",
            "x-forwarded-for",
            "--chat-shop-messages-per-minute",
            "30",
            "--chat-address-messages-per-minute",
            "10",
        ],
    )
    .await;
    let shop_id = install_shop(&app.db, SHOP).await;
    let start = |token: String, address: &'static str| {
        let request = app
            .client
            .post(app.url("/chat/conversations"))
            .bearer_auth(token)
            // What the client sends is kept before the proxy's own entry: not trusted.
            .header("x-forwarded-for", format!("10.9.8.7, {address}"))
            .json(&json!({"locale": "en"}));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or_default())
        }
    };
    // The flood: a fresh visitor id for every request, all from one address.
    let mut refused = 0;
    for _ in 0..40 {
        let (status, _) = start(visitor(shop_id), "203.0.113.9").await;
        refused += usize::from(status == 429);
    }
    assert_eq!(refused, 30, "the address's budget is 10");
    // An innocent shopper elsewhere still gets an answer.
    let token = visitor(shop_id);
    let (status, body) = start(token.clone(), "198.51.100.7").await;
    assert_eq!(status, 201, "{body}");
    let conversation = body["id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/chat/conversations/{conversation}/messages")))
        .bearer_auth(&token)
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"text": "Do you ship to Oslo?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

// Item 2: failed order proofs count across conversations, not per conversation.

#[tokio::test]
async fn guessing_order_numbers_for_a_known_email_stops_across_conversations() {
    use concierge::chat::host::StoreTools;
    use concierge::dev::demo::DEMO_SHOP;
    use llm::ToolRunner;
    use tools::io::OrderStatus;

    const EMAIL: &str = "emma.caldwell@example.com";
    let (app, sim) = TestApp::with_simulator(|_| {}).await;
    let demo = crate::helpers::DemoShop::install(&app, &sim, false).await;
    // A fresh conversation, visitor and address for every guess, as the attacker did.
    let fresh = || async {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO conversations (shop_id, id, visitor_id, client_address)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(demo.shop_id)
        .bind(id)
        .bind(Uuid::new_v4())
        .bind(format!("203.0.113.{}", id.as_bytes()[0]))
        .execute(&app.db.pool)
        .await
        .unwrap();
        StoreTools::new(
            demo.state.chat_services(),
            ShopDomain::parse(DEMO_SHOP).unwrap(),
            id,
            tools::TurnContext {
                shopper: tools::Shopper {
                    shop_id: demo.shop_id,
                    customer_id: None,
                    verification_failures: 0,
                },
                write_allowed: false,
            },
        )
    };
    let mut answers = Vec::new();
    for number in 1035..=1057 {
        let output = fresh()
            .await
            .run(
                "get_order_status",
                json!({"order_number": number.to_string(), "email": EMAIL}),
            )
            .await;
        let status: OrderStatus = serde_json::from_value(output.content).unwrap();
        answers.push((number, status));
    }
    let misses: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, (_, s))| matches!(s, OrderStatus::NotVerified { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(misses.len(), 5, "{answers:?}");
    // After the fifth miss, nothing more: not even her real orders.
    let after = &answers[misses[4] + 1..];
    assert!(
        !after.is_empty() && after.iter().all(|(_, s)| *s == OrderStatus::Locked),
        "{answers:?}"
    );
    // Each conversation saw at most one failure: the lock is not the conversation's.
    let most: i32 = sqlx::query_scalar("SELECT max(verification_failures) FROM conversations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(most, 1);
    // And the email is kept only as a hash.
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM order_proof_failures")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(keys.iter().any(|k| k.starts_with("email:")), "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains("emma")), "{keys:?}");
}
