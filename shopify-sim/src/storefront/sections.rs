//! The theme's sections that change with the cart, and Shopify's Section Rendering API over
//! them: `sections=cart-icon-bubble` on `add.js`/`change.js` or `GET /?sections=...` returns
//! each section's HTML wrapped as Shopify wraps it (`<div id="shopify-section-{id}">`), so the
//! code that updates Dawn's header after an add works here unchanged.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::cart::{Cart, items};
use super::catalog::format_money;
use super::pages::esc;
use super::{Shopper, Storefront};
use crate::store::ShopData;

/// The inside of `<div id="cart-icon-bubble">`: the header's cart link with its count.
pub(crate) fn cart_icon_bubble(shopper: &Shopper, count: u64) -> String {
    let label = if count == 1 {
        "1 item".to_owned()
    } else {
        format!("{count} items")
    };
    format!(
        r#"<a href="{}" class="cart-link">Cart <span class="cart-count-bubble" aria-label="{label}">{count}</span></a>"#,
        esc(&shopper.url("/cart"))
    )
}

/// The cart page's list of lines, with forms that work without JavaScript.
pub(crate) fn main_cart_items(shopper: &Shopper, shop: &ShopData, cart: &Cart) -> String {
    let lines = items(shopper, shop, cart);
    if lines.is_empty() {
        return format!(
            r#"<div class="cart-empty"><p>Your cart is empty.</p><p><a href="{}">Continue shopping</a></p></div>"#,
            esc(&shopper.url("/collections/all"))
        );
    }
    let currency = shop.currency();
    let mut rows = String::new();
    for (n, (_, item)) in lines.iter().enumerate() {
        let line = n + 1;
        let text = |key: &str| esc(item[key].as_str().unwrap_or_default());
        let money = |key: &str| format_money(item[key].as_i64().unwrap_or(0), currency);
        let variant = item["variant_title"]
            .as_str()
            .map(|v| format!(r#"<p class="cart-item__variant">{}</p>"#, esc(v)))
            .unwrap_or_default();
        rows.push_str(&format!(
            r#"<li class="cart-item"><img src="{image}" alt="" width="96" height="96" loading="lazy">
<div class="cart-item__details"><a href="{url}">{title}</a>{variant}<p>{price}</p></div>
<form action="{change}" method="post" class="cart-item__quantity"><input type="hidden" name="line" value="{line}">
<label for="quantity-{line}">Quantity</label> <input id="quantity-{line}" type="number" name="quantity" min="0" value="{quantity}">
<button type="submit">Update</button></form>
<a class="cart-item__remove" href="{change}?line={line}&amp;quantity=0">Remove<span class="visually-hidden"> {title}</span></a>
<p class="cart-item__total">{total}</p></li>"#,
            image = text("image"),
            url = text("url"),
            title = text("product_title"),
            price = money("final_price"),
            total = money("final_line_price"),
            quantity = item["quantity"],
            change = esc(&shopper.url("/cart/change")),
        ));
    }
    let subtotal: i64 = lines
        .iter()
        .filter_map(|(_, i)| i["final_line_price"].as_i64())
        .sum();
    format!(
        r#"<ul class="cart-items">{rows}</ul><div class="cart-footer"><p class="cart-subtotal">Subtotal <strong>{}</strong></p><p class="cart-note">Taxes and shipping calculated at checkout.</p><a class="button" href="{}">Check out</a></div>"#,
        format_money(subtotal, currency),
        esc(&shopper.url("/checkout"))
    )
}

/// Each named section's HTML, `null` for a section this theme does not have (as Shopify).
pub(crate) fn render(names: &[String], shopper: &Shopper, shop: &ShopData, cart: &Cart) -> Value {
    let mut out = Map::new();
    for name in names {
        let inner = match name.as_str() {
            "cart-icon-bubble" => Some(cart_icon_bubble(shopper, cart.item_count())),
            "main-cart-items" => Some(main_cart_items(shopper, shop, cart)),
            "cart-live-region-text" => Some(format!("{} items", cart.item_count())),
            _ => None,
        };
        let html = inner.map(|inner| {
            format!(
                r#"<div id="shopify-section-{}" class="shopify-section">{inner}</div>"#,
                esc(name)
            )
        });
        out.insert(name.clone(), json!(html));
    }
    Value::Object(out)
}

/// `GET {any page}?sections=a,b` (JSON of each) or `?section_id=a` (that section's HTML);
/// `None` when the request is for the page itself.
pub(crate) fn answer(
    state: &Storefront,
    shopper: &Shopper,
    query: Option<&str>,
) -> Option<Response> {
    let params: Map<String, Value> = form_urlencoded::parse(query?.as_bytes())
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    let params = Value::Object(params);
    let single = params.get("section_id").and_then(Value::as_str);
    let names = match single {
        Some(id) => vec![id.to_owned()],
        None => super::ajax::section_names(&params),
    };
    if names.is_empty() {
        return None;
    }
    let cart = state.cart(shopper);
    let store = state.store.read().ok()?;
    let rendered = render(&names, shopper, store.shop(&shopper.shop)?, &cart);
    Some(match single {
        Some(id) => match rendered[id].as_str() {
            Some(html) => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html.to_owned(),
            )
                .into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        None => axum::Json(rendered).into_response(),
    })
}

/// `GET /cart`
pub(crate) async fn cart_page(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(sections) = answer(&state, &shopper, query.as_deref()) {
        return sections;
    }
    let cart = state.cart(&shopper);
    let main = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(shop) = store.shop(&shopper.shop) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        format!(
            r#"<div class="page-width"><h1>Your cart</h1><div id="main-cart-items">{}</div></div>"#,
            main_cart_items(&shopper, shop, &cart)
        )
    };
    super::pages::render(
        &state,
        &shopper,
        super::pages::Page::new("cart", "Your cart", main),
    )
}
