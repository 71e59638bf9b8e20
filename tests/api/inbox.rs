//! The agents' inbox (issue 14) over a real server, PostgreSQL and the Shopify simulator: the
//! staff member's name from token exchange, a handoff seen live, take over, reply live on the
//! shopper's stream, notes the shopper never sees, typing both ways, an AI draft that stores
//! nothing, hand back (the assistant answers again), the audit trail and export, the
//! customer sidebar read live, saved replies; and every endpoint refused across shops.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use concierge::dev::demo::DEMO_SHOP;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::chat::{Client, events};
use crate::helpers::{
    DemoShop, TEST_API_SECRET, TestApp, eventually, install_shop, session_token_with, visitor_token,
};

const PRIYA: u64 = 70_002;
const TOM: u64 = 70_003;
const OWNER: u64 = 70_001;
const OTHER_SHOP: &str = "other-shop.myshopify.com";

/// A staff member of a shop, calling the inbox with fresh session tokens.
struct Staff<'a> {
    app: &'a TestApp,
    sim: &'a shopify_sim::Simulator,
    shop: &'a str,
    user: u64,
}

impl<'a> Staff<'a> {
    /// Staff member `user` of the demo shop.
    fn demo(app: &'a TestApp, sim: &'a shopify_sim::Simulator, user: u64) -> Self {
        Self {
            app,
            sim,
            shop: DEMO_SHOP,
            user,
        }
    }

    fn token(&self) -> String {
        self.sim.session_token(self.shop, self.user)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(self.token());
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.call(Method::GET, path, None).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.call(Method::POST, path, Some(body)).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A Server-Sent Events stream read in the background.
struct Stream(Arc<Mutex<String>>);

impl Stream {
    async fn open(request: reqwest::RequestBuilder) -> Self {
        let mut response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let seen = Arc::new(Mutex::new(String::new()));
        let sink = seen.clone();
        tokio::spawn(async move {
            while let Ok(Some(chunk)) = response.chunk().await {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk));
            }
        });
        Self(seen)
    }

    fn events(&self) -> Vec<(String, Value)> {
        events(&self.0.lock().unwrap())
    }

    /// Waits for an event named `name` whose data `matches`.
    async fn wait(&self, name: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let found = eventually(Duration::from_secs(15), || async {
            self.events()
                .into_iter()
                .find(|(n, data)| n == name && matches(data))
                .map(|(_, data)| data)
        })
        .await;
        found.unwrap_or_else(|| panic!("no {name} event came: {:?}", self.events()))
    }
}

