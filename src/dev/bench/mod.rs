//! `concierge bench ...`: repeatable measurements, run against real parts (embedded
//! PostgreSQL, the app on a loopback port, the Shopify simulator, worker processes).
//! Results are recorded in `docs/benchmarks.md`.

pub mod chat;
mod client;
pub mod faults;
pub mod freshness;
pub mod inbox;
pub mod ingest;
pub mod search;
pub mod webhooks;

use std::time::Duration;

use clap::Subcommand;

use crate::config::Config;

#[derive(Subcommand)]
pub enum Command {
    /// A burst of webhook deliveries (some re-sent), with the worker SIGKILLed half way.
    Webhooks {
        #[arg(long, default_value_t = 5000)]
        count: usize,
        /// Share of deliveries re-sending an earlier event.
        #[arg(long, default_value_t = 0.1)]
        duplicates: f64,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Keep the worker alive throughout.
        #[arg(long)]
        no_kill: bool,
    },
    /// Hybrid and vector search latency and vector recall for a large and a small shop in a
    /// table of synthetic chunks (clustered vectors, Zipf-like words) generated in PostgreSQL.
    Search {
        /// Chunks in the whole table.
        #[arg(long, default_value_t = 1_000_000)]
        total: usize,
        /// Chunks of the large shop.
        #[arg(long, default_value_t = 100_000)]
        large: usize,
        /// Chunks of the small shop.
        #[arg(long, default_value_t = 1_000)]
        small: usize,
        /// Queries per measured series.
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// Shops with at most this many vectors are searched exactly (lower it to reach the
        /// HNSW plan on small runs).
        #[arg(long, default_value_t = crate::knowledge::search::EXACT_SCAN_MAX)]
        exact_scan_max: i64,
    },
    /// Ingest throughput of synthetic help-center articles and products with the local
    /// embedder, then the same documents again (nothing changed, nothing re-embedded).
    Ingest {
        #[arg(long, default_value_t = 2000)]
        documents: usize,
    },
    /// The chat API against a server process with an instant fake model: time per turn at
    /// many concurrent conversations, first-token forwarding, memory of idle streams.
    Chat {
        #[arg(long, default_value_t = 200)]
        conversations: usize,
        /// Measured messages per conversation (after one warm-up message each).
        #[arg(long, default_value_t = 10)]
        turns: usize,
        /// Milliseconds a shopper pauses between an answer and their next message (±50%);
        /// 0 sends back to back.
        #[arg(long, default_value_t = 2000)]
        think_ms: u64,
        /// Idle `/events` streams held open.
        #[arg(long, default_value_t = 5000)]
        streams: usize,
    },
    /// Live delivery across two server nodes over one database: shoppers follow on node A,
    /// agents reply on node B; delivery latency, lost and duplicated replies.
    Inbox {
        #[arg(long, default_value_t = 1000)]
        conversations: usize,
        #[arg(long, default_value_t = 50)]
        agents: usize,
        /// Replies each conversation receives.
        #[arg(long, default_value_t = 2)]
        replies: usize,
        /// Milliseconds an agent pauses between two replies (±50%).
        #[arg(long, default_value_t = 500)]
        think_ms: u64,
    },
    /// Webhooks and live conversations through two server nodes and a worker while a node,
    /// the worker and PostgreSQL are each SIGKILLed once: nothing lost, nothing done twice.
    Faults {
        #[arg(long, default_value_t = 5000)]
        webhooks: usize,
        #[arg(long, default_value_t = 200)]
        conversations: usize,
        /// Messages each shopper sends.
        #[arg(long, default_value_t = 3)]
        messages: usize,
        /// Webhook deliveries in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// Product edits on the simulator's demo store, one at a time: the time from Shopify's
    /// `products/update` delivery until search finds the edit.
    Freshness {
        #[arg(long, default_value_t = 100)]
        edits: usize,
        /// A synthetic store of this many products instead of the demo store (with
        /// `--edits 0`: the time from install to "assistant ready" for a large catalog).
        #[arg(long)]
        products: Option<usize>,
    },
}

/// Runs one benchmark in a scratch database and prints its figures: a table, or one JSON
/// object with `json`.
pub async fn run(command: Command, config: Config, json: bool) -> anyhow::Result<()> {
    // The fault run owns its PostgreSQL (it kills it), so it makes no scratch database.
    if let Command::Faults {
        webhooks,
        conversations,
        messages,
        concurrency,
    } = command
    {
        let options = faults::Options {
            webhooks: webhooks.max(4),
            conversations,
            messages: messages.max(1),
            concurrency: concurrency.max(1),
        };
        let report = faults::run(&config, &std::env::current_exe()?, &options).await?;
        print(&serde_json::to_value(report)?, json);
        return Ok(());
    }
    let (db, url, cleanup) = crate::db::scratch_database(&config, "bench").await?;
    let result = match command {
        Command::Webhooks {
            count,
            duplicates,
            concurrency,
            no_kill,
        } => {
            let options = webhooks::Options {
                count,
                duplicates: duplicates.clamp(0.0, 0.9),
                concurrency: concurrency.max(1),
                kill_worker: !no_kill,
            };
            let exe = std::env::current_exe()?;
            webhooks::run(db.clone(), &url, &exe, &config, &options)
                .await
                .and_then(|report| {
                    report.ensure_acknowledged_in_time()?;
                    Ok(serde_json::to_value(report)?)
                })
        }
        Command::Search {
            total,
            large,
            small,
            queries,
            exact_scan_max,
        } => {
            let options = search::Options {
                total,
                large,
                small,
                queries,
                exact_scan_max,
            };
            // Its figures are nested: printed here as tables (Null prints nothing below).
            search::run(db.clone(), &options).await.and_then(|report| {
                if json {
                    Ok(serde_json::to_value(report)?)
                } else {
                    print!("{}", report.table());
                    Ok(serde_json::Value::Null)
                }
            })
        }
        Command::Ingest { documents } => {
            let options = ingest::Options { documents };
            ingest::run(db.clone(), &options)
                .await
                .and_then(|report| Ok(serde_json::to_value(report)?))
        }
        Command::Chat {
            conversations,
            turns,
            think_ms,
            streams,
        } => {
            let options = chat::Options {
                conversations: conversations.max(1),
                turns: turns.max(1),
                think: Duration::from_millis(think_ms),
                streams,
            };
            chat::run(db.clone(), &url, &options)
                .await
                .and_then(|report| Ok(serde_json::to_value(report)?))
        }
        Command::Inbox {
            conversations,
            agents,
            replies,
            think_ms,
        } => {
            let options = inbox::Options {
                conversations: conversations.max(1),
                agents: agents.max(1),
                replies: replies.max(1),
                think: Duration::from_millis(think_ms),
            };
            inbox::run(db.clone(), &url, &options)
                .await
                .and_then(|report| Ok(serde_json::to_value(report)?))
        }
        Command::Faults { .. } => unreachable!("handled above"),
        Command::Freshness { edits, products } => {
            freshness::run(db.clone(), &config, edits, products)
                .await
                .and_then(|report| Ok(serde_json::to_value(report)?))
        }
    };
    db.close().await;
    cleanup.finish().await?;
    print(&result?, json);
    Ok(())
}

/// Prints a report: one JSON object with `json`, else one figure per line.
fn print(report: &serde_json::Value, json: bool) {
    if json {
        println!("{report}");
    } else if let Some(fields) = report.as_object() {
        for (name, value) in fields {
            println!("{name:>28}  {value}");
        }
    }
}

/// The `q`-quantile of `sorted` (ascending).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
