//! The demo store as a shopper sees it, at `{base}/{shop}/` (optionally `{base}/{shop}/{locale}/`):
//! a plain, Dawn-like theme (index, collections, products, the merchant's pages, policies and
//! blogs, cart, a checkout stub, a demo customer login), Shopify's Ajax Cart API and Section Rendering API, and our real app embed
//! block from `theme-extension/` rendered at the end of `<body>` as a theme would. It exists so
//! the widget is exercised (and measured by Lighthouse) on a storefront, offline, the same way
//! it runs on Shopify; the contract it keeps is `CONTRACT.md` section 2.
//!
//! Links are paths, as Shopify's are: `routes.root_url` is `/{shop}/` (Shopify: `/`) or
//! `/{shop}/fr` (Shopify: `/fr`), so the widget meets both shapes here too. State (carts,
//! logins, embed settings) lives in memory, keyed by cookies scoped to `Path=/{shop}`.

mod ajax;
mod assets;
mod cart;
mod catalog;
mod compress;
mod content;
mod embed;
mod filters;
mod lenient;
mod local_urls;
mod login;
mod objects;
mod pages;
mod product_page;
mod sections;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::Value;

use crate::store::Store;

pub(crate) use local_urls::point_urls_at_storefront;
pub(crate) use login::SESSION_COOKIE;

/// The languages the storefront offers as path prefixes (`/{shop}/{locale}/...`); `en` is the
/// primary one, served without a prefix.
pub(crate) const LOCALES: [&str; 10] = [
    "en", "fr", "es", "de", "it", "pt-BR", "nl", "ja", "ar", "he",
];

/// The storefront's memory: what Shopify keeps per browser and per theme.
pub(crate) struct Storefront {
    store: Arc<RwLock<Store>>,
    /// `theme-extension/`: where the app embed blocks, assets and locales are read from on
    /// every render (so edits show on reload); `None` renders no embed.
    theme_extension: Option<PathBuf>,
    carts: Mutex<cart::Carts>,
    sessions: Mutex<login::Sessions>,
    /// Per shop: whether the app embed is switched on, and the merchant's block settings.
    embeds: Mutex<HashMap<String, Embed>>,
}

/// A shop's app embed configuration, as the theme editor would save it.
#[derive(Debug, Clone)]
pub(crate) struct Embed {
    pub enabled: bool,
    /// Block settings by id; merged over the schema's defaults.
    pub settings: serde_json::Map<String, Value>,
}

impl Default for Embed {
    /// Switched on, so pointing the simulator at the extension is enough to see the widget
    /// (on Shopify a merchant switches it on in the theme editor).
    fn default() -> Self {
        Self {
            enabled: true,
            settings: serde_json::Map::new(),
        }
    }
}

impl Storefront {
    pub(crate) fn new(store: Arc<RwLock<Store>>, theme_extension: Option<PathBuf>) -> Self {
        Self {
            store,
            theme_extension,
            carts: Mutex::default(),
            sessions: Mutex::default(),
            embeds: Mutex::default(),
        }
    }

    /// Sets a shop's app embed: on or off, and the settings the merchant chose.
    pub(crate) fn set_embed(&self, shop: &str, enabled: bool, settings: &Value) {
        let settings = settings.as_object().cloned().unwrap_or_default();
        if let Ok(mut embeds) = self.embeds.lock() {
            embeds.insert(shop.to_owned(), Embed { enabled, settings });
        }
    }

    /// Switches `shop`'s app embed on, keeping its block settings (the theme editor's deep link).
    pub(crate) fn enable_embed(&self, shop: &str) {
        if let Ok(mut embeds) = self.embeds.lock() {
            embeds.entry(shop.to_owned()).or_default().enabled = true;
        }
    }

    /// The shopper's cart (empty when the browser has none yet).
    pub(crate) fn cart(&self, shopper: &Shopper) -> cart::Cart {
        self.carts
            .lock()
            .map(|c| c.get(&shopper.shop, shopper.cart_token.as_deref()))
            .unwrap_or_default()
    }

    pub(crate) fn embed(&self, shop: &str) -> Embed {
        self.embeds
            .lock()
            .ok()
            .and_then(|e| e.get(shop).cloned())
            .unwrap_or_default()
    }

    /// The logged-in customer's number for a request to `shop` (from its session cookie),
    /// which the app proxy passes on as `logged_in_customer_id`.
    pub(crate) fn customer_id(&self, shop: &str, headers: &HeaderMap) -> Option<u64> {
        let token = cookie(headers, SESSION_COOKIE)?;
        self.sessions.lock().ok()?.customer(shop, &token)
    }

    /// Logs a customer in without a browser; returns the `Cookie` header value to send.
    pub(crate) fn login(&self, shop: &str, customer_id: u64) -> Option<String> {
        let exists = self
            .store
            .read()
            .ok()?
            .shop(shop)
            .is_some_and(|s| login::find_customer(s, customer_id).is_some());
        if !exists {
            return None;
        }
        let token = self.sessions.lock().ok()?.open(shop, customer_id);
        Some(format!("{SESSION_COOKIE}={token}"))
    }
}

