//! Visitor tokens: how the widget proves, on every chat request, which shop it is in and
//! which customer (if any) is logged in, as Shopify vouched at the session's start.
//!
//! The widget bootstraps through the app proxy (`/proxy/session`, signed by Shopify with the
//! shop and `logged_in_customer_id`) and receives a short-lived HS256 token binding the shop,
//! an anonymous visitor id and the verified customer id. Chat requests then go straight to us
//! (SSE through Shopify's proxy would be buffered) carrying the token; nothing the browser or
//! the model says afterwards can change who the shopper is.
//!
//! The signing key is derived from the app secret for this one purpose, so a visitor token is
//! never mistaken for an App Bridge session token (signed with the secret itself).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use hmac::Mac;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::ShopifyConfig;
use crate::error::AppError;
use crate::shopify::ShopDomain;
use crate::shopify::session_token::{self, LEEWAY_SECS, bearer};
use crate::shopify::signature::hmac_sha256;

/// How long a visitor token lives; the widget asks the app proxy for a new one after.
pub const TOKEN_TTL_SECS: i64 = 30 * 60;

/// The audience of every visitor token.
const AUDIENCE: &str = "concierge-visitor";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    aud: String,
    /// The shop's id and domain.
    sid: i64,
    dest: String,
    /// The anonymous visitor.
    vid: Uuid,
    /// The logged-in customer (digits), as the app proxy's signature said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cid: Option<String>,
    /// Minted for the merchant's playground in the admin, not by a storefront.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pg: bool,
    iat: i64,
    exp: i64,
}

/// A verified visitor: everything a chat handler may know about who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub shop_id: i64,
    pub shop: ShopDomain,
    pub visitor_id: Uuid,
    pub customer_id: Option<String>,
    /// The merchant trying the assistant in the admin's playground (`POST
    /// /api/playground/sessions`, session-token auth): its conversations are marked and left
    /// out of the shop's statistics, and it calls from the app's own origin.
    pub playground: bool,
}

fn key(app_secret: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sha256(app_secret);
    mac.update(b"concierge visitor token v1");
    mac.finalize().into_bytes().into()
}

impl Visitor {
    /// A token for this visitor, valid for [`TOKEN_TTL_SECS`] from `now`.
    pub fn token(&self, app_secret: &[u8], now: i64) -> String {
        let claims = Claims {
            aud: AUDIENCE.to_owned(),
            sid: self.shop_id,
            dest: self.shop.as_str().to_owned(),
            vid: self.visitor_id,
            cid: self.customer_id.clone(),
            pg: self.playground,
            iat: now,
            exp: now + TOKEN_TTL_SECS,
        };
        session_token::mint(&key(app_secret), &claims)
    }

    /// The visitor a token names, if it is ours, unexpired and well formed.
    pub fn verify(app_secret: &[u8], token: &str, now: i64) -> Result<Self, AppError> {
        let unauthorized = |reason: &str| {
            AppError::client(StatusCode::UNAUTHORIZED, format!("visitor token: {reason}"))
        };
        let claims: Claims = session_token::open(&key(app_secret), token)
            .map_err(|e| unauthorized(&e.to_string()))?;
        if claims.aud != AUDIENCE {
            return Err(unauthorized("not a visitor token"));
        }
        if claims.exp < now - LEEWAY_SECS {
            return Err(unauthorized("expired"));
        }
        let shop = ShopDomain::parse(&claims.dest).map_err(|_| unauthorized("malformed"))?;
        Ok(Self {
            shop_id: claims.sid,
            shop,
            visitor_id: claims.vid,
            customer_id: claims.cid,
            playground: claims.pg,
        })
    }
}

impl<S> FromRequestParts<S> for Visitor
where
    S: Send + Sync,
    Arc<ShopifyConfig>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| AppError::client(StatusCode::UNAUTHORIZED, "missing visitor token"))?;
        let shopify = Arc::<ShopifyConfig>::from_ref(state);
        Self::verify(
            shopify.api_secret.expose_secret().as_bytes(),
            token,
            chrono::Utc::now().timestamp(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor() -> Visitor {
        Visitor {
            shop_id: 7,
            shop: ShopDomain::parse("demo.myshopify.com").unwrap(),
            visitor_id: Uuid::new_v4(),
            customer_id: Some("42".into()),
            playground: false,
        }
    }

    #[test]
    fn a_token_round_trips_and_nothing_else_passes() {
        let v = visitor();
        let token = v.token(b"secret", 1_000);
        assert_eq!(Visitor::verify(b"secret", &token, 1_000).unwrap(), v);
        assert!(Visitor::verify(b"other", &token, 1_000).is_err());
        assert!(Visitor::verify(b"secret", &token, 1_000 + TOKEN_TTL_SECS + 60).is_err());
        let playground = Visitor {
            playground: true,
            ..v.clone()
        };
        let token = playground.token(b"secret", 1_000);
        assert_eq!(
            Visitor::verify(b"secret", &token, 1_000).unwrap(),
            playground
        );
        // An App Bridge-style token signed with the app secret itself is not a visitor token.
        let foreign = session_token::mint(
            b"secret",
            &serde_json::json!({"aud": AUDIENCE, "sid": 7, "dest": "demo.myshopify.com",
                "vid": Uuid::new_v4(), "cid": "1", "iat": 1000, "exp": 99_999}),
        );
        assert!(Visitor::verify(b"secret", &foreign, 1_000).is_err());
        // Tampering with the payload breaks the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = session_token::mint(b"x", &serde_json::json!({"cid": "99"}));
        parts[1] = forged.split('.').nth(1).unwrap();
        assert!(Visitor::verify(b"secret", &parts.join("."), 1_000).is_err());
    }
}
