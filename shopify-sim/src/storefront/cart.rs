//! Shopify's Ajax Cart API (`/cart.js`, `/cart/add.js`, `/cart/change.js`, `/cart/update.js`,
//! `/cart/clear.js`) over carts held in memory under a per-browser `cart` cookie, with the
//! same JSON shapes, error bodies and `sections` (Section Rendering API) the widget and
//! Dawn's scripts read. The form posts (`/cart/add`, `/cart/change`) also work without
//! JavaScript: they redirect to the cart page unless the request asks for JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::catalog::{self, Product};
use super::{Shopper, Storefront, sections, set_cookie};
use crate::store::ShopData;

/// Shopify's cookie name for the cart token.
pub(crate) const CART_COOKIE: &str = "cart";
/// Bounds on what one simulator keeps, so a flood of browsers cannot grow it without end.
const MAX_CARTS: usize = 10_000;
const MAX_LINES: usize = 100;

/// All carts, by token.
#[derive(Default)]
pub(crate) struct Carts {
    by_token: HashMap<String, Cart>,
    clock: u64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Cart {
    shop: String,
    pub lines: Vec<Line>,
    touched: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub variant_id: u64,
    pub quantity: u64,
    properties: Map<String, Value>,
}

impl Line {
    /// Shopify's line key: the variant and a digest of the line's properties.
    fn key(&self) -> String {
        let digest = Sha256::digest(Value::Object(self.properties.clone()).to_string());
        format!("{}:{}", self.variant_id, &hex::encode(digest)[..32])
    }
}

impl Carts {
    /// The shop's cart under `token`, or an empty one.
    pub(crate) fn get(&self, shop: &str, token: Option<&str>) -> Cart {
        token
            .and_then(|t| self.by_token.get(t))
            .filter(|c| c.shop == shop)
            .cloned()
            .unwrap_or_default()
    }

