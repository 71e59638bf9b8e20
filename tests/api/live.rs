//! Live delivery across web nodes over one database (issue 14): a shopper following on one
//! node sees an agent's reply posted on another; a stream that reconnects to the other node
//! with `Last-Event-ID` misses nothing and is not reset; a node SIGKILLed mid-answer loses
//! nothing; rate limits hold across nodes.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::chat::{SHOP, events, token};
use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{
    APP_ENV, TestDb, concierge, eventually, http, install_shop, session_token, state,
};

/// A web node (the app in this process) on `db`; returns its base URL. Stops with `stop`.
async fn node(db: &TestDb, extra: &[&str], stop: &CancellationToken) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(concierge::launch(
        listener,
        state(db, extra).await,
        stop.clone(),
    ));
    address
}

/// An open event stream and what it has said so far.
struct Stream {
    response: reqwest::Response,
    seen: String,
}

impl Stream {
    /// Follows `conversation` on `base`, after `last_event_id` if given.
    async fn open(
        base: &str,
        token: &str,
        conversation: &str,
        last_event_id: Option<&str>,
    ) -> Self {
        let mut request = http()
            .get(format!("{base}/chat/conversations/{conversation}/events"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        Self {
            response,
            seen: String::new(),
        }
    }

    /// Reads until `done` holds of what was seen, or fails after 15 seconds.
    async fn until(&mut self, done: impl Fn(&str) -> bool) {
        let read = tokio::time::timeout(Duration::from_secs(15), async {
            while !(done(&self.seen) && self.seen.ends_with("\n\n")) {
                match self.response.chunk().await {
                    Ok(Some(chunk)) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => return false,
                }
            }
            true
        })
        .await;
        assert_eq!(read, Ok(true), "the stream said: {}", self.seen);
    }

    /// `(id, event, data)` of each event seen.
    fn events(&self) -> Vec<(Option<String>, String, Value)> {
        let ids = self
            .seen
            .split("\n\n")
            .filter(|block| block.contains("event:"))
            .map(|block| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix("id:").map(|id| id.trim().to_owned()))
            });
        ids.zip(events(&self.seen))
            .map(|(id, (name, data))| (id, name, data))
            .collect()
    }
}