#[tokio::test]
async fn agents_are_the_staff_shopify_names_and_their_row_is_made_on_first_visit() {
    let (app, sim, shop) = DemoShop::on_new_app(false).await;
    let priya = Staff::demo(&app, &sim, PRIYA);
    let (status, me) = priya.get("/api/inbox/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["agent"]["name"], "Priya Shah");
    assert_eq!(me["agent"]["email"], format!("priya@{DEMO_SHOP}"));
    assert_eq!(me["agent"]["role"], "agent");
    let owner = Staff {
        user: OWNER,
        ..priya
    };
    let (_, me) = owner.get("/api/inbox/me").await;
    assert_eq!(me["agent"]["name"], "Morgan Reyes");
    assert_eq!(me["agent"]["role"], "owner");

    // Availability is the agent's own; the team list says who is online.
    let response = priya
        .call(
            Method::PUT,
            "/api/inbox/me",
            Some(json!({"availability": "away"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let bad = priya
        .call(
            Method::PUT,
            "/api/inbox/me",
            Some(json!({"availability": "asleep"})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let (_, team) = owner.get("/api/inbox/agents").await;
    let online: Vec<(String, bool)> = team["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["online"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        online,
        [
            ("Morgan Reyes".to_owned(), true),
            ("Priya Shah".to_owned(), false)
        ]
    );
    // One row per staff member, however often they come.
    priya.get("/api/inbox/me").await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM agents WHERE shop_id = $1")
        .bind(shop.shop_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);

    // The admin frame signs its token for the staff member it is asked for.
    let frame = reqwest::get(format!(
        "{}/{DEMO_SHOP}/admin/apps/concierge?staff=tom",
        sim.base_url()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(frame.contains("Tom Becker"), "{frame}");
    assert!(frame.contains("session-token?staff=tom"));
}

#[tokio::test]
async fn an_agent_takes_over_replies_live_and_hands_back_to_the_assistant() {
    let (app, sim, shop) = DemoShop::on_new_app(false).await;
    let priya = Staff::demo(&app, &sim, PRIYA);
    let tom = Staff { user: TOM, ..priya };
    priya.get("/api/inbox/me").await;
    let inbox = Stream::open(
        app.client
            .get(app.url(&format!("/api/inbox/events?token={}", priya.token()))),
    )
    .await;

    // A shopper asks for a person: the assistant hands off, and the inbox sees it live.
    let shopper = Client::demo(&app, shop.shop_id, None);
    let c = shopper.conversation().await;
    let said = shopper
        .say(&c, "I want to talk to a real person please", None)
        .await;
    assert!(said.iter().any(|(n, _)| n == "handoff"), "{said:?}");
    inbox
        .wait("inbox_update", |d| {
            d["conversation_id"] == c.as_str() && d["reason"] == "handoff"
        })
        .await;
    inbox
        .wait("inbox_message", |d| d["entry"]["role"] == "shopper")
        .await;

    let (status, list) = priya
        .get("/api/inbox/conversations?view=needs_person")
        .await;
    assert_eq!(status, 200, "{list}");
    let row = &list["conversations"][0];
    assert_eq!(row["id"], c.as_str());
    assert_eq!(row["owner"], "human");
    assert!(row["waiting_since"].is_string(), "{row}");
    assert_eq!(row["unread"], 1);
    assert_eq!(list["counts"]["needs_person"], 1);
    assert_eq!(list["counts"]["ai"], 0);
    let (_, found) = priya
        .get("/api/inbox/conversations?view=all&q=real%20person")
        .await;
    assert_eq!(found["conversations"].as_array().unwrap().len(), 1);
    let (_, missed) = priya
        .get("/api/inbox/conversations?view=all&q=titanium")
        .await;
    assert_eq!(missed["conversations"].as_array().unwrap().len(), 0);

    // Opening it: the transcript with the assistant's tool call, read, and Priya is viewing.
    let (status, view) = priya.get(&format!("/api/inbox/conversations/{c}")).await;
    assert_eq!(status, 200, "{view}");
    let messages = view["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "shopper");
    let handoff = messages
        .iter()
        .flat_map(|m| m["tool_calls"].as_array().unwrap())
        .find(|t| t["name"] == "handoff_to_human")
        .expect("the handoff's tool call is inspectable");
    assert_eq!(handoff["status"], "ok");
    assert_eq!(view["viewers"][0]["name"], "Priya Shah");
    let (_, list) = priya.get("/api/inbox/conversations").await;
    assert_eq!(list["conversations"][0]["unread"], 0);
    // A colleague opening it sees her there (the collision warning).
    let (_, tom_view) = tom.get(&format!("/api/inbox/conversations/{c}")).await;
    let viewers: Vec<&str> = tom_view["viewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(viewers, ["Priya Shah", "Tom Becker"]);
    inbox
        .wait("viewers", |d| d["viewers"].as_array().unwrap().len() == 2)
        .await;

    // Priya takes it; only she may reply.
    let widget = Stream::open(
        app.client
            .get(app.url(&format!("/chat/conversations/{c}/events")))
            .bearer_auth(&shopper.token),
    )
    .await;
    let (status, taken) = priya
        .post(&format!("/api/inbox/conversations/{c}/take"), json!({}))
        .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["conversation"]["assignee"]["name"], "Priya Shah");
    let (status, _) = tom
        .post(
            &format!("/api/inbox/conversations/{c}/messages"),
            json!({"text": "I'll take this one"}),
        )
        .await;
    assert_eq!(status, 409);
    let typing = priya
        .call(
            Method::POST,
            &format!("/api/inbox/conversations/{c}/typing"),
            None,
        )
        .await;
    assert_eq!(typing.status(), 204);
    widget
        .wait("typing", |d| d["who"] == "agent" && d["name"] == "Priya")
        .await;
    let (status, reply) = priya
        .post(
            &format!("/api/inbox/conversations/{c}/messages"),
            json!({"text": "Hi, I'm Priya. How can I help?"}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["agent"]["name"], "Priya");
    let message = widget
        .wait("message", |d| d["message"]["role"] == "agent")
        .await;
    assert_eq!(message["message"]["text"], "Hi, I'm Priya. How can I help?");
    assert_eq!(message["message"]["attachments"][0]["name"], "Priya");

    // A note stays with the agents: not on the shopper's stream, not in their conversation.
    let (status, _) = priya
        .post(
            &format!("/api/inbox/conversations/{c}/notes"),
            json!({"text": "Regular customer, be generous"}),
        )
        .await;
    assert_eq!(status, 201);
    inbox
        .wait("inbox_message", |d| d["entry"]["role"] == "note")
        .await;

    // The shopper types and answers: the inbox sees both; no assistant answers a person's
    // conversation.
    let typed = shopper
        .post(&format!("/chat/conversations/{c}/typing"), json!({}))
        .await;
    assert_eq!(typed.status(), 204);
    inbox
        .wait("typing", |d| {
            d["who"] == "shopper" && d["conversation_id"] == c.as_str()
        })
        .await;
    let said = shopper.say(&c, "My parcel never arrived", None).await;
    assert_eq!(said.len(), 1, "{said:?}");
    let (_, list) = priya.get("/api/inbox/conversations?view=mine").await;
    assert_eq!(list["conversations"][0]["unread"], 1);
    assert!(list["conversations"][0]["waiting_since"].is_string());
    assert_eq!(list["counts"]["mine"], 1);

    // An AI draft: the assistant's words and sources, nothing stored or sent.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (status, draft) = priya
        .post(&format!("/api/inbox/conversations/{c}/draft"), json!({}))
        .await;
    assert_eq!(status, 200, "{draft}");
    assert!(!draft["text"].as_str().unwrap().is_empty(), "{draft}");
    assert!(draft["sources"].is_array());
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after, "a draft is not a message");

    // Hand back: the assistant answers the shopper's next message.
    let (status, back) = priya
        .post(
            &format!("/api/inbox/conversations/{c}/hand-back"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(back["conversation"]["owner"], "ai");
    assert_eq!(back["conversation"]["assignee"], Value::Null);
    let said = shopper.say(&c, "Do you sell rain jackets?", None).await;
    assert!(said.iter().any(|(n, _)| n == "done"), "{said:?}");

    // The shopper never saw the note; the audit trail holds every step with its agent.
    let stream = widget.0.lock().unwrap().clone();
    assert!(!stream.contains("generous"), "{stream}");
    let mine = shopper.get(&format!("/chat/conversations/{c}")).await;
    assert!(!mine.text().await.unwrap().contains("generous"));
    let trail: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.action, g.name FROM inbox_audit a JOIN agents g ON g.shop_id = a.shop_id AND g.id = a.agent_id
         WHERE a.shop_id = $1 ORDER BY a.id",
    )
    .bind(shop.shop_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["take", "reply", "note", "hand_back"]);
    assert!(trail.iter().all(|(_, name)| name == "Priya Shah"));

    // Assign to a colleague, close, reopen; the export carries transcript and audit.
    let tom_id = tom_view["viewers"][1]["id"].as_i64().unwrap();
    let (status, assigned) = priya
        .post(
            &format!("/api/inbox/conversations/{c}/assign"),
            json!({"agent_id": tom_id}),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["conversation"]["assignee"]["name"], "Tom Becker");
    let (status, _) = priya
        .post(
            &format!("/api/inbox/conversations/{c}/assign"),
            json!({"agent_id": 999_999}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, closed) = tom
        .post(&format!("/api/inbox/conversations/{c}/close"), json!({}))
        .await;
    assert_eq!(
        (status, closed["conversation"]["owner"].as_str()),
        (200, Some("closed"))
    );
    let (status, _) = tom
        .post(
            &format!("/api/inbox/conversations/{c}/messages"),
            json!({"text": "hello?"}),
        )
        .await;
    assert_eq!(status, 409, "a closed conversation takes no reply");
    let (_, list) = tom.get("/api/inbox/conversations?view=closed").await;
    assert_eq!(list["counts"]["closed"], 1);
    let (status, reopened) = tom
        .post(&format!("/api/inbox/conversations/{c}/reopen"), json!({}))
        .await;
    assert_eq!(
        (status, reopened["conversation"]["owner"].as_str()),
        (200, Some("human"))
    );
    let csv = tom
        .call(
            Method::GET,
            &format!("/api/inbox/conversations/{c}/export?format=csv"),
            None,
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    for needle in [
        "audit",
        "hand_back",
        "assign",
        "reopen",
        "Hi, I'm Priya",
        "generous",
    ] {
        assert!(csv.contains(needle), "{needle} in {csv}");
    }
    let (_, export) = tom
        .get(&format!("/api/inbox/conversations/{c}/export?format=json"))
        .await;
    assert_eq!(export["audit"].as_array().unwrap().len(), 7, "{export}");
    assert_eq!(export["conversation"]["id"], c.as_str());
}

#[tokio::test]
async fn the_sidebar_reads_the_customer_live_and_saved_replies_fill_in_their_name() {
    let (app, sim, shop) = DemoShop::on_new_app(false).await;
    let priya = Staff::demo(&app, &sim, PRIYA);
    // Emma is logged in on the storefront (the app proxy vouched for her).
    let emma = Client::demo(&app, shop.shop_id, Some("7300000000001"));
    let c = emma.conversation().await;
    emma.say(&c, "I want to talk to a real person please", None)
        .await;
    let (status, side) = priya
        .get(&format!("/api/inbox/conversations/{c}/customer"))
        .await;
    assert_eq!(status, 200, "{side}");
    assert_eq!(side["verified"], true);
    assert_eq!(side["customer"]["name"], "Emma Caldwell");
    assert_eq!(side["customer"]["email"], "emma.caldwell@example.com");
    assert_eq!(side["customer"]["phone"], "+15552010187");
    let names: Vec<&str> = side["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{side}");
    for name in ["#1001", "#1013", "#1038"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert_eq!(side["customer"]["orders_count"], 3);

    // Saved replies, with the customer's first name and latest order filled in.
    let (status, saved) = priya
        .post(
            "/api/inbox/saved-replies",
            json!({"title": "Greeting", "text": "Hi {{first_name}}, about order {{order_number}}:"}),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_i64().unwrap();
    let (_, filled) = priya
        .get(&format!("/api/inbox/conversations/{c}/saved-replies/{id}"))
        .await;
    let text = filled["text"].as_str().unwrap();
    assert!(text.starts_with("Hi Emma, about order #10"), "{text}");
    let (_, all) = priya.get("/api/inbox/saved-replies").await;
    assert_eq!(all["saved_replies"][0]["title"], "Greeting");
    let gone = priya
        .call(
            Method::DELETE,
            &format!("/api/inbox/saved-replies/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status(), 204);

    // An anonymous shopper: the sidebar shows the page they wrote from, and no customer.
    let anon = Client::demo(&app, shop.shop_id, None);
    let a = anon.conversation().await;
    let response = anon
        .post(
            &format!("/chat/conversations/{a}/messages"),
            json!({"text": "Can I speak to a human?", "page": {"template": "product", "url": "/products/squall"}}),
        )
        .await;
    response.text().await.unwrap();
    let (_, side) = priya
        .get(&format!("/api/inbox/conversations/{a}/customer"))
        .await;
    assert_eq!(side["verified"], false);
    assert_eq!(side["customer"], Value::Null);
    assert_eq!(side["page"]["url"], "/products/squall");
}

#[tokio::test]
async fn the_list_names_a_verified_customer_from_shopify_once_and_keeps_the_name() {
    let (app, sim, shop) = DemoShop::on_new_app(false).await;
    let priya = Staff::demo(&app, &sim, PRIYA);
    let emma = Client::demo(&app, shop.shop_id, Some("7300000000001"));
    let c = emma.conversation().await;
    emma.say(&c, "Do you ship to Canada?", None).await;
    let anon = Client::demo(&app, shop.shop_id, None);
    let a = anon.conversation().await;
    anon.say(&a, "Do you ship to Canada?", None).await;
    let row = |list: &Value, id: &str| {
        list["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not listed: {list}"))
    };

    // Named in the list before anyone opened her sidebar; the anonymous shopper is nobody.
    let (status, list) = priya.get("/api/inbox/conversations?view=all").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(row(&list, &c)["customer"]["name"], "Emma Caldwell");
    assert_eq!(row(&list, &a)["customer"], Value::Null);

    // Kept on her conversation: the next list reads it from there, not from Shopify.
    let kept = "Emma (as kept)";
    sqlx::query("UPDATE conversations SET customer_name = $1 WHERE id = $2::uuid")
        .bind(kept)
        .bind(&c)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, list) = priya.get("/api/inbox/conversations?view=all").await;
    assert_eq!(row(&list, &c)["customer"]["name"], kept);
    // The sidebar reads her live and refreshes the kept name.
    let (status, _) = priya
        .get(&format!("/api/inbox/conversations/{c}/customer"))
        .await;
    assert_eq!(status, 200);
    let (_, list) = priya.get("/api/inbox/conversations?view=all").await;
    assert_eq!(row(&list, &c)["customer"]["name"], "Emma Caldwell");
}

#[tokio::test]
async fn the_draft_answers_the_question_that_led_to_the_handoff_on_its_page() {
    // Synced: the policies and the catalog are in the knowledge index.
    let (app, sim, shop) = DemoShop::on_new_app(true).await;
    let priya = Staff::demo(&app, &sim, PRIYA);
    let shopper = Client::demo(&app, shop.shop_id, None);
    let draft = |c: String| {
        let priya = &priya;
        async move {
            let (status, draft) = priya
                .post(&format!("/api/inbox/conversations/{c}/draft"), json!({}))
                .await;
            assert_eq!(status, 200, "{draft}");
            draft
        }
    };

    // A policy question, then a request for a person: the draft answers the policy, with it
    // as its source.
    let c = shopper.conversation().await;
    shopper.say(&c, "What's your return policy?", None).await;
    shopper
        .say(&c, "I want to talk to a real person please", None)
        .await;
    let drafted = draft(c).await;
    let sources = drafted["sources"].to_string().to_lowercase();
    assert!(
        sources.contains("return") || sources.contains("refund"),
        "{drafted}"
    );

    // "Is this available in XL?" on a product's page, then a person: the draft is about that
    // product (the page the widget sent).
    let (gid, title): (String, String) = sqlx::query_as(
        "SELECT external_id, title FROM documents
         WHERE shop_id = $1 AND kind = 'product' AND title ILIKE 'Squall%'",
    )
    .bind(shop.shop_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let product: u64 = gid.rsplit('/').next().unwrap().parse().unwrap();
    let c = shopper.conversation().await;
    let asked = shopper
        .post(
            &format!("/chat/conversations/{c}/messages"),
            json!({"text": "Is this available in XL?",
                   "page": {"template": "product", "url": "/products/squall-rain-shell",
                            "product_id": product}}),
        )
        .await;
    asked.text().await.unwrap();
    shopper.say(&c, "Can I speak to a human?", None).await;
    let drafted = draft(c).await;
    let text = drafted["text"].as_str().unwrap();
    let name = title.split_whitespace().next().unwrap();
    assert!(text.contains(name), "not about {title}: {drafted}");
    assert!(text.contains("XL"), "{drafted}");
}

/// Every inbox endpoint, for conversation `c` and saved reply `reply`.
fn walk(c: &str, reply: i64) -> Vec<(Method, String, Option<Value>)> {
    let conv = |rest: &str| format!("/api/inbox/conversations/{c}{rest}");
    let photo = Uuid::new_v4();
    vec![
        (Method::GET, conv(""), None),
        (Method::GET, conv("/customer"), None),
        (Method::POST, conv("/take"), None),
        (Method::POST, conv("/hand-back"), None),
        (Method::POST, conv("/close"), None),
        (Method::POST, conv("/reopen"), None),
        (Method::POST, conv("/assign"), Some(json!({"agent_id": 1}))),
        (
            Method::POST,
            conv("/messages"),
            Some(json!({"text": "hello"})),
        ),
        (
            Method::POST,
            conv("/notes"),
            Some(json!({"text": "a note"})),
        ),
        (Method::POST, conv("/typing"), None),
        (Method::POST, conv("/draft"), None),
        (Method::GET, conv("/export?format=json"), None),
        (Method::GET, conv("/export?format=csv"), None),
        (Method::GET, conv(&format!("/attachments/{photo}")), None),
        (Method::GET, conv(&format!("/saved-replies/{reply}")), None),
        (
            Method::DELETE,
            format!("/api/inbox/saved-replies/{reply}"),
            None,
        ),
    ]
}

/// Every route of the inbox that names no conversation.
fn shop_wide() -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/inbox/me".into(), None),
        (
            Method::PUT,
            "/api/inbox/me".into(),
            Some(json!({"availability": "away"})),
        ),
        (Method::GET, "/api/inbox/agents".into(), None),
        (Method::GET, "/api/inbox/conversations".into(), None),
        (Method::GET, "/api/inbox/saved-replies".into(), None),
        (
            Method::POST,
            "/api/inbox/saved-replies".into(),
            Some(json!({"title": "t", "text": "x"})),
        ),
        (Method::GET, "/api/inbox/events".into(), None),
    ]
}

async fn status(
    app: &TestApp,
    token: &str,
    (method, path, body): &(Method, String, Option<Value>),
) -> u16 {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status >= 400 {
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
    status
}

#[tokio::test]
async fn another_shops_agent_or_a_replayed_token_gets_nothing_of_a_shops_inbox() {
    let (app, sim, shop) = DemoShop::on_new_app(false).await;
    let other = install_shop(&app.db, OTHER_SHOP).await;
    let a_agent = Staff::demo(&app, &sim, PRIYA);
    let b_agent = Staff {
        shop: OTHER_SHOP,
        ..a_agent
    };
    // A conversation and a saved reply in each shop.
    let in_a = Client::demo(&app, shop.shop_id, None);
    let c_a = in_a.conversation().await;
    in_a.say(&c_a, "I want to talk to a real person please", None)
        .await;
    let in_b = Client {
        app: &app,
        token: visitor_token(other, OTHER_SHOP, None),
    };
    let c_b = in_b.conversation().await;
    let (_, saved_a) = a_agent
        .post(
            "/api/inbox/saved-replies",
            json!({"title": "A", "text": "a"}),
        )
        .await;
    let (_, saved_b) = b_agent
        .post(
            "/api/inbox/saved-replies",
            json!({"title": "B", "text": "b"}),
        )
        .await;
    let (saved_a, saved_b) = (
        saved_a["id"].as_i64().unwrap(),
        saved_b["id"].as_i64().unwrap(),
    );

    // Shop B's agent, on shop A's conversation and saved reply: 404 on every endpoint.
    for probe in walk(&c_a, saved_a) {
        assert_eq!(
            status(&app, &b_agent.token(), &probe).await,
            404,
            "{} {}",
            probe.0,
            probe.1
        );
    }
    // Shop A's token replayed against shop B's conversation and saved reply: 404 each.
    for probe in walk(&c_b, saved_b) {
        assert_eq!(
            status(&app, &a_agent.token(), &probe).await,
            404,
            "{} {}",
            probe.0,
            probe.1
        );
    }
    // Shop B's own views hold nothing of shop A.
    let (_, list) = b_agent.get("/api/inbox/conversations?view=all").await;
    assert!(!list.to_string().contains(&c_a), "{list}");
    let (_, saved) = b_agent.get("/api/inbox/saved-replies").await;
    assert!(!saved.to_string().contains("\"A\""), "{saved}");

    // No token, an expired one, another app's, or one for a shop without the app: 401 on
    // every endpoint.
    let expired = session_token_with(DEMO_SHOP, TEST_API_SECRET, |c| {
        c.exp = chrono::Utc::now().timestamp() - 600;
    });
    let forged = session_token_with(DEMO_SHOP, "another-apps-secret", |_| {});
    let stranger = sim.session_token("not-installed.myshopify.com", PRIYA);
    let mut probes = walk(&c_a, saved_a);
    probes.extend(shop_wide());
    for token in ["", &expired, &forged, &stranger] {
        for probe in &probes {
            assert_eq!(
                status(&app, token, probe).await,
                401,
                "{} {}",
                probe.0,
                probe.1
            );
        }
    }
    // The stream's `?token=` is verified like the bearer.
    let response = app
        .client
        .get(app.url(&format!("/api/inbox/events?token={forged}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Nothing was written into shop A by any of it.
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox_audit")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(audit, 0);
    let owner: String = sqlx::query_scalar("SELECT owner FROM conversations WHERE id = $1")
        .bind(Uuid::parse_str(&c_a).unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(owner, "human");
}