    fn put(&mut self, shop: &str, token: &str, mut cart: Cart) {
        self.clock += 1;
        cart.shop = shop.to_owned();
        cart.touched = self.clock;
        if self.by_token.len() >= MAX_CARTS && !self.by_token.contains_key(token) {
            let oldest = self
                .by_token
                .iter()
                .min_by_key(|(_, c)| c.touched)
                .map(|(t, _)| t.clone());
            if let Some(oldest) = oldest {
                self.by_token.remove(&oldest);
            }
        }
        self.by_token.insert(token.to_owned(), cart);
    }
}

impl Cart {
    pub(crate) fn item_count(&self) -> u64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

/// Why a cart request was refused; answered in Shopify's JSON shape to `fetch` and as a
/// page to a plain form post.
#[derive(Debug)]
pub(crate) struct CartError {
    status: StatusCode,
    description: String,
}

fn cart_error(status: StatusCode, description: &str) -> CartError {
    CartError {
        status,
        description: description.to_owned(),
    }
}

impl IntoResponse for CartError {
    /// `{status, message, description}` as Shopify's Ajax API words it.
    fn into_response(self) -> Response {
        let (code, message) = if self.status == StatusCode::BAD_REQUEST {
            (json!("bad_request"), "Parameter Missing or Invalid")
        } else {
            (json!(self.status.as_u16()), "Cart Error")
        };
        let body = json!({"status": code, "message": message, "description": self.description});
        (self.status, axum::Json(body)).into_response()
    }
}

/// One cart line as the Ajax API shows it.
fn line_json(shopper: &Shopper, line: &Line, product: &Product, v: usize) -> Option<Value> {
    let variant = product.variants.get(v)?;
    let total = variant.price.saturating_mul(line.quantity as i64);
    let title = if product.has_only_default_variant() {
        product.title.clone()
    } else {
        format!("{} - {}", product.title, variant.title)
    };
    let image = product.image_url(&shopper.shop, 0);
    let options: Vec<Value> = product
        .option_names
        .iter()
        .zip(&variant.options)
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    Some(json!({
        "id": variant.id, "variant_id": variant.id, "key": line.key(),
        "quantity": line.quantity, "properties": line.properties,
        "title": title, "product_title": product.title, "variant_title":
            if product.has_only_default_variant() { Value::Null } else { json!(variant.title) },
        "price": variant.price, "original_price": variant.price, "discounted_price": variant.price,
        "final_price": variant.price, "line_price": total, "original_line_price": total,
        "final_line_price": total, "total_discount": 0, "discounts": [],
        "line_level_discount_allocations": [], "line_level_total_discount": 0,
        "sku": variant.sku, "grams": variant.grams, "vendor": product.vendor,
        "taxable": variant.taxable, "requires_shipping": variant.requires_shipping,
        "product_id": product.id, "handle": product.handle, "product_type": product.product_type,
        "product_has_only_default_variant": product.has_only_default_variant(),
        "gift_card": product.product_type.eq_ignore_ascii_case("gift card"),
        "url": shopper.url(&format!("/products/{}?variant={}", product.handle, variant.id)),
        "image": image,
        "featured_image": {"url": image, "alt": product.image_alts.first(), "width": 600,
            "height": 600, "aspect_ratio": 1.0},
        "variant_options": variant.options, "options_with_values": options,
    }))
}

/// The cart lines that still name a visible variant, with their JSON.
pub(crate) fn items(shopper: &Shopper, shop: &ShopData, cart: &Cart) -> Vec<(Line, Value)> {
    cart.lines
        .iter()
        .filter_map(|line| {
            let (product, v) = catalog::product_of_variant(shop, line.variant_id)?;
            Some((line.clone(), line_json(shopper, line, &product, v)?))
        })
        .collect()
}

/// `/cart.js`'s body.
pub(crate) fn cart_json(shopper: &Shopper, shop: &ShopData, cart: &Cart, token: &str) -> Value {
    let items: Vec<Value> = items(shopper, shop, cart)
        .into_iter()
        .map(|i| i.1)
        .collect();
    let total: i64 = items.iter().filter_map(|i| i["line_price"].as_i64()).sum();
    let count: u64 = items.iter().filter_map(|i| i["quantity"].as_u64()).sum();
    let weight: i64 = items
        .iter()
        .map(|i| i["grams"].as_i64().unwrap_or(0) * i["quantity"].as_i64().unwrap_or(0))
        .sum();
    json!({
        "token": token, "note": null, "attributes": {},
        "original_total_price": total, "total_price": total, "items_subtotal_price": total,
        "total_discount": 0, "total_weight": weight, "item_count": count, "items": items,
        "requires_shipping": items.iter().any(|i| i["requires_shipping"] == true),
        "currency": shop.currency(), "cart_level_discount_applications": [],
    })
}

/// The request's parameters: the JSON body, a form (urlencoded or multipart) or the query.
fn params(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Value, CartError> {
    let mut out = Map::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        out.insert(k.into_owned(), json!(v));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.to_ascii_lowercase();
    let invalid = || {
        cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid",
        )
    };
    let body_params: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else if media_type.starts_with("application/json") {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(invalid()),
        }
    } else if media_type.starts_with("multipart/form-data") {
        multipart(content_type, body).ok_or_else(invalid)?
    } else {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), json!(v)))
            .collect()
    };
    out.extend(body_params);
    Ok(Value::Object(out))
}

/// The text fields of a `multipart/form-data` body (Dawn's product form posts `FormData`).
fn multipart(content_type: &str, body: &[u8]) -> Option<Map<String, Value>> {
    // The boundary is case-sensitive: read it from the header as sent.
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let mut out = Map::new();
    for part in text.split(&format!("--{boundary}")).skip(1) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .split(';')
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.lines().next().unwrap_or_default().trim_matches('"'));
        if let Some(name) = name {
            out.insert(name.to_owned(), json!(value.trim_end_matches("\r\n")));
        }
    }
    Some(out)
}

