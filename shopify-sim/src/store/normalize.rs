//! Turns store JSON as people write it (the demo file, CSV imports, test fixtures, patches)
//! into the complete Admin GraphQL shapes the engine reads: every record gets a gid
//! (deterministically: one past the highest number of its type), and fields the schema
//! marks non-null get sensible defaults, so a sparse fixture still answers real queries.

use std::collections::HashMap;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};

use super::{ShopData, gid, gid_parts};

/// When a record does not say when it was created or updated.
const EPOCH: &str = "2025-01-01T00:00:00Z";

/// Builds a shop from JSON with the top-level keys `shop`, `locations`, `collections`,
/// `products`, `customers`, `orders`, `pages`, `blogs`, `articles`, `policies` (all optional).
pub(super) fn shop_data(domain: &str, raw: Value) -> anyhow::Result<ShopData> {
    let Value::Object(mut root) = raw else {
        bail!("store data must be a JSON object");
    };
    let mut ids = IdAlloc::default();
    root.values().for_each(|v| ids.observe(v));
    let mut take = |key: &str, kind: &str| -> anyhow::Result<Vec<Value>> {
        let list = match root.remove(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list,
            Some(_) => bail!("`{key}` must be an array"),
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.into_iter().enumerate() {
            let Value::Object(mut item) = item else {
                bail!("{key}[{i}] must be an object");
            };
            ids.ensure(&mut item, kind);
            out.push(item);
        }
        Ok(out.into_iter().map(Value::Object).collect())
    };
    let mut locations = take("locations", "Location")?;
    let mut collections = take("collections", "Collection")?;
    let products = take("products", "Product")?;
    let mut customers = take("customers", "Customer")?;
    let mut orders = take("orders", "Order")?;
    let mut pages = take("pages", "Page")?;
    let mut blogs = take("blogs", "Blog")?;
    let mut articles = take("articles", "Article")?;
    let mut policies = take("policies", "ShopPolicy")?;
    let mut shop = match root.remove("shop") {
        Some(Value::Object(shop)) => shop,
        None | Some(Value::Null) => Map::new(),
        Some(_) => bail!("`shop` must be an object"),
    };

    shop_object(domain, &mut shop, &mut ids);
    if locations.is_empty() {
        locations.push(json!({ "id": ids.next("Location"), "name": "Shop location" }));
    }
    for location in &mut locations {
        defaults(location, &[("isActive", json!(true)), ("name", json!(""))]);
    }
    let default_location = locations
        .first()
        .and_then(|l| l.get("id"))
        .and_then(Value::as_str)
        .context("no location")?
        .to_owned();
    for collection in &mut collections {
        with_handle(collection);
        defaults(
            collection,
            &[("descriptionHtml", json!("")), ("updatedAt", json!(EPOCH))],
        );
    }
    let products = products
        .into_iter()
        .map(|p| product(p, &mut ids, &default_location))
        .collect();
    for customer in &mut customers {
        tags(customer);
        defaults(
            customer,
            &[
                ("createdAt", json!(EPOCH)),
                ("addresses", json!([])),
                ("state", json!("ENABLED")),
            ],
        );
    }
    for (i, order) in orders.iter_mut().enumerate() {
        order_object(order, i, &mut ids);
    }
    for page in pages.iter_mut().chain(&mut articles) {
        with_handle(page);
        tags(page);
        defaults(
            page,
            &[
                ("body", json!("")),
                ("isPublished", json!(true)),
                ("createdAt", json!(EPOCH)),
                ("updatedAt", json!(EPOCH)),
            ],
        );
    }
    for blog in &mut blogs {
        with_handle(blog);
        tags(blog);
        defaults(blog, &[("createdAt", json!(EPOCH))]);
    }
    let primary = shop
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for policy in &mut policies {
        let slug = super::policy_handle(policy);
        defaults(
            policy,
            &[
                ("url", json!(format!("{primary}/policies/{slug}"))),
                ("body", json!("")),
                ("createdAt", json!(EPOCH)),
                ("updatedAt", json!(EPOCH)),
            ],
        );
    }

    let mut data = ShopData {
        domain: domain.to_owned(),
        shop: Value::Object(shop),
        locations,
        collections,
        products,
        customers,
        orders,
        pages,
        blogs,
        articles,
        policies,
        index: HashMap::new(),
    };
    data.reindex();
    Ok(data)
}

/// Normalizes one product of an existing shop (after a patch), allocating gids for any new
/// variants past the shop's highest.
pub(super) fn product_in(shop: &ShopData, product_json: Value) -> Value {
    let mut ids = IdAlloc::default();
    for p in &shop.products {
        ids.observe(p);
    }
    ids.observe(&product_json);
    let location = shop
        .locations
        .first()
        .and_then(|l| l.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    product(product_json, &mut ids, &location)
}

fn shop_object(domain: &str, shop: &mut Map<String, Value>, ids: &mut IdAlloc) {
    ids.ensure(shop, "Shop");
    shop.insert("myshopifyDomain".into(), json!(domain));
    let url = shop
        .pointer_str("/primaryDomain/url")
        .or_else(|| shop.get("primaryDomainUrl").and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://{domain}"));
    let url = url.trim_end_matches('/').to_owned();
    let host = url.split("://").nth(1).unwrap_or(&url).to_owned();
    if !shop.get("primaryDomain").is_some_and(Value::is_object) {
        let id = ids.next("Domain");
        shop.insert(
            "primaryDomain".into(),
            json!({ "id": id, "url": url, "host": host, "sslEnabled": url.starts_with("https") }),
        );
    }
    let mut shop_value = Value::Object(std::mem::take(shop));
    defaults(
        &mut shop_value,
        &[
            ("name", json!(domain)),
            ("url", json!(url)),
            ("currencyCode", json!("USD")),
            ("email", json!(format!("owner@{domain}"))),
            ("contactEmail", json!(format!("help@{domain}"))),
            ("ianaTimezone", json!("UTC")),
            ("createdAt", json!(EPOCH)),
            ("updatedAt", json!(EPOCH)),
        ],
    );
    if let Value::Object(map) = shop_value {
        *shop = map;
    }
}

fn product(product: Value, ids: &mut IdAlloc, default_location: &str) -> Value {
    let Value::Object(mut p) = product else {
        return product;
    };
    ids.ensure(&mut p, "Product");
    let mut p = Value::Object(p);
    with_handle(&mut p);
    tags(&mut p);
    if let Some(status) = p.get("status").and_then(Value::as_str) {
        let upper = status.to_uppercase();
        p["status"] = json!(upper);
    }
    defaults(
        &mut p,
        &[
            ("title", json!("")),
            ("descriptionHtml", json!("")),
            ("vendor", json!("")),
            ("productType", json!("")),
            ("status", json!("ACTIVE")),
            ("createdAt", json!(EPOCH)),
            ("collections", json!([])),
            ("options", json!([])),
            ("images", json!([])),
            ("seo", json!({ "title": null, "description": null })),
            ("isGiftCard", json!(false)),
        ],
    );
    let created = p["createdAt"].clone();
    defaults(&mut p, &[("updatedAt", created.clone())]);
    if p.get("publishedAt").is_none() {
        let published = if p["status"] == "ACTIVE" {
            created
        } else {
            Value::Null
        };
        p["publishedAt"] = published;
    }
    let updated = p["updatedAt"].clone();
    if let Some(options) = p.get_mut("options").and_then(Value::as_array_mut) {
        for (i, option) in options.iter_mut().enumerate() {
            if let Value::Object(o) = option {
                ids.ensure(o, "ProductOption");
                o.insert("position".into(), json!(i + 1));
                let values = o.entry("values").or_insert(json!([])).clone();
                let option_values: Vec<Value> = values
                    .as_array()
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|v| json!({ "name": v, "hasVariants": true }))
                    .collect();
                o.entry("optionValues").or_insert(json!(option_values));
            }
        }
    }
    if let Some(images) = p.get_mut("images").and_then(Value::as_array_mut) {
        for image in images.iter_mut() {
            if let Value::Object(img) = image {
                ids.ensure(img, "ProductImage");
                if let Some(src) = img.get("src").cloned() {
                    img.entry("url").or_insert(src);
                }
                img.entry("altText").or_insert(Value::Null);
            }
        }
    }
    let variants = match p.get_mut("variants").map(Value::take) {
        Some(Value::Array(v)) if !v.is_empty() => v,
        _ => vec![json!({ "title": "Default Title", "price": "0.00" })],
    };
    let variants: Vec<Value> = variants
        .into_iter()
        .enumerate()
        .map(|(i, v)| variant(v, i, ids, default_location, &updated))
        .collect();
    p["variants"] = Value::Array(variants);
    p
}

fn variant(v: Value, i: usize, ids: &mut IdAlloc, location: &str, updated: &Value) -> Value {
    let Value::Object(mut v) = v else {
        return v;
    };
    ids.ensure(&mut v, "ProductVariant");
    let mut v = Value::Object(v);
    if v.get("selectedOptions").is_none() {
        v["selectedOptions"] = json!([{ "name": "Title", "value": "Default Title" }]);
    }
    if v.get("title").is_none() {
        let title = super::array(&v, "selectedOptions")
            .iter()
            .filter_map(|o| o.get("value").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" / ");
        v["title"] = json!(title);
    }
    for key in ["price", "compareAtPrice"] {
        if let Some(money) = v.get(key).map(money) {
            v[key] = money;
        }
    }
    if let Some(policy) = v.get("inventoryPolicy").and_then(Value::as_str) {
        let upper = policy.to_uppercase();
        v["inventoryPolicy"] = json!(upper);
    }
    defaults(
        &mut v,
        &[
            ("price", json!("0.00")),
            ("compareAtPrice", Value::Null),
            ("position", json!(i + 1)),
            ("inventoryPolicy", json!("DENY")),
            ("taxable", json!(true)),
            ("inventory", json!({ location: 0 })),
            ("inventoryItem", json!({})),
            ("createdAt", updated.clone()),
            ("updatedAt", updated.clone()),
        ],
    );
    if let Some(Value::Object(item)) = v.get_mut("inventoryItem") {
        ids.ensure(item, "InventoryItem");
        item.entry("tracked").or_insert(json!(true));
        item.entry("requiresShipping").or_insert(json!(true));
        item.entry("createdAt").or_insert(updated.clone());
        item.entry("updatedAt").or_insert(updated.clone());
    }
    v
}

fn order_object(order: &mut Value, i: usize, ids: &mut IdAlloc) {
    defaults(
        order,
        &[
            ("name", json!(format!("#{}", 1001 + i))),
            ("createdAt", json!(EPOCH)),
            ("lineItems", json!([])),
            ("fulfillments", json!([])),
            ("tags", json!([])),
            ("displayFulfillmentStatus", json!("UNFULFILLED")),
        ],
    );
    let created = order["createdAt"].clone();
    defaults(
        order,
        &[("processedAt", created.clone()), ("updatedAt", created)],
    );
    if order.get("number").is_none() {
        let number = order["name"]
            .as_str()
            .and_then(|n| n.trim_start_matches('#').parse::<u64>().ok());
        order["number"] = json!(number.unwrap_or(1001 + i as u64));
    }
    for line in objects_mut(order, "lineItems") {
        ids.ensure(line, "LineItem");
        line.entry("quantity").or_insert(json!(1));
    }
    for fulfillment in objects_mut(order, "fulfillments") {
        ids.ensure(fulfillment, "Fulfillment");
        fulfillment.entry("trackingInfo").or_insert(json!([]));
    }
}

/// The objects in the array under `key`.
fn objects_mut<'v>(
    record: &'v mut Value,
    key: &str,
) -> impl Iterator<Item = &'v mut Map<String, Value>> {
    record
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|list| list.iter_mut().filter_map(Value::as_object_mut))
}

