//! The admin's settings API over HTTP: a whole body checked (422 naming each field), saved,
//! audited and shown back; and what a saved setting changes on the next turn and the widget's
//! next session, through the chat API as the widget uses it.

use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use crate::chat::{Client, SHOP, app_with, token};
use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{TEST_API_SECRET, TestApp, session_token};
use crate::proxy::proxy_query;

/// A whole settings body, as the admin sends it.
pub fn body() -> Value {
    json!({
        "assistant_name": "Pine",
        "greeting": "Ahoy! Ask me anything about our boats.",
        "tone": "concise",
        "languages": ["en", "fr"],
        "tools": {"inventory_locations": false, "order_notes": true, "add_to_cart": true},
        "handoff": {"mode": "on_request", "keywords": ["chargeback", "lawyer"]},
        "business_hours": null,
        "branding": {"accent_color": "#AA3300", "position": "left"},
        "model": {"provider": "local"},
    })
}

/// The admin's calls for `shop`, with a fresh session token each time.
pub struct Admin<'a> {
    pub app: &'a TestApp,
    pub shop: &'a str,
}

impl Admin<'_> {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(session_token(self.shop));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

#[tokio::test]
async fn settings_are_checked_whole_saved_audited_and_shown_back() {
    let llm = FakeLlm::start().await;
    let (app, _shop) = app_with(&llm, &[]).await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let (status, shown) = admin.get("/api/settings").await;
    assert_eq!(status, 200);
    assert_eq!(shown["updated_at"], Value::Null);
    assert_eq!(shown["settings"]["assistant_name"], "Concierge");
    assert_eq!(
        shown["settings"]["model"],
        json!({"provider": "local", "api_key_set": false})
    );
    assert_eq!(shown["settings"]["tools"]["add_to_cart"], true);

    let (status, saved) = admin.put("/api/settings", body()).await;
    assert_eq!(status, 200, "{saved}");
    assert!(saved["updated_at"].is_string());
    assert_eq!(saved["settings"]["branding"]["accent_color"], "#aa3300");
    let (_, shown) = admin.get("/api/settings").await;
    assert_eq!(shown, saved);
    // Sent back as shown (with `api_key_set`), nothing changes and nothing is audited.
    let (status, again) = admin.put("/api/settings", shown["settings"].clone()).await;
    assert_eq!(status, 200);
    assert_eq!(again["updated_at"], saved["updated_at"]);

    let mut bad = body();
    bad["assistant_name"] = json!("");
    bad["tone"] = json!("grumpy");
    bad["business_hours"] = json!({"timezone": "Europe/Nowhere",
        "weekly": {"mon": [{"open": "09:00", "close": "25:00"}]}, "holidays": ["2026-13-01"]});
    bad["model"] = json!({"provider": "openai", "base_url": "not a url", "model": ""});
    let (status, error) = admin.put("/api/settings", bad).await;
    assert_eq!(status, 422);
    assert_eq!(error["error"]["code"], "unprocessable_entity");
    let fields: Vec<&str> = error["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "assistant_name",
            "business_hours.holidays.0",
            "business_hours.timezone",
            "business_hours.weekly.mon.0.close",
            "model.base_url",
            "model.model",
            "tone"
        ]
    );
    let mut wrong_type = body();
    wrong_type["tools"]["add_to_cart"] = json!("off");
    let (status, error) = admin.put("/api/settings", wrong_type).await;
    assert_eq!(status, 422);
    assert!(
        error["error"]["fields"]["tools.add_to_cart"].is_string(),
        "{error}"
    );
    let (_, unchanged) = admin.get("/api/settings").await;
    assert_eq!(unchanged, saved, "a refused body changes nothing");

    let mut renamed = body();
    renamed["greeting"] = json!("");
    let (status, _) = admin.put("/api/settings", renamed).await;
    assert_eq!(status, 200);
    let (status, audit) = admin.get("/api/settings/audit?limit=10").await;
    assert_eq!(status, 200);
    let changes = audit["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{audit}");
    assert_eq!(changes[0]["actor"], "42");
    assert_eq!(changes[0]["fields"], json!(["greeting"]));
    assert_eq!(
        changes[0]["before"],
        json!({"greeting": "Ahoy! Ask me anything about our boats."})
    );
    assert_eq!(changes[0]["after"], json!({"greeting": ""}));
    assert!(changes[1]["fields"].as_array().unwrap().len() >= 5);
    assert_eq!(admin.get("/api/settings/audit?limit=0").await.0, 400);
}

