//! The state every handler shares.

use std::sync::Arc;

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
    /// A usable access token for `shop` (refreshed first if about to expire).
    pub async fn access_token(
        &self,
        shop: &ShopDomain,
    ) -> Result<secrecy::SecretString, TokenError> {
        access_token(&self.db, &self.http, &self.shopify, &self.keyring, shop).await
    }
}