/// Money as the API writes it: a decimal string (`19.5` → `"19.50"`).
pub(super) fn money(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(format!("{:.2}", n.as_f64().unwrap_or(0.0))),
        Value::String(s) if s.trim().is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// `tags` as a list, also when written as Shopify's comma-separated string.
fn tags(record: &mut Value) {
    let list: Vec<Value> = match record.get("tags") {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| json!(t))
            .collect(),
        Some(Value::Array(_)) => return,
        _ => Vec::new(),
    };
    record["tags"] = Value::Array(list);
}

fn with_handle(record: &mut Value) {
    if record.get("handle").and_then(Value::as_str).is_none() {
        let title = record.get("title").and_then(Value::as_str).unwrap_or("");
        record["handle"] = json!(slug(title));
    }
}

/// A Shopify-style handle: lowercase ASCII words joined by dashes.
pub(super) fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn defaults(record: &mut Value, pairs: &[(&str, Value)]) {
    if let Value::Object(map) = record {
        for (key, value) in pairs {
            map.entry(*key).or_insert_with(|| value.clone());
        }
    }
}

trait PointerStr {
    fn pointer_str(&self, pointer: &str) -> Option<&str>;
}

impl PointerStr for Map<String, Value> {
    fn pointer_str(&self, pointer: &str) -> Option<&str> {
        let mut parts = pointer.trim_start_matches('/').splitn(2, '/');
        let first = self.get(parts.next()?)?;
        match parts.next() {
            Some(rest) => first.pointer(&format!("/{rest}"))?.as_str(),
            None => first.as_str(),
        }
    }
}