#[tokio::test]
async fn older_rows_still_read_and_the_storefront_domains_survive_a_save() {
    let llm = FakeLlm::start().await;
    let (app, shop) = app_with(&llm, &[]).await;
    sqlx::query("UPDATE shops SET settings = $2 WHERE id = $1")
        .bind(shop)
        .bind(json!({
            "assistant_name": "Old",
            "tone": "warm and brief",
            "show_inventory_locations": false,
            "storefront_domains": ["www.chat-test.example"],
            "business_hours": {"timezone": "America/Los_Angeles", "utc_offset": "-08:00",
                               "weekly": {"mon": {"open": "09:00", "close": "17:00"}}},
        }))
        .execute(&app.db.pool)
        .await
        .unwrap();
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let (_, shown) = admin.get("/api/settings").await;
    let settings = &shown["settings"];
    assert_eq!(settings["assistant_name"], "Old");
    assert_eq!(
        settings["tone"], "friendly",
        "a free-text tone shows as the default"
    );
    assert_eq!(settings["tools"]["inventory_locations"], false);
    assert_eq!(
        settings["business_hours"]["timezone"], "America/Los_Angeles",
        "{settings}"
    );
    assert_eq!(
        settings["business_hours"]["weekly"]["mon"],
        json!([{"open": "09:00", "close": "17:00"}])
    );
    let mut edited = settings.clone();
    edited["greeting"] = json!("Hello there");
    let (status, _) = admin.put("/api/settings", edited).await;
    assert_eq!(status, 200);
    let stored: Value = sqlx::query_scalar("SELECT settings FROM shops WHERE id = $1")
        .bind(shop)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        stored["storefront_domains"],
        json!(["www.chat-test.example"])
    );
    assert_eq!(stored.get("show_inventory_locations"), None);
    assert_eq!(stored["tools"]["inventory_locations"], false);
}

/// Hours open only on the day three days from now: closed now, whatever the time.
fn closed_now() -> Value {
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [(Utc::now().weekday().num_days_from_monday() as usize + 3) % 7];
    json!({"timezone": "Europe/Paris", "weekly": {day: [{"open": "09:00", "close": "17:00"}]},
           "holidays": []})
}

#[tokio::test]
async fn a_saved_setting_changes_the_next_turn_and_the_next_widget_session() {
    let llm = FakeLlm::start().await;
    let (app, shop) = app_with(&llm, &[]).await;
    let admin = Admin {
        app: &app,
        shop: SHOP,
    };
    let shopper = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = shopper.conversation().await;
    llm.then(Reply::text(&["Hello!"]));
    shopper.say(&conversation, "hi", None).await;
    let offered = |n: usize| -> Vec<String> {
        llm.requests()[n].body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(offered(0).iter().any(|t| t == "add_to_cart"));

    // Named, concise, and no cart: the next turn's instructions and tools say so.
    let mut settings = body();
    settings["tools"]["add_to_cart"] = json!(false);
    assert_eq!(admin.put("/api/settings", settings.clone()).await.0, 200);
    llm.then(Reply::text(&["Sure."]));
    shopper
        .say(&conversation, "add the mug to my cart", None)
        .await;
    let system = llm.messages(1)[0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("You are Pine"), "{system}");
    assert!(system.contains("concise"), "{system}");
    assert!(
        !offered(1).iter().any(|t| t == "add_to_cart"),
        "{:?}",
        offered(1)
    );

    // The offline responder is not offered the tool either: no cart button.
    let local = TestApp::spawn().await;
    let local_shop = crate::helpers::install_shop(&local.db, SHOP).await;
    let local_admin = Admin {
        app: &local,
        shop: SHOP,
    };
    assert_eq!(
        local_admin.put("/api/settings", settings.clone()).await.0,
        200
    );
    let local_shopper = Client {
        app: &local,
        token: token(local_shop, None),
    };
    let local_conversation = local_shopper.conversation().await;
    let events = local_shopper
        .say(
            &local_conversation,
            "please add the canvas tote to my cart",
            None,
        )
        .await;
    assert!(events.iter().any(|(name, _)| name == "done"), "{events:?}");
    assert!(
        !events.iter().any(|(name, _)| name == "action"),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|(name, e)| name == "tool" && e["name"] == "add_to_cart"),
        "{events:?}"
    );

    // A handoff keyword hands over at once, without asking the model; out of hours the widget
    // is told to collect an email.
    settings["business_hours"] = closed_now();
    assert_eq!(admin.put("/api/settings", settings.clone()).await.0, 200);
    let asked = llm.request_count();
    let events = shopper
        .say(&conversation, "I will file a Chargeback with my bank", None)
        .await;
    assert_eq!(llm.request_count(), asked, "the model was not asked");
    let handoff = events
        .iter()
        .find(|(name, _)| name == "handoff")
        .map(|(_, e)| e.clone())
        .unwrap_or_else(|| panic!("no handoff in {events:?}"));
    assert_eq!(handoff["agents_available"], false);
    assert_eq!(handoff["email_needed"], true);
    assert!(handoff["next_open"].is_string(), "{handoff}");
    let owner: String =
        sqlx::query_scalar("SELECT owner FROM conversations WHERE shop_id = $1 AND id = $2::uuid")
            .bind(shop)
            .bind(&conversation)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(owner, "human");
    let done = events.iter().find(|(name, _)| name == "done").unwrap();
    assert!(
        done.1["text"].as_str().unwrap().contains("email"),
        "the reply asks for an email: {done:?}"
    );

    // The widget's next session carries the name, greeting and branding.
    let now = Utc::now().timestamp().to_string();
    let query = proxy_query(
        &[
            ("path_prefix", "/apps/concierge"),
            ("shop", SHOP),
            ("timestamp", &now),
        ],
        TEST_API_SECRET,
    );
    let session: Value = app
        .get(&format!("/proxy/session?{query}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        session["assistant"],
        json!({"name": "Pine", "greeting": "Ahoy! Ask me anything about our boats.",
               "languages": ["en", "fr"], "accent_color": "#aa3300", "position": "left"})
    );
    let seen: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT widget_seen_at FROM shops WHERE id = $1")
            .bind(shop)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(seen.is_some(), "the storefront's session is recorded");
}
