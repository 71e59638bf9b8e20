//! The `concierge` command: one binary, one subcommand per role.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use sqlx::PgPool;

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
    /// DATABASE_URL is set), migrations, the HTTP API and a worker, and the Shopify simulator
    /// with the demo store's storefront (unless real Shopify credentials are set).
    Demo {
        /// Address the Shopify simulator (admin, app proxy, storefront) listens on.
        #[arg(
            long,
            env = "CONCIERGE_SIMULATOR_LISTEN",
            default_value = "127.0.0.1:8081"
        )]
        simulator_listen: String,
    },
    /// Measure: run a benchmark against real parts and print its figures.
    Bench {
        #[command(subcommand)]
        command: crate::dev::bench::Command,
        /// Print JSON instead of a table (before or after the subcommand's arguments).
        #[arg(long, global = true)]
        json: bool,
    },
    /// Evaluate quality on a labelled data set and print its figures.
    Eval {
        #[command(subcommand)]
        command: crate::dev::eval::Command,
        /// Print JSON instead of a table (before or after the subcommand's arguments).
        #[arg(long, global = true)]
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
            let listener = crate::http::bind(&config).await?;
            let metrics = crate::http::bind_metrics(&config).await?;
            let shutdown = crate::shutdown::on_signals();
            let state = AppState::build(db, config, shopify, keyring).await?;
            crate::chat::prepare_local_responder();
            if let Some(metrics) = metrics {
                tokio::spawn(crate::http::launch_metrics(
                    metrics,
                    state.clone(),
                    shutdown.clone(),
                ));
            }
            crate::launch(listener, state, shutdown).await?;
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
        Command::Demo { simulator_listen } => {
            crate::dev::demo::run(config, &simulator_listen).await?;
        }
        Command::Bench { command, json } => crate::dev::bench::run(command, config, json).await?,
        Command::Eval { command, json } => crate::dev::eval::run(command, config, json).await?,
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

/// Connects to the database, waiting up to a minute while it cannot be reached: a node or
/// worker started beside PostgreSQL, or while it restarts after a crash, comes up on its own
/// instead of exiting and needing someone to start it again.
async fn connect(config: &Config, command: &str) -> anyhow::Result<PgPool> {
    let url = config.require_database_url(command)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match crate::db::connect(url, config.db_max_connections).await {
            Ok(pool) => return Ok(pool),
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::warn!(error = format!("{e:#}"), "database unreachable; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
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
