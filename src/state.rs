//! The state every handler shares.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use crate::config::{Config, ShopifyConfig};
use crate::crypto::Keyring;

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
    /// Renders the process's metrics for `/metrics`.
    pub metrics: PrometheusHandle,
}
