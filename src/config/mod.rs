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

mod chat;
mod embeddings;
mod file;
mod mail;
mod settings;
mod shopify;
mod validate;

pub use chat::ChatConfig;
pub use embeddings::{EmbeddingsConfig, MAX_EMBEDDING_DIMENSIONS};
pub use file::apply_file_defaults;
pub use mail::MailConfig;
pub use settings::DEFAULT_SCOPES;
pub use settings::{LogFormat, Settings};
pub use shopify::ShopifyConfig;

use validate::{header_secret, positive, secs};

/// Validated configuration. Cheap to clone behind an `Arc` in [`crate::AppState`].
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Option<SecretString>,
    pub db_max_connections: u32,
    pub listen: SocketAddr,
    /// Where Prometheus metrics are served apart from the app, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// The bearer token that opens `/metrics` on the app's address; `None` keeps it closed.
    pub metrics_token: Option<SecretString>,
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
    /// The header a trusted reverse proxy names the client's address in.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// Crawls may reach private addresses (tests only).
    pub crawl_private_addresses: bool,
    /// Base URL of Shopify's CDN (App Bridge, Polaris), without a trailing slash.
    pub shopify_cdn_url: String,
    /// Hosted chat models, in fallback order; empty runs the local responder only.
    pub chat: ChatConfig,
    /// Outgoing mail (SMTP); without a server, mail waits unsent.
    pub mail: MailConfig,
    pub log_filter: String,
    pub log_format: LogFormat,
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
        let metrics_listen = match s.metrics_listen.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(address) => Some(address.parse().map_err(|_| {
                ConfigError::new(
                    "CONCIERGE_METRICS_LISTEN",
                    format!("expected host:port such as 127.0.0.1:9464, got {address:?}"),
                )
            })?),
        };
        let metrics_token = match s.metrics_token.as_deref() {
            None | Some("") => None,
            Some(token) if token.len() < 16 => {
                return Err(ConfigError::new(
                    "CONCIERGE_METRICS_TOKEN",
                    "expected at least 16 characters",
                ));
            }
            Some(token) => Some(header_secret("CONCIERGE_METRICS_TOKEN", token)?),
        };
        let trusted_proxy_header = match s.trusted_proxy_header.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(name.parse().map_err(|_| {
                ConfigError::new(
                    "CONCIERGE_TRUSTED_PROXY_HEADER",
                    format!("expected a header name such as X-Forwarded-For, got {name:?}"),
                )
            })?),
        };
        tracing_subscriber::EnvFilter::try_new(&s.log)
            .map_err(|e| ConfigError::new("CONCIERGE_LOG", e.to_string()))?;
        Ok(Self {
            database_url,
            db_max_connections: positive("CONCIERGE_DB_MAX_CONNECTIONS", &s.db_max_connections)?,
            listen,
            metrics_listen,
            metrics_token,
            trusted_proxy_header,
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
            shopify: shopify::from_settings(s)?,
            shopify_cdn_url: shopify::cdn_url(s)?,
            keyring: s
                .encryption_keys
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    crate::crypto::Keyring::parse(&SecretString::from(k.to_owned()))
                        .map_err(|e| ConfigError::new("CONCIERGE_ENCRYPTION_KEYS", e.to_string()))
                })
                .transpose()?,
            embeddings: embeddings::from_settings(s)?,
            chat: chat::from_settings(s)?,
            mail: mail::from_settings(s)?,
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
