//! Webhook intake: `/webhooks` and `/webhooks/compliance`.
//!
//! A delivery is verified (the [`VerifiedWebhook`] extractor), stored and enqueued in one
//! transaction, and only then answered 200, well inside Shopify's 5 s. Retries carry the same
//! `X-Shopify-Event-Id`: they are acknowledged and stored once. The work happens in the
//! `webhook` job ([`crate::jobs::ProcessWebhook`]).
//!
//! A signed body holding NUL (`\u0000`, which `jsonb` cannot hold) is stored with each NUL
//! written out as the six characters `\u0000`, then processed as usual, and logged. Refusing it
//! would have Shopify retry it for hours and, for a compliance topic, leave a duty undone;
//! keeping the raw bytes aside instead would leave the event unprocessed. The escaped form
//! keeps every other byte, shows where each NUL was, and can be found again
//! (`payload::text LIKE '%\\\\u0000%'`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

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
    let mut payload = webhook.payload;
    if escape_nul(&mut payload) {
        tracing::warn!(
            event_id = %webhook.event_id,
            "webhook payload held NUL characters; stored with each written as \\u0000"
        );
    }
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
        payload,
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

/// Writes every NUL in `value`'s strings and keys as the text `\u0000`; whether there was one.
fn escape_nul(value: &mut Value) -> bool {
    const NUL: char = '\0';
    const WRITTEN: &str = "\\u0000";
    match value {
        Value::String(text) if text.contains(NUL) => {
            *text = text.replace(NUL, WRITTEN);
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |any, v| escape_nul(v) | any),
        Value::Object(map) => {
            let mut any = false;
            if map.keys().any(|k| k.contains(NUL)) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.replace(NUL, WRITTEN), v))
                    .collect();
                any = true;
            }
            map.values_mut().fold(any, |any, v| escape_nul(v) | any)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuls_are_written_out_in_strings_and_keys_at_any_depth() {
        let mut payload = json!({"a": "x\u{0}y", "b\u{0}": [1, {"c": "\u{0}"}], "d": "plain"});
        assert!(escape_nul(&mut payload));
        assert_eq!(
            payload,
            json!({"a": "x\\u0000y", "b\\u0000": [1, {"c": "\\u0000"}], "d": "plain"})
        );
        let mut clean = json!({"a": "x", "b": [1, "y"]});
        assert!(!escape_nul(&mut clean));
    }
}
