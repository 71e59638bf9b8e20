//! How Shopify signs what it sends, written here independently of the app's verifiers (in
//! `concierge::shopify`), so that a mistake shared by both cannot hide; the app's side is
//! checked against Shopify's own JavaScript library by the differential test.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

fn hmac(secret: &str, message: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `X-Shopify-Hmac-Sha256` for a webhook body.
pub fn webhook(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(hmac(secret, body))
}

/// The `hmac` parameter of an admin redirect (OAuth callback): sorted, percent-encoded
/// `k=v` pairs joined with `&`.
pub fn admin_query(secret: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let message = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    hex::encode(hmac(secret, message.as_bytes()))
}

/// The `signature` parameter of an app-proxy request: sorted `k=v` (repeated values joined
/// with `,`) concatenated.
pub fn app_proxy(secret: &str, params: &[(String, String)]) -> String {
    let mut keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let message: String = keys
        .iter()
        .map(|key| {
            let values: Vec<&str> = params
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect();
            format!("{key}={}", values.join(","))
        })
        .collect();
    hex::encode(hmac(secret, message.as_bytes()))
}

/// An App Bridge session token (HS256 JWT) for `shop`'s admin user `user_id`.
pub fn session_token(api_key: &str, secret: &str, shop: &str, user_id: u64, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": format!("https://{shop}/admin"),
        "dest": format!("https://{shop}"),
        "aud": api_key,
        "sub": user_id.to_string(),
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "sid": uuid::Uuid::new_v4().simple().to_string(),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac(secret, input.as_bytes()));
    format!("{input}.{signature}")
}

/// Who a verified session token names: its `dest` shop and its `sub` user id.
pub struct TokenSubject {
    pub shop: String,
    pub user_id: Option<u64>,
}

/// Checks a session token the app presents for token exchange.
pub fn verify_session_token(
    api_key: &str,
    secret: &str,
    token: &str,
    now: i64,
) -> Option<TokenSubject> {
    let (input, signature) = token.rsplit_once('.')?;
    let (_, payload) = input.split_once('.')?;
    let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(input.as_bytes());
    mac.verify_slice(&given).ok()?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    if claims["aud"] != api_key
        || claims["exp"].as_i64()? < now
        || claims["nbf"].as_i64()? > now + 5
    {
        return None;
    }
    let shop = claims["dest"]
        .as_str()?
        .strip_prefix("https://")?
        .to_owned();
    let user_id = claims["sub"].as_str().and_then(|s| s.parse().ok());
    Some(TokenSubject { shop, user_id })
}

/// `encodeURIComponent`-style encoding (all but `A-Za-z0-9*-._`), as Shopify's admin
/// redirects are signed.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
