//! The theme's pages: one layout (header with the cart bubble, footer with the language
//! links, the app embeds at the end of `<body>`) around index, collection, product and
//! checkout-stub templates. Plain HTML with inline CSS and no script of its own, so that
//! Lighthouse on a product page measures what the embed costs, not what the theme does.
//! Everything from the store is escaped except the merchant's description HTML, which
//! themes print as it is.

use std::sync::Arc;

use axum::extract::{Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::catalog::{self, Collection, Product, format_money};
use super::{LOCALES, Shopper, Storefront, embed, objects, sections};

const CSS: &str = include_str!("theme.css");

/// HTML-escapes text for element content and quoted attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One page to lay out.
pub(crate) struct Page {
    /// Shopify's `request.page_type` (`product`, `customers/login`, ...).
    pub template: &'static str,
    pub title: String,
    pub main: String,
    pub status: StatusCode,
    /// On product pages: the product and the selected variant's id.
    pub product: Option<(Product, u64)>,
    pub collection: Option<Collection>,
}

impl Page {
    pub(crate) fn new(template: &'static str, title: &str, main: String) -> Self {
        Self {
            template,
            title: title.to_owned(),
            main,
            status: StatusCode::OK,
            product: None,
            collection: None,
        }
    }
}

/// Lays a page out: the theme around it, the app embeds in it.
pub(crate) fn render(state: &Storefront, shopper: &Shopper, page: Page) -> Response {
    let cart = state.cart(shopper);
    let (shop_name, nav, objects) = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(shop) = store.shop(&shopper.shop) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let name = shop
            .shop()
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or(&shopper.shop)
            .to_owned();
        let nav: String = catalog::collections(shop)
            .iter()
            .take(4)
            .map(|c| {
                link(
                    &shopper.url(&format!("/collections/{}", c.handle)),
                    &c.title,
                )
            })
            .collect();
        (name, nav, objects::page(shopper, shop, &cart, &page))
    };
    let embeds = match &state.theme_extension {
        Some(dir) => embed::render(
            dir,
            shopper.locale.iso,
            &objects,
            &state.embed(&shopper.shop),
            page.template,
        ),
        None => embed::Embeds::default(),
    };
    let (account_url, account_text) = match shopper.customer {
        Some(_) => (shopper.url("/account"), "Account"),
        None => (shopper.url("/account/login"), "Log in"),
    };
    let account = format!(r#"<a href="{}">{account_text}</a>"#, esc(&account_url));
    let languages: String = LOCALES
        .iter()
        .map(|l| {
            let current = if *l == shopper.locale.iso {
                r#" aria-current="true""#
            } else {
                ""
            };
            format!(
                r#"<li><a href="{}" lang="{l}" hreflang="{l}"{current}>{}</a></li>"#,
                esc(&shopper.url_in(l)),
                language_name(l)
            )
        })
        .collect();
    let html = format!(
        r##"<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} &ndash; {shop}</title>
<meta name="description" content="{title} at {shop}">
<link rel="icon" href="data:,">
<style>{CSS}</style>
{head_embeds}</head>
<body class="template-{template}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="header"><div class="page-width">
<a class="header__heading" href="{root}">{shop}</a>
<nav aria-label="Main"><ul>{home}{catalog}{nav}</ul></nav>
<div class="header__icons">{account}<div id="cart-icon-bubble">{bubble}</div></div>
</div></header>
<main id="main">{main}</main>
<footer class="footer"><div class="page-width">
<nav aria-label="Language"><ul>{languages}</ul></nav>
<p>&copy; {shop}. A storefront of the Shopify simulator.</p>
</div></footer>
{body_embeds}</body>
</html>"##,
        lang = shopper.locale.iso,
        dir = if shopper.locale.rtl() { "rtl" } else { "ltr" },
        title = esc(&page.title),
        shop = esc(&shop_name),
        template = page.template.replace('/', "-"),
        root = esc(&shopper.root_url()),
        home = link(&shopper.root_url(), "Home"),
        catalog = link(&shopper.url("/collections/all"), "Catalog"),
        bubble = sections::cart_icon_bubble(shopper, cart.item_count()),
        main = page.main,
        head_embeds = embeds.head,
        body_embeds = embeds.body,
    );
    (
        page.status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response()
}

fn link(href: &str, text: &str) -> String {
    format!(r#"<li><a href="{}">{}</a></li>"#, esc(href), esc(text))
}

fn language_name(iso: &str) -> &'static str {
    match iso {
        "fr" => "Français",
        "es" => "Español",
        "de" => "Deutsch",
        "it" => "Italiano",
        "pt-BR" => "Português (Brasil)",
        "nl" => "Nederlands",
        "ja" => "日本語",
        "ar" => "العربية",
        "he" => "עברית",
        _ => "English",
    }
}

/// A product in a grid: picture, title, price from the cheapest variant.
fn card(shopper: &Shopper, p: &Product, currency: &str) -> String {
    let varies = p.variants.iter().any(|v| v.price != p.min_price());
    let price = format_money(p.min_price(), currency);
    let price = if varies {
        format!("From {price}")
    } else {
        price
    };
    let sold_out = if p.available() {
        ""
    } else {
        r#"<span class="badge">Sold out</span>"#
    };
    format!(
        r#"<li class="card"><a href="{url}"><img src="{img}" alt="" width="600" height="600" loading="lazy"><h3 class="card__title">{title}</h3></a><p class="price">{price}{sold_out}</p></li>"#,
        url = esc(&shopper.url(&format!("/products/{}", p.handle))),
        img = esc(&p.image_url(&shopper.shop, 0)),
        title = esc(&p.title),
    )
}

/// `GET /` (also answers `?sections=` for the Section Rendering API).
pub(crate) async fn index(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(sections) = sections::answer(&state, &shopper, query.as_deref()) {
        return sections;
    }
    let main = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(shop) = store.shop(&shopper.shop) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let name = shop
            .shop()
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        let about = shop.shop().get("description").and_then(|n| n.as_str());
        let mut products = catalog::products(shop);
        // Featured first (tagged as Dawn demo stores tag them), then the rest in order.
        products.sort_by_key(|p| !p.tags.iter().any(|t| t == "bestseller" || t == "featured"));
        let cards: String = products
            .iter()
            .take(8)
            .map(|p| card(&shopper, p, shop.currency()))
            .collect();
        let collections: String = catalog::collections(shop)
            .iter()
            .map(|c| {
                link(
                    &shopper.url(&format!("/collections/{}", c.handle)),
                    &c.title,
                )
            })
            .collect();
        format!(
            r#"<section class="banner"><div class="page-width"><h1>{}</h1><p>{}</p></div></section>
<div class="page-width"><h2>Featured products</h2><ul class="grid">{cards}</ul>
<h2 style="margin-top:3rem">Collections</h2><ul>{collections}</ul></div>"#,
            esc(name),
            esc(about.unwrap_or_default())
        )
    };
    render(&state, &shopper, Page::new("index", "Home", main))
}

/// `GET /collections`
pub(crate) async fn collection_list(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
) -> Response {
    let items: String = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(shop) = store.shop(&shopper.shop) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        catalog::collections(shop)
            .iter()
            .map(|c| {
                link(
                    &shopper.url(&format!("/collections/{}", c.handle)),
                    &c.title,
                )
            })
            .collect()
    };
    let main = format!(r#"<div class="page-width"><h1>Collections</h1><ul>{items}</ul></div>"#);
    render(
        &state,
        &shopper,
        Page::new("list-collections", "Collections", main),
    )
}

/// Products on one collection page, as Dawn's default.
const PER_PAGE: usize = 24;

/// `GET /collections/{handle}` (`?page=N`, 24 products a page).
pub(crate) async fn collection(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(sections) = sections::answer(&state, &shopper, query.as_deref()) {
        return sections;
    }
    let handle = shopper.params.get("handle").cloned().unwrap_or_default();
    let page_number = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "page"))
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let found = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        store.shop(&shopper.shop).and_then(|shop| {
            let (collection, products) = catalog::collection(shop, &handle)?;
            let cards: String = products
                .iter()
                .skip((page_number - 1).saturating_mul(PER_PAGE))
                .take(PER_PAGE)
                .map(|p| card(&shopper, p, shop.currency()))
                .collect();
            Some((collection, cards, products.len().div_ceil(PER_PAGE)))
        })
    };
    let Some((collection, cards, pages)) = found else {
        return not_found(&state, &shopper);
    };
    let here = shopper.url(&format!("/collections/{}", collection.handle));
    let mut nav = String::new();
    if page_number > 1 {
        let href = format!("{here}?page={}", page_number - 1);
        nav.push_str(&format!(
            r#"<a href="{}" rel="prev">Previous page</a> "#,
            esc(&href)
        ));
    }
    if page_number < pages {
        let href = format!("{here}?page={}", page_number + 1);
        nav.push_str(&format!(
            r#"<a href="{}" rel="next">Next page</a>"#,
            esc(&href)
        ));
    }
    if !nav.is_empty() {
        nav = format!(r#"<nav class="pagination" aria-label="Pages">{nav}</nav>"#);
    }
    let main = format!(
        r#"<div class="page-width"><h1>{}</h1><div class="rte">{}</div><h2 class="visually-hidden">Products</h2><ul class="grid">{cards}</ul>{nav}</div>"#,
        esc(&collection.title),
        collection.description_html
    );
    let mut page = Page::new("collection", &collection.title, main);
    page.collection = Some(collection);
    render(&state, &shopper, page)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProductQuery {
    variant: Option<String>,
}

/// `GET /products/{handle}` (`?variant=ID` selects a variant).
pub(crate) async fn product(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    Query(query): Query<ProductQuery>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(sections) = sections::answer(&state, &shopper, raw.as_deref()) {
        return sections;
    }
    let handle = shopper.params.get("handle").cloned().unwrap_or_default();
    if let Some(handle) = handle.strip_suffix(".js") {
        // The Ajax Product API, which shares the product's path.
        let found = state.store.read().ok().and_then(|store| {
            let shop = store.shop(&shopper.shop)?;
            catalog::product_by_handle(shop, handle)
        });
        return match found {
            Some(product) => axum::Json(product.ajax_json(&shopper.shop)).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"status": 404, "description": "Not Found"})),
            )
                .into_response(),
        };
    }
    let wanted = query.variant.and_then(|v| v.parse::<u64>().ok());
    let found = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        store.shop(&shopper.shop).and_then(|shop| {
            let product = catalog::product_by_handle(shop, &handle)?;
            let collection = shopper
                .params
                .get("collection")
                .and_then(|c| catalog::collection(shop, c))
                .map(|c| c.0);
            Some((product, collection, shop.currency().to_owned()))
        })
    };
    let Some((product, collection, currency)) = found else {
        return not_found(&state, &shopper);
    };
    let Some(selected) = product.selected(wanted).cloned() else {
        return not_found(&state, &shopper);
    };
    let main = super::product_page::main(&shopper, &product, &selected, &currency);
    let mut page = Page::new("product", &product.title, main);
    page.product = Some((product, selected.id));
    page.collection = collection;
    render(&state, &shopper, page)
}

/// `GET /checkout`: the simulator stops where Shopify's checkout would begin.
pub(crate) async fn checkout(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let cart = state.cart(&shopper);
    let main = format!(
        r#"<div class="page-width"><h1>Checkout</h1><p>{} in your cart.</p><p>This is the Shopify simulator: checkout stops here and no order is placed.</p><p><a href="{}">Back to the cart</a></p></div>"#,
        match cart.item_count() {
            1 => "1 item".to_owned(),
            n => format!("{n} items"),
        },
        esc(&shopper.url("/cart"))
    );
    render(&state, &shopper, Page::new("checkout", "Checkout", main))
}

/// The theme's 404 page (the embed renders on it too, as on Shopify).
pub(crate) fn not_found(state: &Storefront, shopper: &Shopper) -> Response {
    let main = format!(
        r#"<div class="page-width"><h1>Page not found</h1><p>The page you were looking for does not exist.</p><p><a href="{}">Continue shopping</a></p></div>"#,
        esc(&shopper.url("/collections/all"))
    );
    let mut page = Page::new("404", "Page not found", main);
    page.status = StatusCode::NOT_FOUND;
    render(state, shopper, page)
}
