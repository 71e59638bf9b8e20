//! A shop's own chat model: an OpenAI-compatible endpoint the merchant names in the admin,
//! with its key sealed at rest like the shop's Shopify tokens (`crypto::Keyring`, bound to
//! the shop and this one field), opened only to build the chain that calls it.
//!
//! The chain is the shop's endpoint, then the local responder as its last member, exactly as
//! the app's own chain ends; [`ShopModels`] keeps one per shop, keyed by when the shop's
//! settings were last saved, so a turn neither reads nor opens the key again until the
//! merchant changes something. Clients and circuit breakers come from the process-wide
//! [`ChatModels`] pool, shared by every chain naming the same endpoint and key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use llm::{ChatModel, ChatModels, Endpoint, Fallback};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgConnection, PgPool};

use super::settings::ModelChoice;
use crate::crypto::Keyring;
use crate::shopify::ShopDomain;

/// The longest silence tolerated from a shop's endpoint (as for the app's own).
const SILENCE: Duration = Duration::from_secs(30);

/// The keyring context of a shop's model key: a key sealed for one shop (or field) does not
/// open as another's.
fn context(shop: &ShopDomain) -> Vec<u8> {
    format!("{shop}/model_api_key").into_bytes()
}

/// Seals and stores `key` as `shop`'s model key (replacing any).
pub async fn store_key(
    conn: &mut PgConnection,
    keyring: &Keyring,
    shop_id: i64,
    shop: &ShopDomain,
    key: &SecretString,
) -> Result<(), sqlx::Error> {
    let sealed = keyring.seal(key.expose_secret().as_bytes(), &context(shop));
    sqlx::query!(
        "INSERT INTO shop_model_keys (shop_id, ciphertext, key_id) VALUES ($1, $2, $3)
         ON CONFLICT (shop_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id",
        shop_id,
        sealed.blob,
        sealed.key_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes `shop_id`'s model key.
pub async fn clear_key(conn: &mut PgConnection, shop_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM shop_model_keys WHERE shop_id = $1", shop_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `shop_id` has a model key stored (all the admin is ever told of it).
pub async fn key_set(db: impl sqlx::PgExecutor<'_>, shop_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM shop_model_keys WHERE shop_id = $1) AS "set!""#,
        shop_id
    )
    .fetch_one(db)
    .await
}

/// `shop`'s model key, opened; `None` without one. A key that no longer opens (its sealing
/// key was retired) is an error, so that it is noticed rather than silently dropped.
pub async fn load_key(
    db: &PgPool,
    keyring: &Keyring,
    shop_id: i64,
    shop: &ShopDomain,
) -> anyhow::Result<Option<SecretString>> {
    let Some(row) = sqlx::query!(
        "SELECT ciphertext, key_id FROM shop_model_keys WHERE shop_id = $1",
        shop_id
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let key = keyring.open(&row.key_id, &row.ciphertext, &context(shop))?;
    Ok(Some(key))
}

/// The endpoint a shop chose, with its key.
pub fn endpoint(base_url: &str, model: &str, key: Option<SecretString>) -> Endpoint {
    let endpoint = Endpoint::new("shop", base_url, model).with_timeout(SILENCE);
    match key {
        Some(key) => endpoint.with_api_key(key),
        None => endpoint,
    }
}

/// A shop's chain, and when the settings it was built from were saved.
type Cached = (Option<DateTime<Utc>>, Fallback);

/// Every shop's own chain, built on first use and again after the shop's settings change.
pub struct ShopModels {
    pool: ChatModels,
    local: Arc<dyn ChatModel>,
    chains: Mutex<HashMap<i64, Cached>>,
}

impl ShopModels {
    pub fn new(pool: ChatModels, local: Arc<dyn ChatModel>) -> Self {
        Self {
            pool,
            local,
            chains: Mutex::default(),
        }
    }

    /// The chain answering `shop`'s turns when its settings choose `choice`; `None` for
    /// [`ModelChoice::Local`] (the app's own chain).
    pub async fn chain(
        &self,
        db: &PgPool,
        keyring: &Keyring,
        shop_id: i64,
        shop: &ShopDomain,
        choice: &ModelChoice,
    ) -> anyhow::Result<Option<Fallback>> {
        let ModelChoice::OpenAi { base_url, model } = choice else {
            return Ok(None);
        };
        let saved = sqlx::query_scalar!(
            "SELECT settings_updated_at FROM shops WHERE id = $1",
            shop_id
        )
        .fetch_one(db)
        .await?;
        if let Some((at, chain)) = self.chains().get(&shop_id)
            && *at == saved
        {
            return Ok(Some(chain.clone()));
        }
        let key = load_key(db, keyring, shop_id, shop).await?;
        let chain = self
            .pool
            .chain(&[endpoint(base_url, model, key)])?
            .then(self.local.clone());
        self.chains().insert(shop_id, (saved, chain.clone()));
        Ok(Some(chain))
    }

    fn chains(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Cached>> {
        self.chains.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
