//! The chat engine: answering shoppers with an LLM that calls the store's tools.

pub mod engine;
pub mod events;
mod handoff_rule;
pub mod host;
pub mod hub;
pub mod model;
pub mod page;
pub mod photo;
pub mod prompt;
pub mod rate;
pub mod redact;
pub mod settings;
pub mod store;
pub mod visitor;

pub use engine::Chat;

use std::sync::Arc;

use secrecy::SecretString;
use sqlx::PgPool;

use crate::config::ShopifyConfig;
use crate::crypto::Keyring;
use crate::knowledge::Knowledge;
use crate::shopify::ShopDomain;
use crate::shopify::admin::AdminClient;
use crate::shopify::tokens::{TokenError, access_token};

/// What a turn needs of the process. The app's state hands these over
/// (`AppState::chat_services`): it holds the engine, so the engine does not name it back.
#[derive(Clone)]
pub struct Services {
    pub db: PgPool,
    pub http: reqwest::Client,
    pub shopify: Arc<ShopifyConfig>,
    pub keyring: Arc<Keyring>,
    pub admin: Arc<AdminClient>,
    pub knowledge: Knowledge,
    pub chat: Arc<Chat>,
}

impl Services {
    /// A usable access token for `shop` (refreshed first if about to expire).
    pub async fn access_token(&self, shop: &ShopDomain) -> Result<SecretString, TokenError> {
        access_token(&self.db, &self.http, &self.shopify, &self.keyring, shop).await
    }
}

/// Readies the local responder (its sentence model and exemplars) off the async runtime, so
/// that the first shopper does not wait for it; a missing model is logged, not fatal: routing
/// then runs on character n-grams alone.
pub fn prepare_local_responder() {
    // A thread of its own, not the blocking pool: the runtime waits for that pool when it shuts
    // down, so a SIGTERM during the warm-up (seconds on a loaded machine) would wait for it.
    let warm_up = || match local_responder::prepare() {
        Ok(()) => tracing::info!("local responder ready"),
        Err(error) => tracing::warn!(
            %error,
            "the local responder routes without its sentence model (scripts/setup installs it)"
        ),
    };
    if let Err(error) = std::thread::Builder::new()
        .name("local-responder-warm-up".into())
        .spawn(warm_up)
    {
        tracing::warn!(%error, "the local responder warms up on its first message instead");
    }
}
