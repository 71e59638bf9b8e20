//! The chat API under load, against `concierge serve` as a child process (so that its memory
//! is its own) with an instant fake model that speaks the OpenAI streaming wire format:
//!
//! - **overhead per turn**: `conversations` shoppers at once, each sending `turns` messages
//!   one after another with a pause (`think`) between an answer and the next message; the
//!   time from sending a message to its `done` event, as the shopper sees it. The model answers instantly, so this is the server's own cost (storing the
//!   message and the turn, the prompt, the tool loop, the stream, storing the answer), plus
//!   the loopback HTTP on both sides.
//! - **first token**: the time from the fake model writing an answer's first text chunk to
//!   the shopper receiving it as a `delta` event (same process, same clock).
//! - **idle streams**: the server's resident memory with `streams` open `/events` streams.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::Response;
use futures::StreamExt;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::client::{SseBlocks, ready, serve_node};
use super::quantile;
use crate::chat::visitor::Visitor;
use crate::config::ShopifyConfig;
use crate::shopify::ShopDomain;

const SHOP: &str = "bench-chat.myshopify.com";

#[derive(Debug, Clone)]
pub struct Options {
    pub conversations: usize,
    pub turns: usize,
    /// Pause between a shopper's answer and their next message (±50%, so that the shoppers
    /// do not move in step); zero sends back to back (the server saturated: the figure is
    /// then queueing, conversations / throughput).
    pub think: Duration,
    pub streams: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub conversations: usize,
    pub think_ms: u64,
    pub turns: usize,
    pub turn_p50_ms: f64,
    pub turn_p99_ms: f64,
    pub turn_max_ms: f64,
    pub turns_per_second: f64,
    pub first_token_p50_ms: f64,
    pub first_token_p99_ms: f64,
    pub idle_streams: usize,
    pub rss_before_streams_mb: f64,
    pub rss_with_streams_mb: f64,
    pub rss_per_stream_kb: f64,
}

/// When the fake model wrote each answer's first chunk, by the answer's marker.
type FirstChunks = Arc<Mutex<HashMap<u64, Instant>>>;

#[derive(Clone, Default)]
struct Fake {
    next: Arc<std::sync::atomic::AtomicU64>,
    first: FirstChunks,
}

/// An instant model: `m{n} ` then `hello`, stop, usage, done.
async fn completions(State(fake): State<Fake>, _body: Bytes) -> Response {
    let n = fake.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let chunk = |choices: Value, usage: Value| {
        let chunk = json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk",
            "created": 1_700_000_000, "model": "bench", "choices": choices, "usage": usage});
        Bytes::from(format!("data: {chunk}\n\n"))
    };
    let delta = |d: Value| json!([{"index": 0, "delta": d, "finish_reason": null}]);
    let first = chunk(
        delta(json!({"role": "assistant", "content": format!("m{n} ")})),
        Value::Null,
    );
    let rest = [
        chunk(delta(json!({"content": "hello"})), Value::Null),
        chunk(
            json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
            Value::Null,
        ),
        chunk(
            json!([]),
            json!({"prompt_tokens": 100, "completion_tokens": 2, "total_tokens": 102}),
        ),
        Bytes::from_static(b"data: [DONE]\n\n"),
    ];
    let stream = futures::stream::once(async move {
        fake.first
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(n, Instant::now());
        Ok::<_, std::io::Error>(first)
    })
    .chain(futures::stream::iter(rest.map(Ok)));
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

