//! Webhooks: verified (constant-time HMAC of the raw body), stored and enqueued once, and
//! processed by the worker, compliance topics included.

use std::time::Duration;

use concierge::shopify::signature::sign_base64;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::helpers::{
    TEST_API_SECRET, TestApp, TestDb, assert_shop_erased, eventually, install_shop,
};

const SHOP: &str = "harbor-and-pine.myshopify.com";

/// A `products/update` body as Shopify sends it (the fields the intake checks, and a title).
pub fn product(id: u64) -> Value {
    json!({"id": id, "admin_graphql_api_id": format!("gid://shopify/Product/{id}"),
           "title": "Tarp", "variants": []})
}

struct Delivery {
    path: &'static str,
    topic: &'static str,
    shop: &'static str,
    event_id: String,
    body: Vec<u8>,
    hmac: Option<String>,
}

impl Delivery {
    fn new(topic: &'static str, body: Value) -> Self {
        let body = serde_json::to_vec(&body).unwrap();
        let compliance = matches!(
            topic,
            "customers/data_request" | "customers/redact" | "shop/redact"
        );
        Self {
            path: if compliance {
                "/webhooks/compliance"
            } else {
                "/webhooks"
            },
            topic,
            shop: SHOP,
            event_id: uuid::Uuid::new_v4().to_string(),
            hmac: Some(sign_base64(TEST_API_SECRET.as_bytes(), &body)),
            body,
        }
    }

    async fn send(&self, app: &TestApp) -> (u16, Value) {
        let mut request = app
            .client
            .post(app.url(self.path))
            .header("content-type", "application/json")
            .header("x-shopify-topic", self.topic)
            .header("x-shopify-shop-domain", self.shop)
            .header("x-shopify-event-id", &self.event_id)
            .header("x-shopify-webhook-id", uuid::Uuid::new_v4().to_string())
            .header("x-shopify-api-version", "2026-10")
            .header("x-shopify-triggered-at", "2026-11-22T10:00:00.000Z")
            .body(self.body.clone());
        if let Some(hmac) = &self.hmac {
            request = request.header("x-shopify-hmac-sha256", hmac);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn stored(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM webhook_events")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn queued(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'webhook'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_good_delivery_is_stored_and_enqueued_once_and_a_replay_is_deduplicated() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let delivery = Delivery::new("products/update", product(8100000000001));
    let (status, body) = delivery.send(&app).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));
    // Shopify's retry (or an attacker's replay) of the same event: acknowledged, not redone.
    let (status, body) = delivery.send(&app).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(stored(&app.db).await, 1);
    assert_eq!(queued(&app.db).await, 1);
}

#[tokio::test]
async fn bad_signatures_get_401_and_store_nothing() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let good = Delivery::new("products/update", product(1));

    let mut flipped_body = Delivery::new("products/update", product(1));
    flipped_body.body[2] ^= 0x01;
    let mut flipped_hmac = Delivery::new("products/update", product(1));
    let mut bytes = flipped_hmac.hmac.take().unwrap().into_bytes();
    bytes[0] = if bytes[0] == b'A' { b'B' } else { b'A' };
    flipped_hmac.hmac = Some(String::from_utf8(bytes).unwrap());
    let mut missing = Delivery::new("products/update", product(1));
    missing.hmac = None;
    let mut other_secret = Delivery::new("products/update", product(1));
    other_secret.hmac = Some(sign_base64(b"not-our-secret", &other_secret.body));
    let mut garbage = Delivery::new("products/update", product(1));
    garbage.hmac = Some("%%%".into());

    for (name, delivery) in [
        ("flipped body byte", &flipped_body),
        ("flipped signature byte", &flipped_hmac),
        ("missing header", &missing),
        ("another secret", &other_secret),
        ("not base64", &garbage),
    ] {
        let (status, body) = delivery.send(&app).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
    assert_eq!(stored(&app.db).await, 0);
    assert_eq!(good.send(&app).await.0, 200);
}

#[tokio::test]
async fn malformed_deliveries_get_clear_4xx() {
    let app = TestApp::spawn_on(TestDb::migrated().await, &["--max-body-bytes", "4096"]).await;
    install_shop(&app.db, SHOP).await;

    let mut unknown_topic = Delivery::new("products/update", json!({}));
    unknown_topic.topic = "orders/create";
    let mut bad_shop = Delivery::new("products/update", json!({}));
    bad_shop.shop = "evil.example.com";
    let mut wrong_door = Delivery::new("shop/redact", json!({"shop_id": 1, "shop_domain": SHOP}));
    wrong_door.path = "/webhooks";
    let mut not_json = Delivery::new("products/update", json!({}));
    not_json.body = b"{\"id\": ".to_vec();
    not_json.hmac = Some(sign_base64(TEST_API_SECRET.as_bytes(), &not_json.body));
    let mut not_utf8 = Delivery::new("products/update", json!({}));
    not_utf8.body = vec![0xff, 0xfe, b'{', b'}'];
    not_utf8.hmac = Some(sign_base64(TEST_API_SECRET.as_bytes(), &not_utf8.body));
    let mut huge = Delivery::new("products/update", json!({"pad": "x".repeat(10_000)}));
    huge.hmac = Some(sign_base64(TEST_API_SECRET.as_bytes(), &huge.body));

    for (name, delivery, expected) in [
        ("unknown topic", &unknown_topic, 400),
        ("bad shop domain", &bad_shop, 400),
        ("compliance topic on /webhooks", &wrong_door, 400),
        ("truncated JSON", &not_json, 400),
        ("invalid UTF-8", &not_utf8, 400),
        ("oversized", &huge, 413),
    ] {
        let (status, body) = delivery.send(&app).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert!(body["error"]["message"].is_string(), "{name}: {body}");
    }
    assert_eq!(stored(&app.db).await, 0);
}

#[tokio::test]
async fn unknown_shops_get_404_but_compliance_requests_for_them_succeed() {
    let app = TestApp::spawn().await;
    let (status, _) = Delivery::new("products/update", product(1))
        .send(&app)
        .await;
    assert_eq!(status, 404);
    let (status, body) = Delivery::new(
        "customers/redact",
        json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 1}}),
    )
    .send(&app)
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("nothing_held"))
    );
}

