//! App Bridge session tokens: the embedded admin's proof of which shop (and which staff
//! member) a request comes from. An HS256 JWT signed with the app's secret, valid for one
//! minute. Verified here by hand: it is one HMAC and five claims, and a general JWT library
//! would bring algorithms we must refuse anyway.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::Mac;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::ShopDomain;
use super::signature::hmac_sha256;
use crate::config::ShopifyConfig;
use crate::error::AppError;

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 5;

/// The claims of a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub dest: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    pub sid: String,
}

/// A verified session token.
#[derive(Debug, Clone)]
pub struct SessionToken {
    pub shop: ShopDomain,
    pub claims: Claims,
    /// The token itself, which token exchange trades for an offline access token.
    pub raw: secrecy::SecretString,
}

/// Why a session token (or a visitor token, which shares its format) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionTokenError {
    #[error("missing bearer token")]
    Missing,
    #[error("malformed token")]
    Malformed,
    #[error("unsupported token algorithm")]
    Algorithm,
    #[error("token signature does not match")]
    Signature,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token is for another app")]
    Audience,
    #[error("token names no valid shop")]
    Destination,
}

#[derive(Deserialize)]
struct JwtHeader {
    alg: String,
}

/// The token in `Authorization: Bearer <token>`, if the header has that form: App Bridge
/// session tokens and our visitor tokens both travel so.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Signs `claims` as an HS256 JWT, as Shopify does (used by the simulator and tests, and for
/// our own visitor tokens).
pub fn mint(secret: &[u8], claims: &impl Serialize) -> String {
    let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64URL.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = hmac_sha256(secret);
    m.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        B64URL.encode(m.finalize().into_bytes())
    )
}

/// The claims of an HS256 JWT signed with `secret` (signature checked in constant time);
/// the caller checks what they say.
pub fn open<C: serde::de::DeserializeOwned>(
    secret: &[u8],
    token: &str,
) -> Result<C, SessionTokenError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(SessionTokenError::Malformed)?;
    let (header, payload) = signing_input
        .split_once('.')
        .ok_or(SessionTokenError::Malformed)?;
    if payload.contains('.') {
        return Err(SessionTokenError::Malformed);
    }
    let header: JwtHeader = B64URL
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(SessionTokenError::Malformed)?;
    if header.alg != "HS256" {
        return Err(SessionTokenError::Algorithm);
    }
    let signature = B64URL
        .decode(signature)
        .map_err(|_| SessionTokenError::Malformed)?;
    let mut m = hmac_sha256(secret);
    m.update(signing_input.as_bytes());
    m.verify_slice(&signature)
        .map_err(|_| SessionTokenError::Signature)?;
    B64URL
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(SessionTokenError::Malformed)
}

/// Verifies `token` for the app `api_key` at time `now` (seconds since the epoch).
pub fn verify(
    secret: &[u8],
    api_key: &str,
    token: &str,
    now: i64,
) -> Result<SessionToken, SessionTokenError> {
    let claims: Claims = open(secret, token)?;
    if claims.exp < now - LEEWAY_SECS {
        return Err(SessionTokenError::Expired);
    }
    if claims.nbf > now + LEEWAY_SECS {
        return Err(SessionTokenError::NotYetValid);
    }
    if claims.aud != api_key {
        return Err(SessionTokenError::Audience);
    }
    let host = claims
        .dest
        .strip_prefix("https://")
        .ok_or(SessionTokenError::Destination)?;
    let shop = ShopDomain::parse(host).map_err(|_| SessionTokenError::Destination)?;
    if claims.iss.strip_suffix("/admin") != Some(claims.dest.as_str()) {
        return Err(SessionTokenError::Destination);
    }
    Ok(SessionToken {
        shop,
        claims,
        raw: secrecy::SecretString::from(token.to_owned()),
    })
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
