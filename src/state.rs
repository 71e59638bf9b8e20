//! The state every handler and job shares, and how it is built: every command that serves,
//! works the queue, measures or evaluates starts from [`AppState::build`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use crate::config::{Config, ShopifyConfig};
use crate::crypto::Keyring;
use crate::shopify::ShopDomain;
use crate::shopify::admin::AdminClient;
use crate::shopify::tokens::{TokenError, access_token};

#[derive(Clone)]
pub struct AppState {
    /// Pool on the one datastore: state, vectors, full-text index and job queue.
    pub db: PgPool,
    /// Validated configuration, loaded once at start.
    pub config: Arc<Config>,
    /// The app's Shopify identity: verifies what Shopify signs.
    pub shopify: Arc<ShopifyConfig>,
    /// Seals and opens shop credentials at rest.
    pub keyring: Arc<Keyring>,
    /// HTTP client for Shopify (token endpoint, Admin API), sharing connections.
    pub http: reqwest::Client,
    /// The Admin GraphQL client; one per process, so every caller shares each shop's bucket.
    pub admin: Arc<AdminClient>,
    /// Every shop's knowledge base: ingestion and search.
    pub knowledge: crate::knowledge::Knowledge,
    /// The chat engine: models, live conversations, running turns, rate limits.
    pub chat: Arc<crate::chat::Chat>,
    /// Renders the process's metrics for `/metrics`.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// The state on `db` with a validated configuration; loads (or connects to) the
    /// embedding model and prepares the chat models.
    pub async fn build(
        db: PgPool,
        config: Config,
        shopify: ShopifyConfig,
        keyring: Keyring,
    ) -> anyhow::Result<Self> {
        let http = http_client();
        let embedder = crate::knowledge::embed::from_config(&config)
            .await
            .context("while preparing the embedding model")?;
        let mut knowledge = crate::knowledge::Knowledge::new(db.clone(), embedder)
            .with_private_crawl(config.crawl_private_addresses);
        // With a hosted model, shops indexed by the local one keep being served from its
        // vectors until they are re-embedded.
        if config.embeddings.is_some()
            && let Ok(local) = crate::knowledge::embed::local()
        {
            knowledge = knowledge.with_previous(Arc::new(local));
        }
        let chat = crate::chat::Chat::new(&config.chat, db.clone())
            .context("while preparing the chat models")?;
        Ok(Self {
            knowledge,
            chat: Arc::new(chat),
            db,
            admin: Arc::new(AdminClient::new(
                http.clone(),
                &shopify.shop_url,
                &shopify.api_version,
            )),
            config: Arc::new(config),
            shopify: Arc::new(shopify),
            keyring: Arc::new(keyring),
            http,
            metrics: crate::telemetry::metrics(),
        })
    }

    /// What the chat engine's turns use of the process.
    pub fn chat_services(&self) -> crate::chat::Services {
        crate::chat::Services {
            db: self.db.clone(),
            http: self.http.clone(),
            shopify: self.shopify.clone(),
            keyring: self.keyring.clone(),
            admin: self.admin.clone(),
            knowledge: self.knowledge.clone(),
            chat: self.chat.clone(),
        }
    }

    /// A usable access token for `shop` (refreshed first if about to expire).
    pub async fn access_token(
        &self,
        shop: &ShopDomain,
    ) -> Result<secrecy::SecretString, TokenError> {
        access_token(&self.db, &self.http, &self.shopify, &self.keyring, shop).await
    }
}

/// Lets the platform's extractors (`shopify::proxy`, `session_token`, `webhooks`) take the
/// Shopify identity from the app's state without depending on it.
impl axum::extract::FromRef<AppState> for Arc<ShopifyConfig> {
    fn from_ref(state: &AppState) -> Self {
        state.shopify.clone()
    }
}

/// The HTTP client for Shopify: rustls (ring), bounded timeouts, no redirects followed.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("concierge/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}
