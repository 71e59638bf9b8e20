//! `VerifiedWebhook`: a Shopify delivery whose HMAC (of the raw body, constant time) has been
//! checked before anything else in it is read, with its headers parsed and its body checked
//! against them (`super::webhook_body`: the headers are not signed). The intake handlers
//! (`crate::http::webhooks`) take one as their argument, so they cannot forget to verify.

use axum::body::Bytes;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::ShopDomain;
use super::signature::verify_webhook;
use super::topic::WebhookTopic;
use super::webhook_body;
use crate::config::ShopifyConfig;
use crate::error::AppError;

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
        webhook_body::check(topic, &shop, &payload).map_err(|e| bad_request(e.to_string()))?;
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

/// Any state holding the app's Shopify identity will do (see `AppProxy`'s extractor).
impl<S> FromRequest<S> for VerifiedWebhook
where
    S: Send + Sync,
    Arc<ShopifyConfig>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let shopify = Arc::<ShopifyConfig>::from_ref(state);
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::client(e.status(), e.body_text()))?;
        Self::verify(
            shopify.api_secret.expose_secret().as_bytes(),
            &headers,
            &body,
        )
    }
}
