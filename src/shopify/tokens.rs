//! Access tokens: obtained from Shopify (authorization code, token exchange, refresh),
//! sealed at rest, and refreshed before they expire.
//!
//! Public apps get *expiring* offline tokens: an access token for an hour and a refresh
//! token that rotates on every refresh. Two workers refreshing at once would race, and the
//! loser's refresh token would already be spent, so a refresh happens under a row lock on
//! the shop: the second caller waits and then finds the fresh token.
//!
//! The token endpoint is called with reqwest, not the `oauth2` crate (5.0), which does not fit
//! Shopify's endpoint:
//! - Shopify's token response has no `token_type` (RFC 6749 §5.1 requires one): the crate's
//!   `StandardTokenResponse` rejects it, so we would still write the response type.
//! - The crate turns any non-200 into a parsed error body and drops the status, which is how
//!   [`TokenError::Refused`] (re-authorise) and [`TokenError::Unavailable`] (retry) differ.
//! - Token exchange (RFC 8693), how the embedded admin installs, is not a grant the crate
//!   offers and has no extension-grant hook: it would stay this form POST, so one endpoint
//!   would have two clients.
//! - Without its default reqwest 0.12 it needs an `AsyncHttpClient` adapter over our reqwest,
//!   and it still brings rand 0.8 (a third rand). Net, more code than [`request_grant`].

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};

use super::ShopDomain;
use crate::config::ShopifyConfig;
use crate::crypto::{CryptoError, Keyring};

/// Refresh when less than this is left of an access token's life.
const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// What Shopify's token endpoint granted.
pub struct Grant {
    pub access_token: SecretString,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Option<SecretString>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// The staff member an *online* access token acts for (token exchange with
    /// `requested_token_type` online): who is using the embedded admin.
    pub associated_user: Option<AssociatedUser>,
}

/// Shopify's `associated_user` of an online access token.
#[derive(Debug, Clone, Deserialize)]
pub struct AssociatedUser {
    pub id: u64,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub account_owner: bool,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    scope: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<i64>,
    associated_user: Option<AssociatedUser>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("Shopify refused the grant ({0}): the merchant must authorise the app again")]
    Refused(StatusCode),
    #[error("Shopify's token endpoint failed: {0}")]
    Unavailable(String),
    #[error("the shop has no stored credentials")]
    NoCredentials,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What token exchange asks for: a shop's offline access token, or an online one for the
/// staff member whose session token it is.
pub const OFFLINE_TOKEN: &str = "urn:shopify:params:oauth:token-type:offline-access-token";
pub const ONLINE_TOKEN: &str = "urn:shopify:params:oauth:token-type:online-access-token";

/// The form of a token exchange of `session_token` (an App Bridge session token) for an
/// access token of type `requested`, for [`request_grant`].
pub fn token_exchange<'a>(session_token: &'a str, requested: &'a str) -> [(&'a str, &'a str); 4] {
    [
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ),
        ("subject_token", session_token),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:id_token",
        ),
        ("requested_token_type", requested),
    ]
}

/// Calls `POST https://{shop}/admin/oauth/access_token`.
pub async fn request_grant(
    http: &reqwest::Client,
    shopify: &ShopifyConfig,
    shop: &ShopDomain,
    form: &[(&str, &str)],
) -> Result<Grant, TokenError> {
    let mut body: Vec<(&str, &str)> = vec![
        ("client_id", shopify.api_key.as_str()),
        ("client_secret", shopify.api_secret.expose_secret()),
        // Ask for an expiring offline token, with a refresh token.
        ("expiring", "1"),
    ];
    body.extend_from_slice(form);
    let url = format!(
        "{}/admin/oauth/access_token",
        shopify.shop_base(shop.as_str())
    );
    let response = http
        .post(&url)
        .header("accept", "application/json")
        .form(&body)
        .send()
        .await
        .map_err(|e| TokenError::Unavailable(e.without_url().to_string()))?;
    let status = response.status();
    if status.is_client_error() {
        return Err(TokenError::Refused(status));
    }
    if !status.is_success() {
        return Err(TokenError::Unavailable(format!("HTTP {status}")));
    }
    let token: TokenResponse = response.json().await.map_err(|e| {
        TokenError::Unavailable(format!("unreadable token response: {}", e.without_url()))
    })?;
    let now = Utc::now();
    Ok(Grant {
        access_token: SecretString::from(token.access_token),
        scopes: token
            .scope
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        expires_at: token.expires_in.map(|s| now + Duration::seconds(s)),
        refresh_token: token.refresh_token.map(SecretString::from),
        refresh_expires_at: token
            .refresh_token_expires_in
            .map(|s| now + Duration::seconds(s)),
        associated_user: token.associated_user,
    })
}

