//! Webhook intake: `/webhooks` and `/webhooks/compliance`.
//!
//! A delivery is verified (the [`VerifiedWebhook`] extractor), stored and enqueued in one
//! transaction, and only then answered 200, well inside Shopify's 5 s. Retries carry the same
//! `X-Shopify-Event-Id`: they are acknowledged and stored once. The work happens in the
//! `webhook` job ([`crate::jobs::ProcessWebhook`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use crate::error::AppError;
use crate::jobs::{ProcessWebhook, enqueue};
use crate::shopify::webhooks::VerifiedWebhook;
use crate::state::AppState;

/// The webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", post(receive))
        .route("/webhooks/compliance", post(receive_compliance))
}

/// What became of a delivery: the answer's `status` and the metric's label.
#[derive(Debug, Clone, Copy)]
enum Receipt {
    /// Stored and queued.
    Accepted,
    /// A retry of an event already stored.
    Duplicate,
    /// A compliance request about a shop we hold nothing of.
    NothingHeld,
}

impl Receipt {
    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::NothingHeld => "nothing_held",
        }
    }

    fn response(self) -> Response {
        Json(json!({ "status": self.as_str() })).into_response()
    }
}

fn bad_request(message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::BAD_REQUEST, message)
}

/// `POST /webhooks`: every subscribed topic but the compliance ones.
#[tracing::instrument(skip_all, fields(shop = %webhook.shop, topic = webhook.topic.as_str()))]
async fn receive(
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
async fn receive_compliance(
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
            return Ok(Receipt::NothingHeld.response());
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
            Receipt::Accepted
        }
        None => Receipt::Duplicate,
    };
    tx.commit().await?;
    metrics::counter!("concierge_webhooks_received_total", "topic" => webhook.topic.as_str(), "status" => status.as_str())
        .increment(1);
    Ok(status.response())
}
