//! Carts as Shopify keeps them: lines of a variant and its properties under a key, held in
//! memory per browser (`cart` cookie), limited by stock the way Shopify limits them
//! (tracked `DENY` variants sell what is available, across all their lines), and shown in the
//! Ajax Cart API's JSON shapes. The HTTP side is `ajax.rs`.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Shopper;
use super::catalog::{self, Product};
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
    pub properties: Map<String, Value>,
}

impl Line {
    /// Shopify's line key: the variant and a digest of the line's properties.
    pub(crate) fn key(&self) -> String {
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

    pub(crate) fn put(&mut self, shop: &str, token: &str, mut cart: Cart) {
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
    pub status: StatusCode,
    pub description: String,
}

pub(crate) fn cart_error(status: StatusCode, description: &str) -> CartError {
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

impl Cart {
    /// Sets the quantity of the line `at` names (a new line for a variant not in the cart
    /// yet), refusing more than the variant's stock across all its lines; 0 removes the line.
    /// Returns the line's key.
    pub(crate) fn set(
        &mut self,
        shop: &ShopData,
        at: Target,
        quantity: u64,
    ) -> Result<String, CartError> {
        let cart = self;
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
        let index = match (index, at) {
            (Some(i), _) => {
                cart.lines[i].quantity = quantity;
                i
            }
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
                cart.lines.len() - 1
            }
        };
        let key = cart.lines[index].key();
        cart.lines.retain(|l| l.quantity > 0);
        Ok(key)
    }
}

/// Which line a change names.
pub(crate) enum Target {
    /// 1-based, as `line` counts.
    Line(usize),
    Key(String),
    /// The first line holding this variant, or a new one.
    Variant(u64),
    /// A new line with these properties (`add.js` when no line has the same key).
    New(u64, Map<String, Value>),
}
