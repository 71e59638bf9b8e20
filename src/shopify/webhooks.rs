//! Webhook intake: `/webhooks` and `/webhooks/compliance`.
//!
//! A delivery is verified (HMAC of the raw body, constant time), parsed, stored and enqueued
//! in one transaction, and only then answered 200, well inside Shopify's 5 s. Retries carry
//! the same `X-Shopify-Event-Id`: they are acknowledged and stored once. The work happens in
//! the `webhook` job ([`crate::jobs::ProcessWebhook`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::ShopDomain;
use super::signature::verify_webhook;
use crate::error::AppError;
use crate::jobs::{ProcessWebhook, enqueue};
use crate::state::AppState;

/// The topics Concierge subscribes to, with Shopify's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookTopic {
    AppUninstalled,
    ProductsCreate,
    ProductsUpdate,
    ProductsDelete,
    InventoryLevelsUpdate,
    CollectionsCreate,
    CollectionsUpdate,
    CollectionsDelete,
    BulkOperationsFinish,
    ShopUpdate,
    CustomersDataRequest,
    CustomersRedact,
    ShopRedact,
}

const TOPICS: &[(&str, WebhookTopic)] = &[
    ("app/uninstalled", WebhookTopic::AppUninstalled),
    ("products/create", WebhookTopic::ProductsCreate),
    ("products/update", WebhookTopic::ProductsUpdate),
    ("products/delete", WebhookTopic::ProductsDelete),
    (
        "inventory_levels/update",
        WebhookTopic::InventoryLevelsUpdate,
    ),
    ("collections/create", WebhookTopic::CollectionsCreate),
    ("collections/update", WebhookTopic::CollectionsUpdate),
    ("collections/delete", WebhookTopic::CollectionsDelete),
    ("bulk_operations/finish", WebhookTopic::BulkOperationsFinish),
    ("shop/update", WebhookTopic::ShopUpdate),
    ("customers/data_request", WebhookTopic::CustomersDataRequest),
    ("customers/redact", WebhookTopic::CustomersRedact),
    ("shop/redact", WebhookTopic::ShopRedact),
];

impl WebhookTopic {
    pub fn parse(raw: &str) -> Option<Self> {
        TOPICS
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, t)| *t)
    }

    pub fn as_str(self) -> &'static str {
        TOPICS
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("", |(name, _)| name)
    }

    /// The three topics every public app must answer (GDPR and similar laws).
    pub fn is_compliance(self) -> bool {
        matches!(
            self,
            Self::CustomersDataRequest | Self::CustomersRedact | Self::ShopRedact
        )
    }

    pub fn all() -> impl Iterator<Item = Self> {
        TOPICS.iter().map(|(_, t)| *t)
    }
}

/// A delivery whose HMAC has been checked; handlers cannot get one any other way.
#[derive(Debug, Clone)]
pub struct VerifiedWebhook {
    pub topic: WebhookTopic,
    pub shop: ShopDomain,
    /// Stable across retries of the same event.
    pub event_id: String,
    pub webhook_id: Option<String>,
    pub api_version: Option<String>,
    pub triggered_at: Option<DateTime<Utc>>,
    pub payload: Value,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn bad_request(message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::BAD_REQUEST, message)
}