/// A whole number from JSON or a form field.
fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `sections` parameter: a comma-separated list or an array; Shopify renders at most 5.
pub(crate) fn section_names(params: &Value) -> Vec<String> {
    let names: Vec<String> = match params.get("sections") {
        Some(Value::String(s)) => s.split(',').map(|s| s.trim().to_owned()).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .filter(|s| !s.is_empty())
        .take(5)
        .collect()
}

/// Whether the caller wants JSON back: the `.js` paths always, the form paths when Dawn's
/// scripts or `fetch` say so.
fn wants_json(shopper: &Shopper, headers: &HeaderMap) -> bool {
    let header_has = |name: header::HeaderName, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
    };
    shopper.rest.ends_with(".js")
        || header_has(header::ACCEPT, "json")
        || header_has(header::ACCEPT, "javascript")
        || headers.get("x-requested-with").is_some()
}

/// What a change does to the cart, checked against stock before anything is kept.
type Edit = Box<dyn FnOnce(&ShopData, &mut Cart) -> Result<(), CartError>>;

/// Applies `edit` to the shopper's cart and answers in the Ajax or the form way.
fn apply(
    state: &Storefront,
    shopper: &Shopper,
    headers: &HeaderMap,
    params: &Value,
    edit: Edit,
    answer: fn(&Shopper, &ShopData, &Cart, &str, &[u64]) -> Value,
    touched: &[u64],
) -> Response {
    let Ok(store) = state.store.read() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(shop) = store.shop(&shopper.shop) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let token = shopper
        .cart_token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let Ok(mut carts) = state.carts.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut cart = carts.get(&shopper.shop, Some(&token));
    if let Err(error) = edit(shop, &mut cart) {
        drop(carts);
        drop(store);
        return if wants_json(shopper, headers) {
            error.into_response()
        } else {
            form_error(state, shopper, error)
        };
    }
    cart.lines.retain(|l| l.quantity > 0);
    carts.put(&shopper.shop, &token, cart.clone());
    drop(carts);
    let mut response = if wants_json(shopper, headers) {
        let mut body = answer(shopper, shop, &cart, &token, touched);
        let names = section_names(params);
        if !names.is_empty() {
            body["sections"] = sections::render(&names, shopper, shop, &cart);
        }
        axum::Json(body).into_response()
    } else {
        Redirect::to(&shopper.url("/cart")).into_response()
    };
    if let Ok(cookie) =
        HeaderValue::from_str(&set_cookie(&shopper.shop, CART_COOKIE, &token, false))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A refused form post, as a page that says why and leads back.
fn form_error(state: &Storefront, shopper: &Shopper, error: CartError) -> Response {
    let main = format!(
        r#"<div class="page-width"><h1>Cart error</h1><p>{}</p><p><a href="{}">Back to the cart</a></p></div>"#,
        super::pages::esc(&error.description),
        super::pages::esc(&shopper.url("/cart"))
    );
    let mut page = super::pages::Page::new("cart", "Cart error", main);
    page.status = error.status;
    super::pages::render(state, shopper, page)
}

/// Sets the quantity of the line `at` names (a new line for a variant not in the cart yet),
/// refusing more than the variant's stock across all its lines.
fn set_quantity(
    shop: &ShopData,
    cart: &mut Cart,
    at: Target,
    quantity: u64,
) -> Result<(), CartError> {
    let no_line = || cart_error(StatusCode::BAD_REQUEST, "no valid id or line parameter");
    let index = match &at {
        Target::Line(n) => Some(
            n.checked_sub(1)
                .filter(|i| *i < cart.lines.len())
                .ok_or_else(no_line)?,
        ),
        Target::Key(key) => Some(
            cart.lines
                .iter()
                .position(|l| &l.key() == key)
                .ok_or_else(no_line)?,
        ),
        Target::Variant(id) => cart.lines.iter().position(|l| l.variant_id == *id),
        Target::New(..) => None,
    };
    let variant_id = match (&at, index) {
        (_, Some(i)) => cart.lines[i].variant_id,
        (Target::Variant(id) | Target::New(id, _), None) => *id,
        _ => return Err(no_line()),
    };
    let Some((product, v)) = catalog::product_of_variant(shop, variant_id) else {
        return Err(cart_error(StatusCode::NOT_FOUND, "Cannot find variant"));
    };
    let sellable = product.variants.get(v).map_or(0, |v| v.sellable);
    let elsewhere: u64 = cart
        .lines
        .iter()
        .enumerate()
        .filter(|(i, l)| l.variant_id == variant_id && Some(*i) != index)
        .map(|(_, l)| l.quantity)
        .sum();
    if quantity > 0 && quantity + elsewhere > sellable {
        let description = if sellable == 0 {
            format!("The product '{}' is already sold out.", product.title)
        } else {
            format!(
                "You can only add {sellable} of {} to the cart.",
                product.title
            )
        };
        return Err(cart_error(StatusCode::UNPROCESSABLE_ENTITY, &description));
    }
    match (index, at) {
        (Some(i), _) => cart.lines[i].quantity = quantity,
        (None, _) if quantity == 0 => {}
        (None, at) => {
            if cart.lines.len() >= MAX_LINES {
                return Err(cart_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The cart is full.",
                ));
            }
            let properties = match at {
                Target::New(_, properties) => properties,
                _ => Map::new(),
            };
            cart.lines.push(Line {
                variant_id,
                quantity,
                properties,
            });
        }
    }
    Ok(())
}

