//! The Liquid objects a page gives the app embed block: those CONTRACT.md section 1 lists, in
//! the shapes Shopify's have (numeric ids, prices in cents, `customer` and `product` nil
//! where Shopify has none), plus a few neighbours a block commonly reads.

use serde_json::{Value, json};

use super::Shopper;
use super::cart::{Cart, items};
use super::pages::Page;
use crate::store::{ShopData, gid_number};

pub(crate) fn page(shopper: &Shopper, shop: &ShopData, cart: &Cart, page: &Page) -> Value {
    let currency = shop.currency();
    let data = shop.shop();
    let text = |key: &str| data.get(key).cloned().unwrap_or(Value::Null);
    let lines = items(shopper, shop, cart);
    let total: i64 = lines
        .iter()
        .filter_map(|(_, i)| i["final_line_price"].as_i64())
        .sum();
    let (directory, name) = match page.template.split_once('/') {
        Some((directory, name)) => (json!(directory), name),
        None => (Value::Null, page.template),
    };
    let country = shop
        .locations()
        .first()
        .and_then(|l| l.pointer("/address/countryCode"))
        .cloned()
        .unwrap_or(json!("US"));
    let root = shopper.root_url();
    json!({
        "shop": {
            "permanent_domain": shopper.shop, "name": text("name"), "currency": currency,
            "domain": shopper.shop, "email": text("contactEmail"), "url": shop.primary_url(),
            "description": text("description"),
        },
        "cart": {
            "currency": {"iso_code": currency}, "item_count": cart.item_count(),
            "total_price": total, "items_subtotal_price": total,
        },
        "localization": {
            "country": {"iso_code": country},
            "language": {"iso_code": shopper.locale.iso},
        },
        "request": {
            "locale": {"iso_code": shopper.locale.iso, "primary": !shopper.locale.prefixed,
                "root_url": root},
            "page_type": page.template, "path": shopper.url(&shopper.rest),
            "design_mode": false, "visual_preview_mode": false,
        },
        "template": {"name": name, "directory": directory, "suffix": null},
        "routes": {
            "root_url": root, "cart_url": shopper.url("/cart"),
            "cart_add_url": shopper.url("/cart/add"), "cart_change_url": shopper.url("/cart/change"),
            "cart_update_url": shopper.url("/cart/update"), "cart_clear_url": shopper.url("/cart/clear"),
            "account_url": shopper.url("/account"), "account_login_url": shopper.url("/account/login"),
            "account_logout_url": shopper.url("/account/logout"),
            "collections_url": shopper.url("/collections"),
            "all_products_collection_url": shopper.url("/collections/all"),
        },
        "customer": shopper.customer.and_then(|id| customer(shop, id)),
        "product": page.product.as_ref().map(|(p, selected)| {
            let variant = p.variants.iter().find(|v| v.id == *selected);
            json!({
                "id": p.id, "handle": p.handle, "title": p.title, "vendor": p.vendor,
                "type": p.product_type, "available": p.available(), "price": p.min_price(),
                "url": shopper.url(&format!("/products/{}", p.handle)),
                "featured_image": p.image_url(&shopper.shop, 0),
                "selected_or_first_available_variant": variant.map(|v| json!({
                    "id": v.id, "title": v.title, "price": v.price, "available": v.available(),
                    "sku": v.sku,
                })),
                "variants": p.variants.iter().map(|v| json!({
                    "id": v.id, "title": v.title, "price": v.price, "available": v.available(),
                })).collect::<Vec<_>>(),
            })
        }),
        "collection": page.collection.as_ref().map(|c| json!({
            "id": c.id, "handle": c.handle, "title": c.title,
            "url": shopper.url(&format!("/collections/{}", c.handle)),
        })),
    })
}

/// The logged-in customer as Liquid's `customer`.
fn customer(shop: &ShopData, id: u64) -> Option<Value> {
    let c = super::login::find_customer(shop, id)?;
    let field = |key: &str| c.get(key).cloned().unwrap_or(Value::Null);
    let first = c.get("firstName").and_then(Value::as_str).unwrap_or("");
    let last = c.get("lastName").and_then(Value::as_str).unwrap_or("");
    let orders = shop
        .orders()
        .iter()
        .filter(|o| {
            o.get("customerId")
                .and_then(Value::as_str)
                .and_then(gid_number)
                == Some(id)
        })
        .count();
    Some(json!({
        "id": id, "email": field("email"), "first_name": first, "last_name": last,
        "name": format!("{first} {last}").trim(), "orders_count": orders,
        "tags": field("tags"),
    }))
}
