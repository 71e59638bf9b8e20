//! App proxy: storefront requests Shopify forwards from `https://<shop>/apps/concierge/...`
//! to `/proxy/...`, signed. [`AppProxy`] is the only way a handler learns the shop and the
//! logged-in customer: from Shopify's signature, never from the browser or the model.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use secrecy::ExposeSecret;

use super::ShopDomain;
use super::signature::{SignatureError, verify_app_proxy};
use crate::config::ShopifyConfig;
use crate::error::AppError;

/// A verified app-proxy request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppProxy {
    pub shop: ShopDomain,
    /// The storefront customer Shopify says is logged in, if any.
    pub logged_in_customer_id: Option<String>,
    pub path_prefix: String,
    /// Every parameter of the query, as signed.
    pub params: Vec<(String, String)>,
}

impl AppProxy {
    /// Verifies `query` (the raw query string) with `secret` at `now`.
    pub fn verify(secret: &[u8], query: &str, now: i64) -> Result<Self, AppError> {
        let params = verify_app_proxy(secret, query, now).map_err(|e| match e {
            // Not what Shopify sends: malformed rather than unsigned.
            SignatureError::Duplicated(_)
            | SignatureError::AmbiguousKey(_)
            | SignatureError::Missing("path_prefix") => {
                AppError::client(StatusCode::BAD_REQUEST, e.to_string())
            }
            _ => AppError::client(
                StatusCode::UNAUTHORIZED,
                format!("app proxy signature: {e}"),
            ),
        })?;
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let shop = get("shop")
            .ok_or_else(|| AppError::client(StatusCode::BAD_REQUEST, "missing shop"))
            .and_then(|s| {
                ShopDomain::parse(&s)
                    .map_err(|e| AppError::client(StatusCode::BAD_REQUEST, e.to_string()))
            })?;
        let logged_in_customer_id = get("logged_in_customer_id").filter(|v| !v.is_empty());
        if logged_in_customer_id
            .as_ref()
            .is_some_and(|id| !id.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(AppError::client(
                StatusCode::BAD_REQUEST,
                "malformed logged_in_customer_id",
            ));
        }
        Ok(Self {
            shop,
            logged_in_customer_id,
            // Present: `verify_app_proxy` requires it.
            path_prefix: get("path_prefix").unwrap_or_default(),
            params,
        })
    }
}

/// Any state that holds the app's Shopify identity will do (the app's is `AppState`), so the
/// platform layer does not depend on the app's state.
impl<S> FromRequestParts<S> for AppProxy
where
    S: Send + Sync,
    Arc<ShopifyConfig>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        let shopify = Arc::<ShopifyConfig>::from_ref(state);
        let secret = shopify.api_secret.expose_secret().as_bytes();
        Self::verify(secret, query, chrono::Utc::now().timestamp())
    }
}