pub async fn run(
    db: PgPool,
    database_url: &SecretString,
    options: &Options,
) -> anyhow::Result<Report> {
    let fake = Fake::default();
    let llm = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let llm_url = format!("http://{}/v1", llm.local_addr()?);
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(fake.clone());
    let llm = axum::serve::ListenerExt::tap_io(llm, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(llm, router).await });

    let shop_id = sqlx::query_scalar!(
        "INSERT INTO shops (domain, install_state, installed_at) VALUES ($1, 'installed', now()) RETURNING id",
        SHOP,
    )
    .fetch_one(&db)
    .await?;
    let secret = ShopifyConfig::DEMO_API_SECRET;
    let (mut command, base) = serve_node(database_url)?;
    let mut server = command
        .env("CONCIERGE_CHAT_URL", &llm_url)
        .env("CONCIERGE_CHAT_MODEL", "bench")
        .spawn()
        .context("while starting the server")?;
    let pid = server.id().context("the server has no pid")?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.conversations)
        .build()?;
    ready(&http, &base, Duration::from_secs(60)).await?;
    let shop = ShopDomain::parse(SHOP)?;
    let token = |_: usize| {
        Visitor {
            shop_id,
            shop: shop.clone(),
            visitor_id: Uuid::new_v4(),
            customer_id: None,
            playground: false,
        }
        .token(secret.as_bytes(), chrono::Utc::now().timestamp())
    };

    // Overhead per turn and first token.
    let shoppers: Vec<(String, String)> = futures::stream::iter(0..options.conversations)
        .map(|i| {
            let (http, base, token) = (http.clone(), base.clone(), token(i));
            async move {
                let created: Value = http
                    .post(format!("{base}/chat/conversations"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let id = created["id"]
                    .as_str()
                    .context("no conversation id")?
                    .to_owned();
                anyhow::Ok((token, id))
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    // One warm-up turn each (connections, caches), then the measured ones.
    let mut turns = Vec::new();
    let mut firsts = Vec::new();
    let measured = Instant::now();
    let think = options.think;
    for (round, measure) in [(1, false), (options.turns, true)] {
        let results = futures::future::join_all(shoppers.iter().map(|(token, id)| {
            let (http, base, first) = (http.clone(), base.clone(), fake.first.clone());
            async move {
                let mut out = Vec::with_capacity(round);
                for n in 0..round {
                    let jitter = 0.5 + f64::from(Uuid::new_v4().as_bytes()[0]) / 255.0;
                    tokio::time::sleep(think.mul_f64(jitter)).await;
                    out.push(turn(&http, &base, token, id, n, &first).await?);
                }
                anyhow::Ok(out)
            }
        }))
        .await;
        for result in results {
            for (latency, first_token) in result? {
                if measure {
                    turns.push(latency);
                    firsts.push(first_token);
                }
            }
        }
    }
    let elapsed = measured.elapsed();
    turns.sort();
    firsts.sort();

    // Idle streams.
    let rss_before = rss_mb(pid)?;
    sqlx::query!(
        "INSERT INTO conversations (shop_id, id, visitor_id)
         SELECT $1, gen_random_uuid(), $2 FROM generate_series(1, $3::int8)",
        shop_id,
        Uuid::nil(),
        i64::try_from(options.streams)?,
    )
    .execute(&db)
    .await?;
    let ids = sqlx::query_scalar!(
        "SELECT id FROM conversations WHERE shop_id = $1 AND visitor_id = $2",
        shop_id,
        Uuid::nil(),
    )
    .fetch_all(&db)
    .await?;
    let idle_token = Visitor {
        shop_id,
        shop: ShopDomain::parse(SHOP)?,
        visitor_id: Uuid::nil(),
        customer_id: None,
        playground: false,
    }
    .token(secret.as_bytes(), chrono::Utc::now().timestamp());
    let streams_client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let open: Vec<reqwest::Response> = futures::stream::iter(ids)
        .map(|id| {
            let request = streams_client
                .get(format!("{base}/chat/conversations/{id}/events"))
                .bearer_auth(&idle_token)
                .send();
            async move {
                let response = request.await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "a stream answered {}",
                    response.status()
                );
                anyhow::Ok(response)
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_with = rss_mb(pid)?;
    let streams = open.len();
    drop(open);
    server.kill().await?;

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(Report {
        conversations: options.conversations,
        think_ms: u64::try_from(options.think.as_millis()).unwrap_or(u64::MAX),
        turns: turns.len(),
        turn_p50_ms: ms(quantile(&turns, 0.50)),
        turn_p99_ms: ms(quantile(&turns, 0.99)),
        turn_max_ms: ms(turns.last().copied().unwrap_or_default()),
        turns_per_second: turns.len() as f64 / elapsed.as_secs_f64(),
        first_token_p50_ms: ms(quantile(&firsts, 0.50)),
        first_token_p99_ms: ms(quantile(&firsts, 0.99)),
        idle_streams: streams,
        rss_before_streams_mb: rss_before,
        rss_with_streams_mb: rss_with,
        rss_per_stream_kb: (rss_with - rss_before) * 1024.0 / streams.max(1) as f64,
    })
}

/// One message and its answer: (send → `done`, model's first chunk → first `delta`).
async fn turn(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    conversation: &str,
    n: usize,
    first: &FirstChunks,
) -> anyhow::Result<(Duration, Duration)> {
    let sent = Instant::now();
    let response = http
        .post(format!("{base}/chat/conversations/{conversation}/messages"))
        .bearer_auth(token)
        .json(&json!({"text": format!("question {n}")}))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "a message answered {}",
        response.status()
    );
    let mut blocks = SseBlocks::new(response);
    let mut first_token = None;
    loop {
        let Some((block, at)) = blocks.next().await? else {
            anyhow::bail!("the stream ended before done");
        };
        if first_token.is_none()
            && let Some(marker) = block
                .split("\"text\":\"m")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
        {
            let written = first
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&marker)
                .copied()
                .context("the model never wrote that answer")?;
            first_token = Some(at.saturating_duration_since(written));
        }
        if block.contains("event: done") {
            return Ok((sent.elapsed(), first_token.context("no delta before done")?));
        }
        if block.contains("event: error") {
            anyhow::bail!("the turn failed: {block}");
        }
    }
}

/// The resident memory of process `pid`, in MiB.
fn rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")?;
    Ok(kb / 1024.0)
}