/// The storefront's routes; each page also answers under a locale prefix.
pub(crate) fn router(storefront: Arc<Storefront>) -> Router {
    let pages: [(&str, MethodRouter<Arc<Storefront>>); 22] = [
        ("", get(pages::index)),
        ("/", get(pages::index)),
        ("/collections", get(pages::collection_list)),
        ("/collections/{handle}", get(pages::collection)),
        (
            "/collections/{collection}/products/{handle}",
            get(pages::product),
        ),
        ("/products/{handle}", get(pages::product)),
        ("/pages/{handle}", get(content::page)),
        ("/policies/{handle}", get(content::policy)),
        ("/blogs/{blog}", get(content::blog)),
        ("/blogs/{blog}/{article}", get(content::article)),
        ("/cart", get(sections::cart_page)),
        ("/cart.js", get(ajax::show)),
        ("/cart/add.js", post(ajax::add)),
        ("/cart/add", post(ajax::add)),
        ("/cart/change.js", post(ajax::change)),
        ("/cart/change", get(ajax::change).post(ajax::change)),
        ("/cart/update.js", post(ajax::update)),
        ("/cart/clear.js", post(ajax::clear)),
        ("/checkout", get(pages::checkout)),
        ("/account/login", get(login::page).post(login::submit)),
        ("/account", get(login::account)),
        ("/account/logout", get(login::logout)),
    ];
    let mut router = Router::new();
    for (path, handler) in pages {
        router = router
            .route(&format!("/{{shop}}{path}"), handler.clone())
            .route(&format!("/{{shop}}/{{locale}}{path}"), handler);
    }
    router
        .route("/{shop}/cdn/shop/products/{file}", get(assets::placeholder))
        .route(
            &format!("{}/{{file}}", assets::EXTENSION_ASSETS),
            get(assets::extension_asset),
        )
        .layer(axum::middleware::from_fn(compress::gzip))
        .with_state(storefront)
}

/// A locale the storefront offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Locale {
    pub iso: &'static str,
    /// Whether the path carries it (`/{shop}/fr/...`); the primary locale's does not.
    pub prefixed: bool,
}

impl Locale {
    fn parse(segment: &str) -> Option<&'static str> {
        LOCALES
            .into_iter()
            .find(|l| l.eq_ignore_ascii_case(segment))
    }

    /// Arabic and Hebrew are written right to left.
    pub fn rtl(&self) -> bool {
        matches!(self.iso, "ar" | "he")
    }
}

/// Who is asking and where: the shop, the locale from the path, the cart and login cookies.
/// Every storefront handler takes one, so an unknown shop or locale is a 404 in one place.
pub(crate) struct Shopper {
    pub shop: String,
    pub locale: Locale,
    /// `/{shop}` or `/{shop}/{locale}`: what every link of the page starts with.
    pub prefix: String,
    /// The path after the prefix (`/products/x`), for the language links.
    pub rest: String,
    pub cart_token: Option<String>,
    pub customer: Option<u64>,
    /// The other path parameters (`handle`, `collection`).
    pub params: HashMap<String, String>,
}

impl Shopper {
    /// `routes.root_url`: `/{shop}/` for the primary locale (Shopify's `/`), else `/{shop}/fr`.
    pub fn root_url(&self) -> String {
        if self.locale.prefixed {
            self.prefix.clone()
        } else {
            format!("{}/", self.prefix)
        }
    }

    /// A storefront path under this shopper's locale (`url("/cart")`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The same page in another locale.
    pub fn url_in(&self, locale: &str) -> String {
        if locale == LOCALES[0] {
            format!("/{}{}", self.shop, self.rest)
        } else {
            format!("/{}/{locale}{}", self.shop, self.rest)
        }
    }
}

impl FromRequestParts<Arc<Storefront>> for Shopper {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Storefront>,
    ) -> Result<Self, Response> {
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let shop = params.remove("shop").unwrap_or_default();
        let known = state.store.read().is_ok_and(|s| s.shop(&shop).is_some());
        if !known {
            return Err(not_found());
        }
        let locale = match params.remove("locale") {
            None => Locale {
                iso: LOCALES[0],
                prefixed: false,
            },
            Some(segment) => Locale {
                iso: Locale::parse(&segment).ok_or_else(not_found)?,
                prefixed: true,
            },
        };
        let prefix = if locale.prefixed {
            format!("/{shop}/{}", locale.iso)
        } else {
            format!("/{shop}")
        };
        let path = parts.uri.path();
        // The raw path may spell the shop or locale differently (percent-encoding, case).
        let skip = 1 + usize::from(locale.prefixed);
        let rest: String = path
            .split('/')
            .skip(1 + skip)
            .map(|s| format!("/{s}"))
            .collect();
        let customer = state.customer_id(&shop, &parts.headers);
        Ok(Self {
            cart_token: cookie(&parts.headers, cart::CART_COOKIE),
            customer,
            shop,
            locale,
            prefix,
            rest,
            params,
        })
    }
}

/// A cookie's value from the request (the first of that name).
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A `Set-Cookie` value scoped to one shop's storefront (all shops share the origin here).
pub(crate) fn set_cookie(shop: &str, name: &str, value: &str, http_only: bool) -> String {
    let max_age = if value.is_empty() { 0 } else { 14 * 24 * 3600 };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path=/{shop}; Max-Age={max_age}; SameSite=Lax{http_only}")
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Not found</title><h1>404 Page not found</h1>",
    )
        .into_response()
}

/// Whether a path segment is one of the storefront's locale prefixes.
pub(crate) fn is_locale(segment: &str) -> bool {
    Locale::parse(segment).is_some()
}
