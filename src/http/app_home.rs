//! The App Home: what Shopify frames inside the admin at the app's URL (`GET /`, opened with
//! `?embedded=1&host=…&id_token=…&shop=…`). One static page for every screen's path: App
//! Bridge and Polaris web components from Shopify's CDN (as Shopify requires; the simulator's
//! stand-ins in the demo), then our script and stylesheet (`admin/`, built by
//! `admin/build.mjs` and compiled into the binary), served under their content hash so they
//! can be cached for a year. The page holds no shop data: everything comes from `/api/*`
//! with App Bridge's session token, so nothing here needs to verify the `id_token`.
//!
//! (`X-Content-Type-Options: nosniff` is set on every answer by `http::app`.) Only the shop's
//! admin may frame the page: `frame-ancestors` names the shop's own origin
//! (`SHOPIFY_SHOP_URL` for that shop, so the simulator's in the demo) and
//! `https://admin.shopify.com`, as Shopify asks of embedded apps.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::extract::{Path, Query};
use crate::error::AppError;
use crate::shopify::ShopDomain;
use crate::state::AppState;

/// The paths of the App Home's screens (`admin/src/main.ts` picks the screen from the path).
const SCREENS: [&str; 5] = ["/", "/inbox", "/settings", "/knowledge", "/playground"];

/// One built file, and the hashed name it is served under.
struct Asset {
    name: String,
    body: &'static str,
    content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, body: &'static str, content_type: &'static str) -> Self {
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        Self {
            name: format!("{stem}-{}.{extension}", &hash[..16]),
            body,
            content_type,
        }
    }
}

static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "admin",
        "js",
        include_str!("../../admin/dist/admin.js"),
        "text/javascript; charset=utf-8",
    )
});
static STYLE: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "admin",
        "css",
        include_str!("../../admin/dist/admin.css"),
        "text/css; charset=utf-8",
    )
});

pub fn router() -> Router<AppState> {
    SCREENS
        .iter()
        .fold(Router::new(), |router, path| router.route(path, get(page)))
        // One conversation of the inbox: the link in the team's handoff mail.
        .route("/inbox/{conversation}", get(page))
        .route("/admin/{file}", get(asset))
}

#[derive(Deserialize)]
struct Embedded {
    shop: Option<String>,
}

async fn page(State(state): State<AppState>, Query(query): Query<Embedded>) -> Response {
    let cdn = &state.config.shopify_cdn_url;
    let shop = query
        .shop
        .as_deref()
        .and_then(|s| ShopDomain::parse(s).ok());
    let mut ancestors = shop
        .and_then(|shop| reqwest::Url::parse(&state.shopify.shop_base(shop.as_str())).ok())
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default();
    if ancestors != "https://admin.shopify.com" {
        ancestors.push_str(" https://admin.shopify.com");
    }
    let policy = format!(
        "frame-ancestors {}; script-src 'self' {cdn}; object-src 'none'; base-uri 'self'",
        ancestors.trim()
    );
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="shopify-api-key" content="{key}">
<title>Concierge</title>
<script src="{cdn}/shopifycloud/app-bridge.js"></script>
<script src="{cdn}/shopifycloud/polaris-1.js"></script>
<link rel="stylesheet" href="/admin/{style}">
<script type="module" src="/admin/{script}"></script>
</head>
<body>
<s-app-nav>
<s-link href="/" rel="home">Home</s-link>
<s-link href="/inbox">Inbox</s-link>
<s-link href="/settings">Settings</s-link>
<s-link href="/knowledge">Knowledge</s-link>
<s-link href="/playground">Playground</s-link>
</s-app-nav>
<main id="app" tabindex="-1"><p>Loading Concierge…</p></main>
</body>
</html>
"#,
        key = escape(&state.shopify.api_key),
        style = STYLE.name,
        script = SCRIPT.name,
    );
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The built script or stylesheet under its hashed name; any other name is a 404.
async fn asset(Path(file): Path<String>) -> Result<Response, AppError> {
    let asset = [&*SCRIPT, &*STYLE]
        .into_iter()
        .find(|a| a.name == file)
        .ok_or_else(AppError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.body,
    )
        .into_response())
}

/// Text for an HTML attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