fn context(shop: &ShopDomain, field: &str) -> Vec<u8> {
    format!("{shop}/{field}").into_bytes()
}

/// Seals and stores `grant` as `shop`'s credentials, marking it installed.
pub async fn store_grant(
    conn: &mut PgConnection,
    keyring: &Keyring,
    shop: &ShopDomain,
    grant: &Grant,
) -> Result<i64, sqlx::Error> {
    let access = keyring.seal(
        grant.access_token.expose_secret().as_bytes(),
        &context(shop, "access_token"),
    );
    let refresh = grant.refresh_token.as_ref().map(|t| {
        keyring
            .seal(
                t.expose_secret().as_bytes(),
                &context(shop, "refresh_token"),
            )
            .blob
    });
    sqlx::query_scalar!(
        r#"INSERT INTO shops (domain, install_state, scopes, access_token_ciphertext, access_token_expires_at,
                              refresh_token_ciphertext, refresh_token_expires_at, credentials_key_id,
                              installed_at, uninstalled_at)
           VALUES ($1, 'installed', $2, $3, $4, $5, $6, $7, now(), NULL)
           ON CONFLICT (domain) DO UPDATE SET
               install_state = 'installed',
               scopes = EXCLUDED.scopes,
               access_token_ciphertext = EXCLUDED.access_token_ciphertext,
               access_token_expires_at = EXCLUDED.access_token_expires_at,
               refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext,
               refresh_token_expires_at = EXCLUDED.refresh_token_expires_at,
               credentials_key_id = EXCLUDED.credentials_key_id,
               installed_at = CASE WHEN shops.install_state = 'installed' THEN shops.installed_at ELSE now() END,
               uninstalled_at = NULL
           RETURNING id"#,
        shop.as_str(),
        &grant.scopes,
        access.blob,
        grant.expires_at,
        refresh,
        grant.refresh_expires_at,
        access.key_id,
    )
    .fetch_one(&mut *conn)
    .await
}

/// A usable access token for `shop`, refreshed first if it is about to expire.
pub async fn access_token(
    db: &PgPool,
    http: &reqwest::Client,
    shopify: &ShopifyConfig,
    keyring: &Keyring,
    shop: &ShopDomain,
) -> Result<SecretString, TokenError> {
    // Most calls find a fresh token: no lock for them.
    let row = sqlx::query!(
        "SELECT access_token_ciphertext, access_token_expires_at, credentials_key_id
         FROM shops WHERE domain = $1 AND install_state = 'installed'",
        shop.as_str()
    )
    .fetch_optional(db)
    .await?
    .ok_or(TokenError::NoCredentials)?;
    if let (Some(access), Some(key_id)) = (&row.access_token_ciphertext, &row.credentials_key_id)
        && row
            .access_token_expires_at
            .is_none_or(|at| at - Utc::now() > REFRESH_MARGIN)
    {
        return Ok(keyring.open(key_id, access, &context(shop, "access_token"))?);
    }
    // Expiring: refresh under the shop's row lock, unless another caller just did.
    let mut tx = db.begin().await?;
    let row = sqlx::query!(
        "SELECT access_token_ciphertext, access_token_expires_at, refresh_token_ciphertext, credentials_key_id
         FROM shops WHERE domain = $1 AND install_state = 'installed' FOR UPDATE",
        shop.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(TokenError::NoCredentials)?;
    let (Some(access), Some(key_id)) = (row.access_token_ciphertext, row.credentials_key_id) else {
        return Err(TokenError::NoCredentials);
    };
    if row
        .access_token_expires_at
        .is_none_or(|at| at - Utc::now() > REFRESH_MARGIN)
    {
        return Ok(keyring.open(&key_id, &access, &context(shop, "access_token"))?);
    }
    let refresh = row
        .refresh_token_ciphertext
        .ok_or(TokenError::NoCredentials)?;
    let refresh = keyring.open(&key_id, &refresh, &context(shop, "refresh_token"))?;
    let grant = request_grant(
        http,
        shopify,
        shop,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
        ],
    )
    .await?;
    store_grant(&mut tx, keyring, shop, &grant).await?;
    tx.commit().await?;
    tracing::info!(shop = %shop, "access token refreshed");
    Ok(grant.access_token)
}