/// Hands out gids one past the highest number seen per type, so reloads are stable.
#[derive(Default)]
struct IdAlloc {
    next: HashMap<String, u64>,
}

impl IdAlloc {
    fn observe(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                if let Some((kind, n)) = map.get("id").and_then(Value::as_str).and_then(gid_parts) {
                    let after = n.saturating_add(1);
                    match self.next.get_mut(kind) {
                        Some(next) => *next = (*next).max(after),
                        None => {
                            self.next.insert(kind.to_owned(), after);
                        }
                    }
                }
                map.values().for_each(|v| self.observe(v));
            }
            Value::Array(list) => list.iter().for_each(|v| self.observe(v)),
            _ => {}
        }
    }

    fn next(&mut self, kind: &str) -> String {
        let next = self.next.entry(kind.to_owned()).or_insert(1);
        let n = *next;
        *next += 1;
        gid(kind, n)
    }

    fn ensure(&mut self, record: &mut Map<String, Value>, kind: &str) {
        if record.get("id").and_then(Value::as_str).is_none() {
            let id = self.next(kind);
            record.insert("id".into(), Value::String(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_fixture_gets_gids_and_defaults() {
        let data = shop_data(
            "t.myshopify.com",
            json!({
                "products": [
                    {"title": "Blue Mug", "variants": [{"price": 12}]},
                    {"id": "gid://shopify/Product/7", "title": "Red Mug", "tags": "a, b"}
                ],
                "policies": [{"type": "REFUND_POLICY", "title": "Refunds", "body": "x"}]
            }),
        )
        .unwrap();
        let p0 = &data.products[0];
        assert_eq!(p0["id"], "gid://shopify/Product/8");
        assert_eq!(p0["handle"], "blue-mug");
        assert_eq!(p0["variants"][0]["price"], "12.00");
        assert_eq!(p0["variants"][0]["title"], "Default Title");
        assert_eq!(data.products[1]["tags"], json!(["a", "b"]));
        assert_eq!(
            data.policies[0]["url"],
            "https://t.myshopify.com/policies/refund-policy"
        );
        assert_eq!(data.shop["primaryDomain"]["url"], "https://t.myshopify.com");
    }

    #[test]
    fn non_object_records_are_rejected_with_their_position() {
        let err = shop_data("t.myshopify.com", json!({"products": [1]})).unwrap_err();
        assert!(err.to_string().contains("products[0]"));
    }
}
