//! Installation by OAuth authorization code: `GET /auth?shop=` sends the merchant to
//! Shopify's consent screen with a state nonce bound to this browser by a signed cookie;
//! `GET /auth/callback` checks Shopify's HMAC and timestamp, that the nonce is the one this
//! browser was given (once: the cookie is cleared, so a replayed callback fails), exchanges
//! the code for an expiring offline token, seals it, and marks the shop installed.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use secrecy::ExposeSecret;

use crate::error::AppError;
use crate::shopify::ShopDomain;
use crate::shopify::signature::{
    SignatureError, parse_query, sign_hex, verify_hex, verify_oauth_query,
};
use crate::shopify::tokens::{TokenError, request_grant, store_grant};
use crate::state::AppState;

/// The install routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth", get(begin))
        .route("/auth/callback", get(callback))
}

const COOKIE: &str = "concierge_oauth_state";
/// How long a merchant has to approve on Shopify's screen.
const STATE_MAX_AGE_SECS: u32 = 600;

fn state_message(nonce: &str, shop: &ShopDomain) -> String {
    format!("oauth-state|{nonce}|{shop}")
}

fn cookie(value: &str, max_age: u32, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{COOKIE}={value}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn bad(status: StatusCode, message: impl Into<String>) -> AppError {
    AppError::client(status, message)
}

/// `GET /auth?shop=<shop>.myshopify.com`
#[tracing::instrument(skip_all, fields(shop = tracing::field::Empty))]
async fn begin(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = parse_query(query.as_deref().unwrap_or_default());
    let shop = params
        .iter()
        .find(|(k, _)| k == "shop")
        .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "missing shop"))
        .and_then(|(_, v)| {
            ShopDomain::parse(v).map_err(|e| bad(StatusCode::BAD_REQUEST, e.to_string()))
        })?;
    tracing::Span::current().record("shop", tracing::field::display(&shop));
    let shopify = &state.shopify;
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let signature = sign_hex(
        shopify.api_secret.expose_secret().as_bytes(),
        state_message(&nonce, &shop).as_bytes(),
    );
    let mut authorize = form_urlencoded::Serializer::new(String::new());
    authorize
        .append_pair("client_id", &shopify.api_key)
        .append_pair("scope", &shopify.scopes.join(","))
        .append_pair(
            "redirect_uri",
            &format!("{}/auth/callback", shopify.app_url),
        )
        .append_pair("state", &nonce);
    let location = format!(
        "{}/admin/oauth/authorize?{}",
        shopify.shop_base(shop.as_str()),
        authorize.finish()
    );
    let mut response = Redirect::to(&location).into_response();
    let secure = shopify.app_url.starts_with("https://");
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(
            &format!("{nonce}.{shop}.{signature}"),
            STATE_MAX_AGE_SECS,
            secure,
        ),
    );
    Ok(response)
}

/// The nonce and shop this browser was sent to Shopify with, if its cookie is genuine.
fn browser_state(headers: &HeaderMap, secret: &[u8]) -> Option<(String, ShopDomain)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_owned)
        })?;
    let (nonce, rest) = value.split_once('.')?;
    let (shop, signature) = rest.rsplit_once('.')?;
    let shop = ShopDomain::parse(shop).ok()?;
    verify_hex(secret, state_message(nonce, &shop).as_bytes(), signature).ok()?;
    Some((nonce.to_owned(), shop))
}

/// `GET /auth/callback?code=&hmac=&shop=&state=&timestamp=...`
#[tracing::instrument(skip_all, fields(shop = tracing::field::Empty))]
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let shopify = state.shopify.clone();
    let secret = shopify.api_secret.expose_secret().as_bytes().to_vec();
    let now = chrono::Utc::now().timestamp();
    let params = verify_oauth_query(&secret, query.as_deref().unwrap_or_default(), now).map_err(
        |e| match e {
            SignatureError::Mismatch | SignatureError::Stale => {
                bad(StatusCode::UNAUTHORIZED, format!("OAuth callback: {e}"))
            }
            _ => bad(StatusCode::BAD_REQUEST, format!("OAuth callback: {e}")),
        },
    )?;
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let shop = ShopDomain::parse(get("shop").unwrap_or_default())
        .map_err(|e| bad(StatusCode::BAD_REQUEST, e.to_string()))?;
    tracing::Span::current().record("shop", tracing::field::display(&shop));
    let code = get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "missing code"))?;
    let (nonce, cookie_shop) = browser_state(&headers, &secret).ok_or_else(|| {
        bad(
            StatusCode::UNAUTHORIZED,
            "no OAuth state for this browser: start again at /auth",
        )
    })?;
    if get("state") != Some(nonce.as_str()) || cookie_shop != shop {
        return Err(bad(
            StatusCode::UNAUTHORIZED,
            "OAuth state does not match this browser",
        ));
    }

    let grant = request_grant(&state.http, &shopify, &shop, &[("code", code)])
        .await
        .map_err(|e| match e {
            TokenError::Refused(_) => bad(StatusCode::UNAUTHORIZED, e.to_string()),
            other => AppError::Unavailable(other.to_string()),
        })?;
    let mut tx = state.db.begin().await?;
    let shop_id = store_grant(&mut tx, &state.keyring, &shop, &grant).await?;
    crate::jobs::on_install(&mut tx, shop_id).await?;
    tx.commit().await?;
    tracing::info!("installed");

    let location = format!(
        "{}/admin/apps/{}",
        shopify.shop_base(shop.as_str()),
        shopify.api_key
    );
    let mut response = Redirect::to(&location).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, shopify.app_url.starts_with("https://")),
    );
    Ok(response)
}
