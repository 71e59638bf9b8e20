//! A shop's own chat model over HTTP: chosen in the admin, its key sealed (the row holds no
//! plaintext) and never shown, tested with one real call, and answering the shop's next turn
//! (then no more, once the merchant switches back).

use serde_json::json;

use crate::admin_settings::{Admin, body};
use crate::chat::{Client, SHOP, token};
use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{TestApp, TestDb, install_shop};

pub const KEY: &str = "sk-shop-SECRET-4242";

/// Every text column of every row the shop has, as one string: what a database dump shows.
pub async fn everything_stored(db: &sqlx::PgPool) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT table_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'shop_id'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let mut all = String::new();
    for table in tables {
        let sql = format!("SELECT coalesce(string_agg(t::text, '\n'), '') FROM {table} t");
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(db)
            .await
            .unwrap();
        all.push_str(&rows);
    }
    let shops: String = sqlx::query_scalar("SELECT string_agg(s::text, '\n') FROM shops s")
        .fetch_one(db)
        .await
        .unwrap();
    all + &shops
}

#[tokio::test]
async fn a_shops_own_model_answers_with_its_sealed_key_and_the_key_never_comes_back() {
    let app = TestApp::spawn_on(
        TestDb::migrated().await,
        &["--crawl-private-addresses", "true"],
    )
    .await;
    let shop = install_shop(&app.db, SHOP).await;
    let own = FakeLlm::start().await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let mut settings = body();
    settings["model"] = json!({"provider": "openai", "base_url": own.url, "model": "shop-model",
                               "api_key": KEY});
    let (status, saved) = admin.put("/api/settings", settings.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["settings"]["model"],
        json!({"provider": "openai", "base_url": own.url, "model": "shop-model", "api_key_set": true})
    );
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT ciphertext FROM shop_model_keys WHERE shop_id = $1")
            .bind(shop)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        !sealed.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the key is sealed"
    );
    assert!(!everything_stored(&app.db.pool).await.contains(KEY));
    let (_, audit) = admin.get("/api/settings/audit").await;
    assert_eq!(audit["changes"][0]["after"]["model"]["api_key_set"], true);
    assert!(
        audit["changes"][0]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("model.api_key"))
    );

    // No admin answer carries it.
    let mut unchanged = settings.clone();
    unchanged["model"]["api_key"] = serde_json::Value::Null;
    for (method, path, body) in crate::admin_auth::endpoints() {
        // The settings as saved (a key not sent is kept), so the walk changes nothing.
        let body = body.map(|b| {
            if path == "/api/settings" {
                unchanged.clone()
            } else {
                b
            }
        });
        let (_, answer) = admin.send(method.clone(), path, body).await;
        assert!(
            !answer.to_string().contains(KEY),
            "{method} {path}: {answer}"
        );
    }
    for path in ["/api/shop", "/api/sources"] {
        assert!(!admin.get(path).await.1.to_string().contains(KEY), "{path}");
    }

    // The next turn goes to the shop's endpoint, with the key.
    let shopper = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = shopper.conversation().await;
    own.then(Reply::text(&["From ", "your model."]));
    let events = shopper.say(&conversation, "hello there", None).await;
    let done = events.iter().find(|(n, _)| n == "done").unwrap();
    assert_eq!(done.1["text"], "From your model.");
    let seen = &own.requests()[0];
    assert_eq!(
        seen.authorization.as_deref(),
        Some("Bearer sk-shop-SECRET-4242")
    );
    assert_eq!(seen.body["model"], "shop-model");

    // A test call uses the stored key when none is given, and says what went wrong.
    own.then(Reply::text(&["Hi!"]));
    let (status, test) = admin
        .post(
            "/api/settings/model/test",
            json!({"provider": "openai", "base_url": own.url, "model": "shop-model"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(test["ok"], true, "{test}");
    assert_eq!(test["reply"], "Hi!");
    assert_eq!(test["model"], "shop-model");
    assert!(test["latency_ms"].is_u64());
    assert_eq!(
        own.requests()[1].authorization.as_deref(),
        Some("Bearer sk-shop-SECRET-4242")
    );
    own.then(Reply::status(401));
    let (_, failed) = admin
        .post(
            "/api/settings/model/test",
            json!({"provider": "openai", "base_url": own.url, "model": "shop-model",
                   "api_key": "sk-wrong"}),
        )
        .await;
    assert_eq!(failed["ok"], false);
    assert!(
        failed["error"].as_str().unwrap().contains("401"),
        "{failed}"
    );
    let (status, bad) = admin
        .post("/api/settings/model/test", json!({"provider": "openai"}))
        .await;
    assert_eq!(status, 422);
    assert!(
        bad["error"]["fields"]["model.base_url"].is_string(),
        "{bad}"
    );
    let (_, local) = admin
        .post("/api/settings/model/test", json!({"provider": "local"}))
        .await;
    assert_eq!(local["ok"], true, "{local}");

    // Back to the offline responder: the shop's endpoint is asked no more.
    settings["model"] = json!({"provider": "local"});
    assert_eq!(admin.put("/api/settings", settings).await.0, 200);
    let asked = own.request_count();
    let events = shopper.say(&conversation, "hello again", None).await;
    assert!(events.iter().any(|(n, _)| n == "done"), "{events:?}");
    assert_eq!(own.request_count(), asked);
    let (_, shown) = admin.get("/api/settings").await;
    assert_eq!(
        shown["settings"]["model"],
        json!({"provider": "local", "api_key_set": true}),
        "the key is kept until removed"
    );
    let mut cleared = shown["settings"].clone();
    cleared["model"] = json!({"provider": "local", "api_key": ""});
    let (_, cleared) = admin.put("/api/settings", cleared).await;
    assert_eq!(cleared["settings"]["model"]["api_key_set"], false);
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM shop_model_keys")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(keys, 0);
}

#[tokio::test]
async fn a_model_endpoint_inside_the_network_is_refused() {
    let app = TestApp::spawn().await;
    install_shop(&app.db, SHOP).await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://169.254.169.254/latest",
        "http://localhost:11434/v1",
    ] {
        let mut settings = body();
        settings["model"] = json!({"provider": "openai", "base_url": url, "model": "m"});
        let (status, error) = admin.put("/api/settings", settings).await;
        assert_eq!(status, 422, "{url}");
        assert!(
            error["error"]["fields"]["model.base_url"].is_string(),
            "{error}"
        );
        let (status, _) = admin
            .post(
                "/api/settings/model/test",
                json!({"provider": "openai", "base_url": url, "model": "m"}),
            )
            .await;
        assert_eq!(status, 422, "{url}");
    }
}
