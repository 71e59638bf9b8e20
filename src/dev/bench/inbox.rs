//! Live delivery across two web nodes over one database (issue 14): `conversations` shoppers
//! follow their conversation's stream on node A while `agents` agents reply from node B
//! (`POST /api/inbox/conversations/{id}/messages`), each to their share of the conversations in
//! turn, pausing `think` between two replies. Measured: the time from an agent sending a
//! reply to its shopper's stream on the other node delivering it, and whether any reply was
//! lost or delivered twice. Both nodes are `concierge serve` child processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::client::{SseBlocks, event_id, ready, serve_node};
use super::quantile;
use crate::chat::visitor::Visitor;
use crate::config::ShopifyConfig;
use crate::shopify::ShopDomain;
use crate::shopify::session_token::{Claims, mint};

const SHOP: &str = "bench-inbox.myshopify.com";

#[derive(Debug, Clone)]
pub struct Options {
    pub conversations: usize,
    pub agents: usize,
    /// Replies each conversation receives.
    pub replies: usize,
    /// An agent's pause between two replies (±50%).
    pub think: Duration,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub conversations: usize,
    pub agents: usize,
    pub replies_sent: usize,
    /// Replies the agents' node refused (an overloaded node answers 503).
    pub replies_refused: usize,
    pub replies_per_second: f64,
    pub delivered: usize,
    /// Accepted replies never delivered.
    pub lost: usize,
    pub duplicated: usize,
    pub out_of_order: usize,
    pub delivery_p50_ms: f64,
    pub delivery_p99_ms: f64,
    pub delivery_max_ms: f64,
}

/// When each reply (by its marker) was sent, and each time it was delivered.
#[derive(Default)]
struct Ledger {
    sent: HashMap<u64, Instant>,
    delivered: HashMap<u64, Vec<Instant>>,
    out_of_order: usize,
}

type Shared = Arc<Mutex<Ledger>>;

fn lock(ledger: &Shared) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A `concierge serve` child process on `database_url`, listening on a free port.
fn node(database_url: &SecretString) -> anyhow::Result<(tokio::process::Child, String)> {
    let (mut command, base) = serve_node(database_url)?;
    let child = command.spawn().context("while starting a server")?;
    Ok((child, base))
}

/// An admin session token of the bench shop for staff member `staff`.
fn session(staff: usize) -> String {
    let now = chrono::Utc::now().timestamp();
    mint(
        ShopifyConfig::DEMO_API_SECRET.as_bytes(),
        &Claims {
            iss: format!("https://{SHOP}/admin"),
            dest: format!("https://{SHOP}"),
            aud: ShopifyConfig::DEMO_API_KEY.into(),
            sub: staff.to_string(),
            // Long enough for the run.
            exp: now + 3_600,
            nbf: now - 1,
            iat: now - 1,
            jti: Uuid::new_v4().to_string(),
            sid: "bench".into(),
        },
    )
}