impl VerifiedWebhook {
    /// Checks the signature first (nothing else is looked at before it), then the headers
    /// and the body.
    pub fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<Self, AppError> {
        verify_webhook(secret, body, header(headers, "x-shopify-hmac-sha256")).map_err(|e| {
            AppError::client(StatusCode::UNAUTHORIZED, format!("webhook HMAC: {e}"))
        })?;
        let topic_name = header(headers, "x-shopify-topic")
            .ok_or_else(|| bad_request("missing X-Shopify-Topic"))?;
        let topic = WebhookTopic::parse(topic_name).ok_or_else(|| {
            bad_request(format!(
                "unsupported topic {:?}",
                topic_name.chars().take(60).collect::<String>()
            ))
        })?;
        let shop = header(headers, "x-shopify-shop-domain")
            .ok_or_else(|| bad_request("missing X-Shopify-Shop-Domain"))
            .and_then(|s| ShopDomain::parse(s).map_err(|e| bad_request(e.to_string())))?;
        let webhook_id = header(headers, "x-shopify-webhook-id").map(str::to_owned);
        let event_id = header(headers, "x-shopify-event-id")
            .map(str::to_owned)
            .or_else(|| webhook_id.clone())
            .ok_or_else(|| bad_request("missing X-Shopify-Event-Id"))?;
        if event_id.len() > 200 {
            return Err(bad_request("X-Shopify-Event-Id too long"));
        }
        let payload: Value = serde_json::from_slice(body)
            .map_err(|e| bad_request(format!("body is not JSON: {e}")))?;
        if !payload.is_object() {
            return Err(bad_request("body is not a JSON object"));
        }
        Ok(Self {
            topic,
            shop,
            event_id,
            webhook_id,
            api_version: header(headers, "x-shopify-api-version").map(str::to_owned),
            triggered_at: header(headers, "x-shopify-triggered-at").and_then(|t| t.parse().ok()),
            payload,
        })
    }
}

impl FromRequest<AppState> for VerifiedWebhook {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::client(e.status(), e.body_text()))?;
        Self::verify(
            state.shopify.api_secret.expose_secret().as_bytes(),
            &headers,
            &body,
        )
    }
}

/// `POST /webhooks`: every subscribed topic but the compliance ones.
#[tracing::instrument(skip_all, fields(shop = %webhook.shop, topic = webhook.topic.as_str()))]
pub async fn receive(
    State(state): State<AppState>,
    webhook: VerifiedWebhook,
) -> Result<Response, AppError> {
    if webhook.topic.is_compliance() {
        return Err(bad_request("compliance topics go to /webhooks/compliance"));
    }
    accept(&state, webhook).await
}

/// `POST /webhooks/compliance`: `customers/data_request`, `customers/redact`, `shop/redact`.
#[tracing::instrument(skip_all, fields(shop = %webhook.shop, topic = webhook.topic.as_str()))]
pub async fn receive_compliance(
    State(state): State<AppState>,
    webhook: VerifiedWebhook,
) -> Result<Response, AppError> {
    if !webhook.topic.is_compliance() {
        return Err(bad_request(
            "only compliance topics go to /webhooks/compliance",
        ));
    }
    accept(&state, webhook).await
}

/// Stores and enqueues in one transaction; answers 200 once both are durable.
async fn accept(state: &AppState, webhook: VerifiedWebhook) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    let shop_id = sqlx::query_scalar!(
        "SELECT id FROM shops WHERE domain = $1",
        webhook.shop.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(shop_id) = shop_id else {
        if webhook.topic.is_compliance() {
            // We hold nothing about a shop we do not know (or have already erased).
            tracing::info!("compliance webhook for a shop with no data");
            return Ok(Json(json!({ "status": "nothing_held" })).into_response());
        }
        return Err(AppError::client(StatusCode::NOT_FOUND, "unknown shop"));
    };
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO webhook_events
               (shop_id, event_id, webhook_id, topic, api_version, triggered_at, payload)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (shop_id, event_id) DO NOTHING
           RETURNING id"#,
        shop_id,
        webhook.event_id,
        webhook.webhook_id,
        webhook.topic.as_str(),
        webhook.api_version,
        webhook.triggered_at,
        webhook.payload,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let status = match inserted {
        Some(event) => {
            enqueue(&mut tx, &ProcessWebhook { shop_id, event }).await?;
            "accepted"
        }
        None => "duplicate",
    };
    tx.commit().await?;
    metrics::counter!("concierge_webhooks_received_total", "topic" => webhook.topic.as_str(), "status" => status)
        .increment(1);
    Ok(Json(json!({ "status": status })).into_response())
}
