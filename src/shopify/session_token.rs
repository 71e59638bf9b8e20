//! App Bridge session tokens: the embedded admin's proof of which shop (and which staff
//! member) a request comes from. An HS256 JWT signed with the app's secret, valid for one
//! minute. Verified here by hand: it is one HMAC and five claims, and a general JWT library
//! would bring algorithms we must refuse anyway.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use secrecy::ExposeSecret;

pub use self::hs256::{Claims, LEEWAY_SECS, SessionToken, SessionTokenError, mint, open, verify};
use crate::config::ShopifyConfig;
use crate::error::AppError;

mod hs256;

/// The token in `Authorization: Bearer <token>`, if the header has that form: App Bridge
/// session tokens and our visitor tokens both travel so.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Extracts and verifies `Authorization: Bearer <session token>`; 401 otherwise.
/// Any state holding the app's Shopify identity will do (see `AppProxy`'s extractor).
impl<S> FromRequestParts<S> for SessionToken
where
    S: Send + Sync,
    Arc<ShopifyConfig>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let token = bearer(&parts.headers).ok_or(SessionTokenError::Missing);
        let shopify = Arc::<ShopifyConfig>::from_ref(state);
        let now = chrono::Utc::now().timestamp();
        token
            .and_then(|t| {
                verify(
                    shopify.api_secret.expose_secret().as_bytes(),
                    &shopify.api_key,
                    t,
                    now,
                )
            })
            .map_err(|e| AppError::client(StatusCode::UNAUTHORIZED, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

    use super::*;

    const SECRET: &[u8] = b"app-secret";
    const NOW: i64 = 1_700_000_000;

    fn claims() -> Claims {
        Claims {
            iss: "https://demo.myshopify.com/admin".into(),
            dest: "https://demo.myshopify.com".into(),
            aud: "api-key".into(),
            sub: "42".into(),
            exp: NOW + 60,
            nbf: NOW - 1,
            iat: NOW - 1,
            jti: "00000000-0000-0000-0000-000000000001".into(),
            sid: "session".into(),
        }
    }

    #[test]
    fn good_token_names_the_shop() {
        let token = mint(SECRET, &claims());
        let verified = verify(SECRET, "api-key", &token, NOW).unwrap();
        assert_eq!(verified.shop.as_str(), "demo.myshopify.com");
        assert_eq!(verified.claims.sub, "42");
    }

    #[test]
    fn bad_tokens_are_refused_for_the_right_reason() {
        let token = mint(SECRET, &claims());
        let mut flipped = token.clone().into_bytes();
        let i = flipped.len() - 3;
        flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            verify(SECRET, "api-key", &flipped, NOW).unwrap_err(),
            SessionTokenError::Signature
        );
        assert_eq!(
            verify(b"other", "api-key", &token, NOW).unwrap_err(),
            SessionTokenError::Signature
        );
        assert_eq!(
            verify(SECRET, "other-app", &token, NOW).unwrap_err(),
            SessionTokenError::Audience
        );
        // Replayed after its minute (and the leeway): expired.
        assert_eq!(
            verify(SECRET, "api-key", &token, NOW + 66).unwrap_err(),
            SessionTokenError::Expired
        );
        assert!(
            verify(SECRET, "api-key", &token, NOW + 64).is_ok(),
            "within leeway"
        );
        assert_eq!(
            verify(SECRET, "api-key", &token, NOW - 10).unwrap_err(),
            SessionTokenError::NotYetValid
        );
        assert_eq!(
            verify(SECRET, "api-key", "a.b", NOW).unwrap_err(),
            SessionTokenError::Malformed
        );

        let mut evil = claims();
        evil.dest = "https://evil.example.com".into();
        evil.iss = "https://evil.example.com/admin".into();
        assert_eq!(
            verify(SECRET, "api-key", &mint(SECRET, &evil), NOW).unwrap_err(),
            SessionTokenError::Destination
        );
        let mut mismatched = claims();
        mismatched.iss = "https://other.myshopify.com/admin".into();
        assert_eq!(
            verify(SECRET, "api-key", &mint(SECRET, &mismatched), NOW).unwrap_err(),
            SessionTokenError::Destination
        );

        let none = format!(
            "{}.{}.",
            B64URL.encode(br#"{"alg":"none"}"#),
            B64URL.encode(serde_json::to_vec(&claims()).unwrap())
        );
        assert_eq!(
            verify(SECRET, "api-key", &none, NOW).unwrap_err(),
            SessionTokenError::Algorithm
        );
    }
}