/// Which line a change names.
enum Target {
    /// 1-based, as `line` counts.
    Line(usize),
    Key(String),
    /// The first line holding this variant, or a new one.
    Variant(u64),
    /// A new line with these properties (`add.js` when no line has the same key).
    New(u64, Map<String, Value>),
}

fn just_cart(s: &Shopper, shop: &ShopData, cart: &Cart, token: &str, _: &[u64]) -> Value {
    cart_json(s, shop, cart, token)
}

/// `add.js` answers with the lines it touched: one object for a single `id`, `{items}` else.
fn added_lines(s: &Shopper, shop: &ShopData, cart: &Cart, _: &str, touched: &[u64]) -> Value {
    let lines: Vec<Value> = items(s, shop, cart)
        .into_iter()
        .filter(|(line, _)| touched.contains(&line.variant_id))
        .map(|(_, json)| json)
        .collect();
    json!({ "items": lines })
}

fn added_line(s: &Shopper, shop: &ShopData, cart: &Cart, token: &str, touched: &[u64]) -> Value {
    let mut items = added_lines(s, shop, cart, token, touched);
    items["items"].get_mut(0).map(Value::take).unwrap_or(items)
}

/// `GET /cart.js`: read only; a browser without a cart gets a token it keeps.
pub(crate) async fn show(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let token = shopper
        .cart_token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let cart = state.cart(&shopper);
    let Ok(store) = state.store.read() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(shop) = store.shop(&shopper.shop) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = cart_json(&shopper, shop, &cart, &token);
    let cookie = set_cookie(&shopper.shop, CART_COOKIE, &token, false);
    ([(header::SET_COOKIE, cookie)], axum::Json(body)).into_response()
}