/// Runs a worker on `db` until dropped.
struct Worker(CancellationToken);

impl Worker {
    async fn start(db: &TestDb) -> Self {
        Self(crate::helpers::worker(
            crate::helpers::state(db, &["--job-heartbeat-secs", "1"]).await,
        ))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

async fn processed(db: &TestDb, event_id: &str) -> Option<String> {
    eventually(Duration::from_secs(20), || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT outcome FROM webhook_events WHERE event_id = $1 AND processed_at IS NOT NULL",
        )
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await
        .ok()
        .flatten()
        .flatten()
    })
    .await
}

#[tokio::test]
async fn uninstall_forgets_credentials_and_data_requests_produce_an_export() {
    let app = TestApp::spawn().await;
    let shop_id = install_shop(&app.db, SHOP).await;
    let _worker = Worker::start(&app.db).await;
    // Ada (customer 7001) and another shopper each had a conversation.
    for (customer, text) in [
        ("7001", "Where is my order #1001?"),
        ("7002", "Do you ship to Oslo?"),
    ] {
        sqlx::query(
            "WITH c AS (
                 INSERT INTO conversations (shop_id, id, visitor_id, customer_id)
                 VALUES ($1, gen_random_uuid(), gen_random_uuid(), $2) RETURNING id
             )
             INSERT INTO messages (shop_id, conversation_id, role, content)
             SELECT $1, c.id, r, $3 FROM c, unnest(ARRAY['shopper', 'assistant']) r",
        )
        .bind(shop_id)
        .bind(customer)
        .bind(text)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }

    let request = Delivery::new(
        "customers/data_request",
        json!({"shop_id": 1, "shop_domain": SHOP, "orders_requested": [1001],
               "customer": {"id": 7001, "email": "ada@example.com", "phone": null},
               "data_request": {"id": 991}}),
    );
    assert_eq!(request.send(&app).await.0, 200);
    assert_eq!(
        processed(&app.db, &request.event_id).await.as_deref(),
        Some("export recorded")
    );
    let export: Value = sqlx::query_scalar("SELECT export FROM compliance_exports WHERE shop_id = $1 AND customer_email = 'ada@example.com'")
        .bind(shop_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(export["customer"]["id"], 7001);
    let conversations = export["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "{export}");
    assert_eq!(
        conversations[0]["messages"][0]["content"],
        "Where is my order #1001?"
    );

    // Redaction deletes Ada's conversation, and only hers.
    let redact = Delivery::new(
        "customers/redact",
        json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 7001, "email": "ada@example.com"}, "orders_to_redact": [1001]}),
    );
    assert_eq!(redact.send(&app).await.0, 200);
    assert_eq!(
        processed(&app.db, &redact.event_id).await.as_deref(),
        Some("redacted: 1 conversations deleted, 1 exports deleted, 2 webhooks scrubbed")
    );
    let left: Vec<Option<String>> =
        sqlx::query_scalar("SELECT customer_id FROM conversations WHERE shop_id = $1")
            .bind(shop_id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(left, [Some("7002".to_owned())]);
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE shop_id = $1")
        .bind(shop_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(messages, 2);

    let uninstall = Delivery::new("app/uninstalled", json!({"id": 1, "domain": SHOP}));
    assert_eq!(uninstall.send(&app).await.0, 200);
    assert!(
        processed(&app.db, &uninstall.event_id)
            .await
            .unwrap()
            .starts_with("uninstalled")
    );
    let (state, token): (String, Option<Vec<u8>>) =
        sqlx::query_as("SELECT install_state, access_token_ciphertext FROM shops WHERE id = $1")
            .bind(shop_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(state, "uninstalled");
    assert!(token.is_none(), "credentials forgotten");
}

#[tokio::test]
async fn shop_redact_leaves_no_row_of_the_shop() {
    let app = TestApp::spawn().await;
    let shop_id = install_shop(&app.db, SHOP).await;
    let other = install_shop(&app.db, "another-shop.myshopify.com").await;
    let _worker = Worker::start(&app.db).await;

    // Give the shop rows in every table that can hold them.
    let update = Delivery::new("products/update", product(1));
    assert_eq!(update.send(&app).await.0, 200);
    let request = Delivery::new(
        "customers/data_request",
        json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 1, "email": "x@example.com"},
               "data_request": {"id": 2}}),
    );
    assert_eq!(request.send(&app).await.0, 200);
    processed(&app.db, &request.event_id).await.unwrap();

    let redact = Delivery::new("shop/redact", json!({"shop_id": 1, "shop_domain": SHOP}));
    assert_eq!(redact.send(&app).await.0, 200);
    assert_shop_erased(&app.db, shop_id).await;
    // The other shop is untouched.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM shops WHERE id = $1")
        .bind(other)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
