//! The `concierge` command: one binary, one subcommand per role.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::config::{Config, ConfigError, Settings, apply_file_defaults};
use crate::crypto::Keyring;
use crate::state::AppState;

/// Concierge: an AI shopping and support assistant for Shopify stores.
#[derive(Parser)]
#[command(name = "concierge", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (needs DATABASE_URL and a migrated schema).
    Serve,
    /// Run background jobs until SIGTERM or ctrl-c (needs DATABASE_URL).
    Worker,
    /// Apply pending database migrations and exit (needs DATABASE_URL).
    Migrate,
    /// Run everything on one machine with embedded defaults: PostgreSQL (unless
    /// DATABASE_URL is set), migrations, the HTTP API and a worker.
    Demo,
    /// Measure: run a benchmark against real parts and print its figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate quality on a labelled data set and print its figures.
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Manage the keys that seal shop credentials at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Operate the job queue.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
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
    /// Product edits on the simulator's demo store, one at a time: the time from Shopify's
    /// `products/update` delivery until search finds the edit.
    Freshness {
        #[arg(long, default_value_t = 100)]
        edits: usize,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Retrieval on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv): the corpus
    /// is ingested by the product's pipeline into a throwaway database, then every query is
    /// searched by keyword, vector and hybrid.
    Retrieval {
        dir: std::path::PathBuf,
        /// Hybrid: weight of the keyword ranking in the fusion.
        #[arg(long, default_value_t = crate::knowledge::search::Fusion::default().keyword_weight)]
        keyword_weight: f64,
        /// Hybrid: weight of the vector ranking in the fusion.
        #[arg(long, default_value_t = crate::knowledge::search::Fusion::default().vector_weight)]
        vector_weight: f64,
        /// Hybrid: the rank constant k of reciprocal-rank fusion.
        #[arg(long, default_value_t = crate::knowledge::search::Fusion::default().k)]
        rrf_k: f64,
        /// Keep the scratch database and the evaluation shop (their names are printed).
        #[arg(long)]
        keep: bool,
    },
    /// The assistant on a JSONL file of chat cases (see evals/chat/README.md), over the
    /// simulator's demo store synced into a throwaway database, with the configured chat
    /// models (none: the local responder): tool routing, answer checks, latency.
    Chat {
        file: std::path::PathBuf,
        /// Keep the scratch database (its name is printed).
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new random key entry (`id:base64key`) to put first in CONCIERGE_ENCRYPTION_KEYS.
    Generate {
        /// The new key's id.
        #[arg(long, default_value = "k1")]
        id: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Enqueue a probe job and wait until a worker completes it: exit 0 if one did.
    Probe {
        /// How long the probe occupies the worker, in milliseconds.
        #[arg(long, default_value_t = 0)]
        hold_ms: u64,
        /// How long to wait for a worker to complete it, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout_secs: u64,
    },
}

/// Parses the command line, validates the configuration, and runs the subcommand.
/// Bad settings exit with status 2 and one line naming the setting.
pub fn main() -> ExitCode {
    let (cli, config) = match parse_from(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(ParseError::Usage(e)) => e.exit(),
        Err(ParseError::Config(e)) => {
            eprintln!("concierge: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init_tracing(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("concierge: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<ConfigError>() {
            Some(config_error) => {
                eprintln!("concierge: {config_error}");
                ExitCode::from(2)
            }
            None => {
                tracing::error!(error = format!("{e:#}"), "concierge stopped on an error");
                eprintln!("concierge: error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Why the command line could not be turned into a command and a configuration.
#[derive(Debug)]
pub enum ParseError {
    /// Unknown flag, missing subcommand, `--help`, `--version`: clap prints and exits.
    Usage(clap::Error),
    /// A setting with a bad value.
    Config(ConfigError),
}

/// Parses `args` (program name first) and the environment into a command and a validated
/// configuration.
pub fn parse_from<I, T>(args: I) -> Result<(Cli, Config), ParseError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    if let Some(path) = config_file_argument(&args) {
        command = apply_file_defaults(command, Path::new(&path)).map_err(ParseError::Config)?;
    }
    let matches = command
        .try_get_matches_from(args)
        .map_err(ParseError::Usage)?;
    let cli = Cli::from_arg_matches(&matches).map_err(ParseError::Usage)?;
    let config = Config::from_settings(&cli.settings).map_err(ParseError::Config)?;
    Ok((cli, config))
}

/// The `--config` file, looked up before clap parses so that its values can become defaults.
fn config_file_argument(args: &[std::ffi::OsString]) -> Option<std::ffi::OsString> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return args.next().cloned();
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(path.into());
        }
    }
    std::env::var_os("CONCIERGE_CONFIG").filter(|v| !v.is_empty())
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    // reqwest and sqlx use rustls with the ring provider (no C toolchain, no OpenSSL).
    let _ = rustls::crypto::ring::default_provider().install_default();
    match command {
        Command::Serve => {
            let shopify = config.require_shopify("serve")?.clone();
            let keyring = config.require_keyring("serve")?.clone();
            let db = connect(&config, "serve").await?;
            let listener = bind(&config).await?;
            let shutdown = crate::shutdown::on_signals();
            crate::launch(
                listener,
                AppState::build(db, config, shopify, keyring).await?,
                shutdown,
            )
            .await?;
        }
        Command::Worker => {
            let shopify = config.require_shopify("worker")?.clone();
            let keyring = config.require_keyring("worker")?.clone();
            let db = connect(&config, "worker").await?;
            let pending = crate::db::pending_migrations(&db).await?;
            anyhow::ensure!(
                pending == 0,
                "{pending} migrations pending: run `concierge migrate` first"
            );
            let shutdown = crate::shutdown::on_signals();
            let grace = config.shutdown_grace;
            let state = AppState::build(db, config, shopify, keyring).await?;
            crate::jobs::run_worker(state, shutdown, grace).await?;
        }
        Command::Migrate => {
            let db = connect(&config, "migrate").await?;
            crate::db::migrate(&db).await?;
            tracing::info!("migrations applied");
        }
        Command::Demo => crate::demo::run(config).await?,
        Command::Bench { command, json } => {
            let (db, url, cleanup) = crate::db::scratch_database(&config, "bench").await?;
            let result = match command {
                BenchCommand::Webhooks {
                    count,
                    duplicates,
                    concurrency,
                    no_kill,
                } => {
                    let options = crate::bench::webhooks::Options {
                        count,
                        duplicates: duplicates.clamp(0.0, 0.9),
                        concurrency: concurrency.max(1),
                        kill_worker: !no_kill,
                    };
                    let exe = std::env::current_exe()?;
                    crate::bench::webhooks::run(db.clone(), &url, &exe, &config, &options)
                        .await
                        .and_then(|report| Ok(serde_json::to_value(report)?))
                }
                BenchCommand::Search {
                    total,
                    large,
                    small,
                    queries,
                    exact_scan_max,
                } => {
                    let options = crate::bench::search::Options {
                        total,
                        large,
                        small,
                        queries,
                        exact_scan_max,
                    };
                    // Its figures are nested: printed here as tables (Null prints nothing below).
                    crate::bench::search::run(db.clone(), &options)
                        .await
                        .and_then(|report| {
                            if json {
                                Ok(serde_json::to_value(report)?)
                            } else {
                                print!("{}", report.table());
                                Ok(serde_json::Value::Null)
                            }
                        })
                }
                BenchCommand::Ingest { documents } => {
                    let options = crate::bench::ingest::Options { documents };
                    crate::bench::ingest::run(db.clone(), &options)
                        .await
                        .and_then(|report| Ok(serde_json::to_value(report)?))
                }
                BenchCommand::Chat {
                    conversations,
                    turns,
                    think_ms,
                    streams,
                } => {
                    let options = crate::bench::chat::Options {
                        conversations: conversations.max(1),
                        turns: turns.max(1),
                        think: Duration::from_millis(think_ms),
                        streams,
                    };
                    crate::bench::chat::run(db.clone(), &url, &options)
                        .await
                        .and_then(|report| Ok(serde_json::to_value(report)?))
                }
                BenchCommand::Freshness { edits } => {
                    crate::bench::freshness::run(db.clone(), &config, edits.max(1))
                        .await
                        .and_then(|report| Ok(serde_json::to_value(report)?))
                }
            };
            db.close().await;
            cleanup.finish().await?;
            let report = result?;
            if json {
                println!("{report}");
            } else if let Some(fields) = report.as_object() {
                for (name, value) in fields {
                    println!("{name:>24}  {value}");
                }
            }
        }
        Command::Eval {
            command:
                EvalCommand::Retrieval {
                    dir,
                    keyword_weight,
                    vector_weight,
                    rrf_k,
                    keep,
                },
            json,
        } => {
            let data = crate::knowledge::eval::Beir::load(&dir)?;
            let fusion = crate::knowledge::search::Fusion {
                keyword_weight,
                vector_weight,
                k: rrf_k,
            };
            let embedder = crate::knowledge::embed::from_config(&config)
                .await
                .context("while preparing the embedding model")?;
            let (db, _, cleanup) = crate::db::scratch_database(&config, "eval").await?;
            let knowledge = crate::knowledge::Knowledge::new(db.clone(), embedder);
            let result = crate::knowledge::eval::run(&knowledge, &data, fusion, keep).await;
            db.close().await;
            if keep {
                eprintln!("kept database {}", cleanup.keep().await?);
            } else {
                cleanup.finish().await?;
            }
            let report = result?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.table());
            }
        }
        Command::Eval {
            command: EvalCommand::Chat { file, keep },
            json,
        } => {
            let cases = crate::chat::eval::load(&file)?;
            let report = crate::chat::eval::run(config, &cases, keep).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.table());
            }
        }
        Command::Keys {
            command: KeysCommand::Generate { id },
        } => println!("{}", Keyring::generate_entry(&id)),
        Command::Jobs {
            command:
                JobsCommand::Probe {
                    hold_ms,
                    timeout_secs,
                },
        } => {
            let db = connect(&config, "jobs probe").await?;
            let probe = crate::jobs::Probe::start(&db, Duration::from_millis(hold_ms)).await?;
            let outcome = probe.wait(&db, Duration::from_secs(timeout_secs)).await?;
            println!(
                "probe {}: starts={} completions={} completed_by={}",
                probe.id,
                outcome.starts,
                outcome.completions,
                outcome.completed_by.as_deref().unwrap_or("-")
            );
            if outcome.completions == 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn connect(config: &Config, command: &str) -> anyhow::Result<PgPool> {
    let url = config.require_database_url(command)?;
    crate::db::connect(url, config.db_max_connections).await
}

pub(crate) async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("while binding CONCIERGE_LISTEN={}", config.listen))
}

/// Keeps `clap`'s view of the command testable.
#[cfg(test)]
mod tests {
    #[test]
    fn command_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