/// `POST /cart/add.js` (and the product form's `/cart/add`).
pub(crate) async fn add(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = match params(&headers, query.as_deref(), &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let single = params.get("items").is_none();
    let raw_items = match params.get("items") {
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return cart_error(
                StatusCode::BAD_REQUEST,
                "Required parameter missing or invalid: items",
            )
            .into_response();
        }
        None => vec![params.clone()],
    };
    let mut wanted = Vec::new();
    for item in raw_items {
        let quantity = match item.get("quantity") {
            None => Some(1),
            some => number(some),
        };
        let (Some(id), Some(quantity @ 1..)) = (number(item.get("id")), quantity) else {
            return cart_error(
                StatusCode::BAD_REQUEST,
                "Required parameter missing or invalid: items",
            )
            .into_response();
        };
        let properties = item.get("properties").and_then(Value::as_object).cloned();
        wanted.push((
            id,
            quantity.min(catalog::MAX_QUANTITY),
            properties.unwrap_or_default(),
        ));
    }
    let touched: Vec<u64> = wanted.iter().map(|w| w.0).collect();
    let edit: Edit = Box::new(move |shop, cart| {
        for (id, quantity, properties) in wanted {
            let line = Line {
                variant_id: id,
                quantity: 0,
                properties: properties.clone(),
            };
            let key = line.key();
            let current = cart
                .lines
                .iter()
                .find(|l| l.key() == key)
                .map_or(0, |l| l.quantity);
            let at = if current > 0 {
                Target::Key(key)
            } else {
                Target::New(id, properties)
            };
            set_quantity(shop, cart, at, current + quantity)?;
        }
        Ok(())
    });
    let answer = if single { added_line } else { added_lines };
    apply(&state, &shopper, &headers, &params, edit, answer, &touched)
}

/// `POST /cart/change.js`: `{id: key or variant id, quantity}` or `{line: n, quantity}`.
pub(crate) async fn change(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = match params(&headers, query.as_deref(), &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let target = if let Some(line) = number(params.get("line")) {
        Target::Line(line as usize)
    } else if let Some(id) = number(params.get("id")) {
        Target::Variant(id)
    } else if let Some(key) = params.get("id").and_then(Value::as_str) {
        Target::Key(key.to_owned())
    } else {
        return cart_error(StatusCode::BAD_REQUEST, "no valid id or line parameter")
            .into_response();
    };
    let Some(quantity) = number(params.get("quantity")) else {
        return cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid: quantity",
        )
        .into_response();
    };
    let edit: Edit = Box::new(move |shop, cart| {
        if let Target::Variant(id) = &target
            && !cart.lines.iter().any(|l| l.variant_id == *id)
        {
            return Err(cart_error(
                StatusCode::BAD_REQUEST,
                "no valid id or line parameter",
            ));
        }
        set_quantity(shop, cart, target, quantity.min(catalog::MAX_QUANTITY))
    });
    apply(&state, &shopper, &headers, &params, edit, just_cart, &[])
}

/// `POST /cart/update.js`: `{updates: {variant_id: quantity, ...}}`.
pub(crate) async fn update(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = match params(&headers, query.as_deref(), &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let Some(updates) = params.get("updates").and_then(Value::as_object) else {
        return cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid: updates",
        )
        .into_response();
    };
    let mut changes = Vec::new();
    for (id, quantity) in updates {
        let (Ok(id), Some(quantity)) = (id.parse::<u64>(), number(Some(quantity))) else {
            return cart_error(
                StatusCode::BAD_REQUEST,
                "Required parameter missing or invalid: updates",
            )
            .into_response();
        };
        changes.push((id, quantity.min(catalog::MAX_QUANTITY)));
    }
    let edit: Edit = Box::new(move |shop, cart| {
        for (id, quantity) in changes {
            set_quantity(shop, cart, Target::Variant(id), quantity)?;
        }
        Ok(())
    });
    apply(&state, &shopper, &headers, &params, edit, just_cart, &[])
}

/// `POST /cart/clear.js`
pub(crate) async fn clear(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = params(&headers, query.as_deref(), &body).unwrap_or_default();
    let edit: Edit = Box::new(|_, cart| {
        cart.lines.clear();
        Ok(())
    });
    apply(&state, &shopper, &headers, &params, edit, just_cart, &[])
}