pub async fn run(
    db: PgPool,
    database_url: &SecretString,
    options: &Options,
) -> anyhow::Result<Report> {
    let shop_id = sqlx::query_scalar!(
        "INSERT INTO shops (domain, install_state, installed_at) VALUES ($1, 'installed', now()) RETURNING id",
        SHOP,
    )
    .fetch_one(&db)
    .await?;
    let (_node_a, a) = node(database_url)?;
    let (_node_b, b) = node(database_url)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.conversations + options.agents)
        .tcp_nodelay(true)
        .build()?;
    ready(&http, &a, Duration::from_secs(60)).await?;
    ready(&http, &b, Duration::from_secs(60)).await?;

    // The shoppers: a conversation each, followed on node A.
    let shop = ShopDomain::parse(SHOP)?;
    let shoppers: Vec<(String, String)> = futures::stream::iter(0..options.conversations)
        .map(|_| {
            let token = Visitor {
                shop_id,
                shop: shop.clone(),
                visitor_id: Uuid::new_v4(),
                customer_id: None,
                playground: false,
            }
            .token(
                ShopifyConfig::DEMO_API_SECRET.as_bytes(),
                chrono::Utc::now().timestamp(),
            );
            let (http, a) = (http.clone(), a.clone());
            async move {
                // A loaded machine may answer 503 (the pool's wait): try again.
                for attempt in 1.. {
                    let created: Value = http
                        .post(format!("{a}/chat/conversations"))
                        .bearer_auth(&token)
                        .json(&json!({}))
                        .send()
                        .await?
                        .json()
                        .await?;
                    match created["id"].as_str() {
                        Some(id) => return anyhow::Ok((token, id.to_owned())),
                        None if attempt < 5 => tokio::time::sleep(Duration::from_secs(1)).await,
                        None => anyhow::bail!("no conversation id: {created}"),
                    }
                }
                unreachable!("the loop returns")
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let ledger = Shared::default();
    let streams: Vec<reqwest::Response> = futures::stream::iter(&shoppers)
        .map(|(token, id)| {
            let request = http
                .get(format!("{a}/chat/conversations/{id}/events"))
                .bearer_auth(token)
                .send();
            async move {
                let response = request.await?;
                anyhow::ensure!(response.status().is_success(), "a stream was refused");
                anyhow::Ok(response)
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let readers: Vec<_> = streams
        .into_iter()
        .map(|stream| tokio::spawn(read(stream, ledger.clone())))
        .collect();

    // The agents, on node B: each replies to its share of the conversations in turn.
    let ids: Vec<String> = shoppers.into_iter().map(|(_, id)| id).collect();
    let agents = options.agents.max(1);
    let started = Instant::now();
    let sent: Vec<usize> = futures::future::join_all((0..agents).map(|agent| {
        let mine: Vec<String> = ids.iter().skip(agent).step_by(agents).cloned().collect();
        let (http, b, ledger, token) = (http.clone(), b.clone(), ledger.clone(), session(agent));
        let (replies, think) = (options.replies, options.think);
        async move {
            let mut sent = 0;
            for round in 0..replies {
                for (i, id) in mine.iter().enumerate() {
                    let jitter = 0.5 + f64::from(Uuid::new_v4().as_bytes()[0]) / 255.0;
                    tokio::time::sleep(think.mul_f64(jitter)).await;
                    let marker = ((agent * 1_000_000 + round * 10_000 + i) as u64) + 1;
                    let at = Instant::now();
                    let response = http
                        .post(format!("{b}/api/inbox/conversations/{id}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({ "text": format!("reply #{}#", letters(marker)) }))
                        .send()
                        .await;
                    // Only an accepted reply must be delivered (a refused one may be yet).
                    match response {
                        Ok(r) if r.status().is_success() => {
                            lock(&ledger).sent.insert(marker, at);
                            sent += 1;
                        }
                        Ok(r) => tracing::debug!(status = %r.status(), "a reply was refused"),
                        Err(error) => tracing::debug!(%error, "a reply failed"),
                    }
                }
            }
            sent
        }
    }))
    .await;
    let elapsed = started.elapsed();
    let replies_sent: usize = sent.iter().sum();
    // What is still on its way.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for reader in readers {
        reader.abort();
    }

    let ledger = lock(&ledger);
    let mut latencies: Vec<Duration> = ledger
        .delivered
        .iter()
        .filter_map(|(marker, at)| {
            let sent = ledger.sent.get(marker)?;
            Some(at.first()?.saturating_duration_since(*sent))
        })
        .collect();
    latencies.sort();
    let lost = ledger
        .sent
        .keys()
        .filter(|m| !ledger.delivered.contains_key(m))
        .count();
    let duplicated = ledger
        .delivered
        .values()
        .map(|at| at.len().saturating_sub(1))
        .sum();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(Report {
        conversations: options.conversations,
        agents,
        replies_sent,
        replies_refused: options.conversations * options.replies - replies_sent,
        replies_per_second: replies_sent as f64 / elapsed.as_secs_f64(),
        delivered: latencies.len(),
        lost,
        duplicated,
        out_of_order: ledger.out_of_order,
        delivery_p50_ms: ms(quantile(&latencies, 0.50)),
        delivery_p99_ms: ms(quantile(&latencies, 0.99)),
        delivery_max_ms: ms(latencies.last().copied().unwrap_or_default()),
    })
}

/// Reads one shopper's stream, recording when each reply arrives and whether event ids only
/// go up.
async fn read(stream: reqwest::Response, ledger: Shared) {
    let mut blocks = SseBlocks::new(stream);
    let mut last_id = 0u64;
    while let Ok(Some((block, at))) = blocks.next().await {
        let marker = block
            .split("reply #")
            .nth(1)
            .and_then(|rest| rest.split('#').next())
            .and_then(number);
        let mut ledger = lock(&ledger);
        if let Some(id) = event_id(&block) {
            if id <= last_id {
                ledger.out_of_order += 1;
            }
            last_id = id;
        }
        if let Some(marker) = marker {
            ledger.delivered.entry(marker).or_default().push(at);
        }
    }
}

/// `marker` written with letters (`a` for 0 ... `j` for 9): digits could be taken for a phone
/// number and redacted.
fn letters(marker: u64) -> String {
    marker
        .to_string()
        .bytes()
        .map(|d| char::from(d - b'0' + b'a'))
        .collect()
}

fn number(letters: &str) -> Option<u64> {
    letters.bytes().try_fold(0u64, |n, c| {
        (b'a'..=b'j')
            .contains(&c)
            .then(|| n * 10 + u64::from(c - b'a'))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_survive_being_spelled_in_letters() {
        assert_eq!(super::letters(1_020_304), "bacadae");
        assert_eq!(super::number(&super::letters(1_020_304)), Some(1_020_304));
        assert_eq!(super::number("b1"), None);
    }
}
