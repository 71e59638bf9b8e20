//! The HS256 JWT itself: minting, opening and the session token's claims checked. A leaf
//! (no HTTP, no configuration), so that the fuzz targets (`fuzz/`) compile it on its own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::Mac;
use serde::{Deserialize, Serialize};

use crate::shopify::ShopDomain;
use crate::shopify::signature::hmac_sha256;

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