/// An agent's reply from the admin on `base`.
async fn agent_reply(base: &str, conversation: &str, text: &str) {
    let response = http()
        .post(format!(
            "{base}/api/inbox/conversations/{conversation}/messages"
        ))
        .bearer_auth(session_token(SHOP))
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

async fn new_conversation(base: &str, token: &str) -> String {
    let body: Value = http()
        .post(format!("{base}/chat/conversations"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn texts(events: &[(Option<String>, String, Value)]) -> Vec<String> {
    events
        .iter()
        .filter(|(_, name, _)| name == "message")
        .map(|(_, _, data)| data["message"]["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_agent_on_one_node_reaches_a_shopper_on_another_and_a_reconnect_misses_nothing() {
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, SHOP).await;
    let stop = CancellationToken::new();
    let a = node(&db, &[], &stop).await;
    let b = node(&db, &[], &stop).await;
    let shopper = token(shop, None);
    let conversation = new_conversation(&a, &shopper).await;

    // The shopper follows on node A; the agent replies on node B.
    let mut on_a = Stream::open(&a, &shopper, &conversation, None).await;
    agent_reply(&b, &conversation, "Hi, I'm Sam.").await;
    on_a.until(|seen| seen.contains("I'm Sam")).await;
    let first = on_a.events();
    assert_eq!(texts(&first), ["Hi, I'm Sam."]);
    let last_id = first.last().unwrap().0.clone().expect("an event id");

    // The shopper's connection drops; the agent writes twice meanwhile (on either node);
    // the widget reconnects to node B from its last id: both, in order, nothing twice, no reset.
    drop(on_a);
    agent_reply(&a, &conversation, "Checking your order.").await;
    agent_reply(&b, &conversation, "It ships today.").await;
    let mut on_b = Stream::open(&b, &shopper, &conversation, Some(&last_id)).await;
    on_b.until(|seen| seen.contains("ships today")).await;
    let resumed = on_b.events();
    assert!(
        resumed.iter().all(|(_, name, _)| name != "reset"),
        "{resumed:?}"
    );
    assert_eq!(texts(&resumed), ["Checking your order.", "It ships today."]);
    let ids: Vec<u64> = first
        .iter()
        .chain(&resumed)
        .map(|(id, _, _)| id.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // Live on node B too: a reply posted on node A arrives.
    agent_reply(&a, &conversation, "Anything else?").await;
    on_b.until(|seen| seen.contains("Anything else")).await;

    // An id older than what is kept asks for a reload.
    sqlx::query("UPDATE live_streams SET pruned_through = last_seq - 1 WHERE shop_id = $1")
        .bind(shop)
        .execute(&db.pool)
        .await
        .unwrap();
    let mut stale = Stream::open(&a, &shopper, &conversation, Some(&last_id)).await;
    stale.until(|seen| seen.contains("event: reset")).await;
    stop.cancel();
}

#[tokio::test]
async fn the_shops_stream_is_a_channel_like_any_other() {
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, SHOP).await;
    let stop = CancellationToken::new();
    let a = state(&db, &[]).await;
    let b = state(&db, &[]).await;
    let nil = uuid::Uuid::nil();
    let mut on_a = Box::pin(
        a.chat
            .hub
            .channel(shop, nil)
            .follow(concierge::chat::hub::Cursor::Now)
            .await
            .unwrap(),
    );
    // Another shop's events are not this shop's.
    let other = install_shop(&db, "other-live.myshopify.com").await;
    b.chat
        .hub
        .channel(other, nil)
        .push(concierge::chat::events::ChatEvent::Delta {
            text: "elsewhere".into(),
        });
    for text in ["one", "two", "three"] {
        b.chat
            .hub
            .channel(shop, nil)
            .push(concierge::chat::events::ChatEvent::Delta { text: text.into() });
    }
    use futures::StreamExt;
    let mut got = Vec::new();
    while got.len() < 3 {
        let delivery = tokio::time::timeout(Duration::from_secs(10), on_a.next())
            .await
            .expect("delivered")
            .unwrap();
        match delivery {
            concierge::chat::hub::Delivery::Event { id, event } => got.push((id, event)),
            concierge::chat::hub::Delivery::Reset => panic!("reset"),
        }
    }
    let texts: Vec<String> = got
        .iter()
        .map(|(_, e)| {
            serde_json::to_value(e).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
    let ids: Vec<u64> = got.iter().map(|(id, _)| id.parse().unwrap()).collect();
    assert_eq!([ids[0] + 1, ids[0] + 2], [ids[1], ids[2]], "{ids:?}");
    stop.cancel();
}

#[tokio::test]
async fn a_shoppers_budget_holds_across_nodes() {
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, SHOP).await;
    let stop = CancellationToken::new();
    let flags = ["--chat-visitor-messages-per-minute", "3"];
    let a = node(&db, &flags, &stop).await;
    let b = node(&db, &flags, &stop).await;
    let shopper = token(shop, None);
    let mut statuses = Vec::new();
    for base in [&a, &b, &a, &b, &a] {
        let response = http()
            .post(format!("{base}/chat/conversations"))
            .bearer_auth(&shopper)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=20).contains(&wait), "{wait}");
        }
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    // Another visitor has their own budget.
    let response = http()
        .post(format!("{b}/chat/conversations"))
        .bearer_auth(token(shop, None))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    stop.cancel();
}

/// A `concierge serve` process on `db` answering with the fake model at `llm`.
fn serve_process(db: &TestDb, llm: &str, port: u16) -> tokio::process::Child {
    concierge()
        .arg("serve")
        .envs(APP_ENV.iter().copied())
        .env("DATABASE_URL", &db.url)
        .env("CONCIERGE_LISTEN", format!("127.0.0.1:{port}"))
        .env("CONCIERGE_CHAT_URL", llm)
        .env("CONCIERGE_CHAT_MODEL", "fake-model")
        // Longer than the test waits: the dead turn is taken over by its lease.
        .env("CONCIERGE_CHAT_TURN_TIMEOUT_SECS", "120")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn wait_up(base: &str) {
    let up = eventually(Duration::from_secs(30), || async {
        http()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .map(|_| ())
    })
    .await;
    assert!(up.is_some(), "{base} did not start");
}

#[tokio::test]
async fn a_node_killed_mid_conversation_loses_nothing() {
    let llm = FakeLlm::start().await;
    // The first answer stalls after one delta (its node is killed meanwhile); the message
    // sent again to the other node gets the second.
    llm.then(Reply::stall_after(&["Let me check"]));
    llm.then(Reply::text(&["All ", "good."]));
    let db = TestDb::migrated().await;
    let shop = install_shop(&db, SHOP).await;
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let mut node_a = serve_process(&db, &llm.url, port_a);
    let mut node_b = serve_process(&db, &llm.url, port_b);
    wait_up(&a).await;
    wait_up(&b).await;
    let shopper = token(shop, None);
    let conversation = new_conversation(&a, &shopper).await;
    let mut stream = Stream::open(&a, &shopper, &conversation, None).await;
    let send = |base: String| {
        http()
            .post(format!("{base}/chat/conversations/{conversation}/messages"))
            .bearer_auth(&shopper)
            .json(&json!({"text": "Where is my parcel?", "client_id": "c-1"}))
            .send()
    };
    let answer = send(a.clone()).await.unwrap();
    assert_eq!(answer.status(), 200);
    stream.until(|seen| seen.contains("Let me check")).await;
    let before = stream.events();
    let last_id = before.last().unwrap().0.clone().unwrap();

    node_a.kill().await.unwrap();
    let killed = std::time::Instant::now();
    drop(answer);
    // The widget's stream reconnects to the surviving node from its last id.
    let mut resumed = Stream::open(&b, &shopper, &conversation, Some(&last_id)).await;
    // The widget sends the message again there: stored once, answered once the dead turn's
    // lease lapses.
    let resent = eventually(Duration::from_secs(30), || async {
        let body = send(b.clone()).await.ok()?.text().await.ok()?;
        let said = events(&body);
        said.iter()
            .any(|(n, d)| n == "done" && d["text"] == "All good.")
            .then_some(said)
    })
    .await
    .expect("the resent message was answered");
    assert!(killed.elapsed() < Duration::from_secs(20));
    assert_eq!(resent[0].0, "stored");
    // The followed stream saw the new turn live, after what it had, with no reset.
    resumed.until(|seen| seen.contains("All good.")).await;
    let after = resumed.events();
    assert!(after.iter().all(|(_, n, _)| n != "reset"), "{after:?}");
    let ids: Vec<u64> = before
        .iter()
        .chain(&after)
        .map(|(id, _, _)| id.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let deltas: String = after
        .iter()
        .filter(|(_, n, _)| n == "delta")
        .map(|(_, _, d)| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "All good.");

    // An agent's reply on the surviving node reaches the stream too.
    agent_reply(&b, &conversation, "Sorry for the wait!").await;
    resumed
        .until(|seen| seen.contains("Sorry for the wait"))
        .await;
    let (shopper_messages, answers): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE role = 'shopper'), count(*) FILTER (WHERE role = 'assistant')
         FROM messages WHERE shop_id = $1",
    )
    .bind(shop)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((shopper_messages, answers), (1, 1));
    node_b.kill().await.unwrap();
}
