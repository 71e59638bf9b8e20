//! REST-shaped copies of store records: webhook payloads are REST resources (snake_case,
//! numeric ids, lowercase enums) even though the store keeps GraphQL shapes, so the HTTP
//! layer can deliver `products/update` the way Shopify does.

use serde_json::{Value, json};

use super::{array, gid_number};

/// The `products/create` / `products/update` webhook payload of a product.
pub(super) fn product(p: &Value) -> Value {
    let id = p.get("id").and_then(Value::as_str).unwrap_or_default();
    let product_id = gid_number(id);
    let str_of = |v: &Value, key: &str| v.get(key).cloned().unwrap_or(Value::Null);
    let lower = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .map_or(Value::Null, |s| json!(s.to_lowercase()))
    };
    let tags = array(p, "tags")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let variants: Vec<Value> = array(p, "variants")
        .iter()
        .map(|v| {
            let item = v.pointer("/inventoryItem/id").and_then(Value::as_str);
            let options = array(v, "selectedOptions");
            let option = |i: usize| options.get(i).map_or(Value::Null, |o| str_of(o, "value"));
            json!({
                "id": v.get("id").and_then(Value::as_str).and_then(gid_number),
                "product_id": product_id,
                "title": str_of(v, "title"),
                "price": str_of(v, "price"),
                "compare_at_price": str_of(v, "compareAtPrice"),
                "sku": str_of(v, "sku"),
                "barcode": str_of(v, "barcode"),
                "position": str_of(v, "position"),
                "inventory_policy": lower(v, "inventoryPolicy"),
                "inventory_item_id": item.and_then(gid_number),
                "inventory_quantity": inventory_quantity(v),
                "option1": option(0),
                "option2": option(1),
                "option3": option(2),
                "taxable": str_of(v, "taxable"),
                "created_at": str_of(v, "createdAt"),
                "updated_at": str_of(v, "updatedAt"),
                "admin_graphql_api_id": str_of(v, "id"),
            })
        })
        .collect();
    let options: Vec<Value> = array(p, "options")
        .iter()
        .map(|o| {
            json!({
                "id": o.get("id").and_then(Value::as_str).and_then(gid_number),
                "product_id": product_id,
                "name": str_of(o, "name"),
                "position": str_of(o, "position"),
                "values": str_of(o, "values"),
            })
        })
        .collect();
    let images: Vec<Value> = array(p, "images")
        .iter()
        .enumerate()
        .map(|(i, img)| {
            json!({
                "id": img.get("id").and_then(Value::as_str).and_then(gid_number),
                "product_id": product_id,
                "position": i + 1,
                "src": str_of(img, "url"),
                "alt": str_of(img, "altText"),
                "admin_graphql_api_id": str_of(img, "id"),
            })
        })
        .collect();
    json!({
        "id": product_id,
        "title": str_of(p, "title"),
        "body_html": str_of(p, "descriptionHtml"),
        "vendor": str_of(p, "vendor"),
        "product_type": str_of(p, "productType"),
        "handle": str_of(p, "handle"),
        "status": lower(p, "status"),
        "tags": tags,
        "created_at": str_of(p, "createdAt"),
        "updated_at": str_of(p, "updatedAt"),
        "published_at": str_of(p, "publishedAt"),
        "published_scope": "global",
        "template_suffix": null,
        "admin_graphql_api_id": id,
        "variants": variants,
        "options": options,
        "images": images,
        "image": images.first().cloned().unwrap_or(Value::Null),
    })
}

/// A variant's `available` quantity summed over locations.
pub(crate) fn inventory_quantity(variant: &Value) -> i64 {
    variant
        .get("inventory")
        .and_then(Value::as_object)
        .map_or(0, |levels| levels.values().filter_map(Value::as_i64).sum())
}
