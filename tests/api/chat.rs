//! The widget's chat API over HTTP: sessions through the app proxy, messages stored before
//! the model is called, answers streamed as Server-Sent Events, resends, resumes, limits and
//! CORS; and a server killed mid-answer losing nothing.

use std::time::Duration;

use concierge::chat::visitor::Visitor;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{
    APP_ENV, TEST_API_SECRET, TestApp, TestDb, concierge, eventually, install_shop, visitor_token,
};
use crate::proxy::proxy_query;

pub const SHOP: &str = "chat-test.myshopify.com";

/// A token for a new anonymous visitor (or `customer`) of `shop_id`.
pub fn token(shop_id: i64, customer: Option<&str>) -> String {
    visitor_token(shop_id, SHOP, customer)
}

/// The app answering with the fake model at `llm`, and the shop's id.
pub async fn app_with(llm: &FakeLlm, extra: &[&str]) -> (TestApp, i64) {
    let url = llm.url.clone();
    let mut args = vec!["--chat-url", url.as_str(), "--chat-model", "fake-model"];
    args.extend_from_slice(extra);
    let app = TestApp::spawn_on(TestDb::migrated().await, &args).await;
    let shop = install_shop(&app.db, SHOP).await;
    (app, shop)
}

pub struct Client<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl<'a> Client<'a> {
    /// A new visitor of the demo shop (a logged-in `customer`, or anonymous).
    pub fn demo(app: &'a TestApp, shop_id: i64, customer: Option<&str>) -> Self {
        Self {
            app,
            token: visitor_token(shop_id, concierge::dev::demo::DEMO_SHOP, customer),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn conversation(&self) -> String {
        let response = self
            .post("/chat/conversations", json!({"locale": "en"}))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// Sends a message and reads its whole answer stream.
    pub async fn say(
        &self,
        conversation: &str,
        text: &str,
        client_id: Option<&str>,
    ) -> Vec<(String, Value)> {
        let response = self
            .post(
                &format!("/chat/conversations/{conversation}/messages"),
                json!({"text": text, "client_id": client_id}),
            )
            .await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        assert_eq!(response.headers()["content-type"], "text/event-stream",);
        events(&response.text().await.unwrap())
    }
}

/// `(event, data)` of each Server-Sent Event in `body`.
pub fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            Some((name?, serde_json::from_str(&data).unwrap_or(Value::Null)))
        })
        .collect()
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn a_message_is_stored_then_answered_as_a_stream_and_the_turn_is_accounted() {
    let llm = FakeLlm::start().await;
    llm.then(Reply::text(&["Hello", " there", "!"]).with_usage(120, 8));
    let (app, shop) = app_with(&llm, &["--chat-prices", "fake-model=1/2"]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let said = client
        .say(
            &conversation,
            "Hi, my card is 4111 1111 1111 1111",
            Some("m1"),
        )
        .await;
    assert_eq!(
        names(&said),
        ["stored", "turn", "delta", "delta", "delta", "done"],
        "{said:?}"
    );
    // Stored first, redacted, before the model saw it.
    assert_eq!(said[0].1["owner"], "ai");
    assert_eq!(
        said[0].1["message"]["text"],
        "Hi, my card is [card number removed]"
    );
    let sent = llm.messages(0);
    assert!(
        !serde_json::to_string(&sent).unwrap().contains("4111"),
        "the model saw the card number"
    );
    assert_eq!(sent[0]["role"], "system");
    assert_eq!(said[5].1["text"], "Hello there!");

    let history: Value = client
        .get(&format!("/chat/conversations/{conversation}"))
        .await
        .json()
        .await
        .unwrap();
    let roles: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["shopper", "assistant"]);
    assert_eq!(history["turn"]["status"], "answered");

    let (status, model, prompt, completion, cost): (String, String, i32, i32, f64) = sqlx::query_as(
        "SELECT status, model, prompt_tokens, completion_tokens, cost_usd::float8 FROM turns WHERE shop_id = $1",
    )
    .bind(shop)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), model.as_str(), prompt, completion),
        ("answered", "fake-model", 120, 8)
    );
    assert!(
        (cost - (120.0 * 1.0 + 8.0 * 2.0) / 1e6).abs() < 1e-9,
        "{cost}"
    );
    let (conversations, turns): (i32, i32) =
        sqlx::query_as("SELECT conversations, turns FROM usage_daily WHERE shop_id = $1")
            .bind(shop)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((conversations, turns), (1, 1));

    // Sent again (a lost connection): stored once, the stored answer replayed, no model call.
    let again = client
        .say(
            &conversation,
            "Hi, my card is 4111 1111 1111 1111",
            Some("m1"),
        )
        .await;
    assert_eq!(names(&again), ["stored", "done"]);
    assert_eq!(again[1].1["text"], "Hello there!");
    assert_eq!(llm.request_count(), 1);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE shop_id = $1")
        .bind(shop)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);

    // CSAT.
    let rated = client
        .post(
            &format!("/chat/conversations/{conversation}/csat"),
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(rated.status(), 204);
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_conversations_stay_private() {
    let llm = FakeLlm::start().await;
    let (app, shop) = app_with(&llm, &[]).await;
    let alice = Client {
        app: &app,
        token: token(shop, Some("1001")),
    };
    let conversation = alice.conversation().await;
    let path = format!("/chat/conversations/{conversation}/messages");
    let csat = format!("/chat/conversations/{conversation}/csat");

    let cases: Vec<(Client, &str, Value, u16)> = vec![
        (
            Client {
                app: &app,
                token: "nonsense".into(),
            },
            path.as_str(),
            json!({"text": "hi"}),
            401,
        ),
        (
            Client {
                app: &app,
                token: token(shop, Some("1001")).replace('.', "x."),
            },
            path.as_str(),
            json!({"text": "hi"}),
            401,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            path.as_str(),
            json!({"text": "   "}),
            422,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            path.as_str(),
            json!({"text": "x".repeat(4_001)}),
            413,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            path.as_str(),
            json!({"txt": "hi"}),
            422,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            path.as_str(),
            json!({"text": "hi", "client_id": ""}),
            422,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            "/chat/conversations/00000000-0000-0000-0000-000000000000/messages",
            json!({"text": "hi"}),
            404,
        ),
        // Another visitor, or the same visitor id without the customer's login, sees nothing.
        (
            Client {
                app: &app,
                token: token(shop, None),
            },
            path.as_str(),
            json!({"text": "hi"}),
            404,
        ),
        (
            Client {
                app: &app,
                token: token(shop, None),
            },
            csat.as_str(),
            json!({"rating": 5}),
            404,
        ),
        (
            Client {
                app: &app,
                token: alice.token.clone(),
            },
            csat.as_str(),
            json!({"rating": 9}),
            422,
        ),
    ];
    for (client, path, body, status) in cases {
        let response = client.post(path, body.clone()).await;
        assert_eq!(response.status(), status, "{path} {body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let oversized = app
        .client
        .post(app.url(&path))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body(format!("{{\"text\": \"{}\"}}", "x".repeat(40_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    let malformed = app
        .client
        .post(app.url(&path))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body("{\"text\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    // Nothing was stored by any of them, and the model was never called.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE shop_id = $1")
        .bind(shop)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert_eq!(llm.request_count(), 0);
}

#[tokio::test]
async fn visitors_are_rate_limited_with_retry_after() {
    let llm = FakeLlm::start().await;
    llm.then_times(10, Reply::text(&["ok"]));
    let (app, shop) = app_with(&llm, &["--chat-visitor-messages-per-minute", "3"]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    let path = format!("/chat/conversations/{conversation}/messages");
    let mut statuses = Vec::new();
    for i in 0..3 {
        let response = client
            .post(&path, json!({"text": format!("hello {i}")}))
            .await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
        let _ = response.text().await;
    }
    // The conversation took one token, two messages passed, the third waits.
    assert_eq!(statuses, [200, 200, 429]);
    // Another visitor is not affected.
    let other = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = other.conversation().await;
    assert_eq!(
        names(&other.say(&conversation, "hi", None).await).last(),
        Some(&"done")
    );
}

#[tokio::test]
async fn browsers_reach_the_api_only_from_the_shops_storefronts() {
    let llm = FakeLlm::start().await;
    let (app, shop) = app_with(&llm, &[]).await;
    sqlx::query("UPDATE shops SET settings = '{\"storefront_domains\": [\"www.chat-test.example\"]}' WHERE id = $1")
        .bind(shop)
        .execute(&app.db.pool)
        .await
        .unwrap();
    for (origin, allowed) in [
        ("https://chat-test.myshopify.com", true),
        ("https://www.chat-test.example", true),
        ("https://evil.example", false),
    ] {
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/chat/conversations"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        let status = preflight.status();
        let body = preflight.text().await.unwrap();
        assert_eq!(status.is_success(), allowed, "{origin} {status} {body}");
        let actual = app
            .client
            .post(app.url("/chat/conversations"))
            .header("origin", origin)
            .bearer_auth(token(shop, None))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            actual.status().as_u16(),
            if allowed { 201 } else { 403 },
            "{origin}"
        );
        if allowed {
            assert_eq!(actual.headers()["access-control-allow-origin"], origin);
        }
    }
}

#[tokio::test]
async fn the_app_proxy_issues_visitor_tokens_for_installed_shops_only() {
    let llm = FakeLlm::start().await;
    let (app, _shop) = app_with(&llm, &[]).await;
    let now = chrono::Utc::now().timestamp().to_string();
    let visitor = Uuid::new_v4().to_string();
    let query = proxy_query(
        &[
            ("shop", SHOP),
            ("logged_in_customer_id", "4242"),
            ("path_prefix", "/apps/concierge"),
            ("timestamp", &now),
            ("visitor", &visitor),
        ],
        TEST_API_SECRET,
    );
    let session: Value = app
        .get(&format!("/proxy/session?{query}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["visitor_id"], visitor);
    assert_eq!(session["logged_in"], true);
    let token = session["token"].as_str().unwrap();
    let verified = Visitor::verify(
        TEST_API_SECRET.as_bytes(),
        token,
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert_eq!(verified.customer_id.as_deref(), Some("4242"));

    let unsigned = app
        .get(&format!(
            "/proxy/session?shop={SHOP}&logged_in_customer_id=1&timestamp={now}"
        ))
        .await;
    assert_eq!(unsigned.status(), 401);
    let other = proxy_query(
        &[
            ("path_prefix", "/apps/concierge"),
            ("shop", "not-installed.myshopify.com"),
            ("timestamp", &now),
        ],
        TEST_API_SECRET,
    );
    assert_eq!(
        app.get(&format!("/proxy/session?{other}")).await.status(),
        404
    );
}

#[tokio::test]
async fn a_reconnecting_widget_resumes_the_answer_where_it_left_off() {
    let llm = FakeLlm::start().await;
    llm.then(
        Reply::text(&["one ", "two ", "three ", "four"])
            .with_chunk_delay(Duration::from_millis(150)),
    );
    let (app, shop) = app_with(&llm, &[]).await;
    let client = Client {
        app: &app,
        token: token(shop, None),
    };
    let conversation = client.conversation().await;
    // The widget follows the conversation, reads two events and drops.
    let follow = format!("/chat/conversations/{conversation}/events");
    let mut stream = client.get(&follow).await;
    assert_eq!(stream.status(), 200);
    let sender = {
        let token = client.token.clone();
        let url = app.url(&format!("/chat/conversations/{conversation}/messages"));
        let http = app.client.clone();
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"text": "count"}))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    let mut seen = String::new();
    while events(&seen).iter().filter(|(n, _)| n == "delta").count() < 1 {
        seen.push_str(&String::from_utf8_lossy(
            &stream.chunk().await.unwrap().unwrap(),
        ));
    }
    drop(stream);
    let last_id = seen
        .lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .next_back()
        .unwrap()
        .trim()
        .to_owned();
    // Reconnects with Last-Event-ID: the rest, nothing twice.
    let resumed = app
        .client
        .get(app.url(&follow))
        .bearer_auth(&client.token)
        .header("last-event-id", &last_id)
        .send()
        .await
        .unwrap();
    let mut rest = String::new();
    let mut resumed = resumed;
    while !events(&rest).iter().any(|(n, _)| n == "done") {
        rest.push_str(&String::from_utf8_lossy(
            &resumed.chunk().await.unwrap().unwrap(),
        ));
    }
    let text: String = events(&seen)
        .into_iter()
        .chain(events(&rest))
        .filter(|(n, _)| n == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(text, "one two three four");
    // An id from before a restart asks the widget to reload.
    let stale = app
        .client
        .get(app.url(&follow))
        .bearer_auth(&client.token)
        .header("last-event-id", "00000001-5")
        .send()
        .await
        .unwrap();
    let mut stale = stale;
    let first = String::from_utf8_lossy(&stale.chunk().await.unwrap().unwrap()).into_owned();
    assert!(first.contains("event: reset"), "{first}");
    sender.await.unwrap();
}

#[tokio::test]
async fn a_server_killed_mid_answer_loses_nothing() {
    let llm = FakeLlm::start().await;
    // The first answer stalls after one delta (the server is killed meanwhile); the resent
    // message gets the second.
    llm.then(Reply::stall_after(&["Let me check"]));
    llm.then(Reply::text(&["All good."]));
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, SHOP).await;
    let llm_url = llm.url.clone();
    let start = |port: u16| {
        concierge()
            .arg("serve")
            .envs(APP_ENV.iter().copied())
            .env("DATABASE_URL", &db.url)
            .env("CONCIERGE_LISTEN", format!("127.0.0.1:{port}"))
            .env("CONCIERGE_CHAT_URL", &llm_url)
            .env("CONCIERGE_CHAT_MODEL", "fake-model")
            // Longer than the test waits: the dead turn is taken over by its lease.
            .env("CONCIERGE_CHAT_TURN_TIMEOUT_SECS", "120")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the server")
    };
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let up = || async {
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .map(|_| ())
    };
    let mut server = start(port);
    assert!(
        eventually(Duration::from_secs(30), up).await.is_some(),
        "the server did not start"
    );
    let token = token(shop, None);
    let conversation: Value = http
        .post(format!("{base}/chat/conversations"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = conversation["id"].as_str().unwrap().to_owned();
    let send = || {
        http.post(format!("{base}/chat/conversations/{id}/messages"))
            .bearer_auth(&token)
            .json(&json!({"text": "Where is my parcel?", "client_id": "c-1"}))
            .send()
    };
    let mut answer = send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let mut seen = String::new();
    while !seen.contains("Let me check") {
        seen.push_str(&String::from_utf8_lossy(
            &answer.chunk().await.unwrap().unwrap(),
        ));
    }
    server.kill().await.unwrap();
    let killed = std::time::Instant::now();

    let mut server = start(port);
    assert!(
        eventually(Duration::from_secs(30), up).await.is_some(),
        "the server did not restart"
    );
    let history: Value = http
        .get(format!("{base}/chat/conversations/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["conversation"]["owner"], "ai");
    let messages = history["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{history}");
    assert_eq!(messages[0]["text"], "Where is my parcel?");
    assert_eq!(history["turn"]["status"], "running");

    // The widget sends the message again: stored once, answered as soon as the dead turn's
    // lease has lapsed (seconds), not once the longest a turn may run has passed.
    let resent = eventually(Duration::from_secs(30), || async {
        let body = send().await.ok()?.text().await.ok()?;
        let said = events(&body);
        said.iter()
            .any(|(n, d)| n == "done" && d["text"] == "All good.")
            .then_some(said)
    })
    .await
    .expect("the resent message was answered");
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "answered {:?} after the crash",
        killed.elapsed()
    );
    assert_eq!(resent[0].0, "stored");
    let (shopper, turns): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM messages WHERE shop_id = $1 AND role = 'shopper'),
                (SELECT count(*) FROM turns WHERE shop_id = $1)",
    )
    .bind(shop)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(shopper, 1);
    assert!(turns >= 2);
    server.kill().await.unwrap();
}
