//! Where field values come from. The generic rule reads the record's key of the same name,
//! with Shopify's naming habits as fallbacks (`fooId` → the object `foo`, `totalPriceSet`
//! → `totalPrice`, `priceV2` → `price`, `currentX` → `x`). The table in [`derived`] lists
//! only what must be computed: totals, URLs, price ranges, back-references, joins across
//! records. Root fields map onto the store's lists, the gid index and the API's own state.

use std::borrow::Cow;

use apollo_compiler::ast::Type;
use apollo_compiler::executable::OperationType;
use serde_json::{Value, json};

use super::bulk;
use super::exec::{Exec, Out, Val, child, typename_of};
use super::input::Vars;
use super::page::cursor_for;
use super::search::{Query, sort};
use crate::store::{
    Loc, ShopData, array, gid, gid_number, gid_parts, inventory_level_gid, inventory_quantity,
};

/// A root field of a query or mutation.
pub(crate) fn root<'a>(
    x: &Exec<'a>,
    root_ty: &str,
    name: &str,
    args: &Vars,
    ty: &Type,
) -> Result<Out<'a>, String> {
    let schema = x.sel.schema;
    if schema
        .root_operation(OperationType::Mutation)
        .is_some_and(|m| m == root_ty)
    {
        return mutation(x, name, args);
    }
    let shop = x.shop;
    let domain = shop.domain();
    let arg = |key: &str| args.get(key).and_then(Value::as_str);
    let owned = |value: Option<Value>| Out::owned(value.unwrap_or(Value::Null));
    Ok(match name {
        "shop" => Out::borrowed(&shop.shop),
        "node" => arg("id")
            .and_then(|id| lookup(x, id))
            .map_or_else(Out::null, Out::One),
        "nodes" => Out::Many(
            args.get("ids")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|id| {
                    id.as_str()
                        .and_then(|id| lookup(x, id))
                        .unwrap_or(Val::Json(Cow::Owned(Value::Null)))
                })
                .collect(),
        ),
        "bulkOperation" => owned(arg("id").and_then(|id| x.api.bulk.get(domain, id))),
        "currentBulkOperation" => owned(x.api.bulk.current(domain, arg("type").unwrap_or("QUERY"))),
        "bulkOperations" => listing(x.api.bulk.list(domain).into_iter().map(Cow::Owned), args),
        "webhookSubscriptions" => {
            let topics = args.get("topics").and_then(Value::as_array);
            let subs = x.api.hooks.list(domain).into_iter().filter(|s| {
                topics.is_none_or(|t| t.contains(&s["topic"]))
                    && arg("uri").is_none_or(|u| s["uri"] == u)
                    && arg("format").is_none_or(|f| s["format"] == f)
            });
            listing(subs.map(Cow::Owned), args)
        }
        "currentAppInstallation" => Out::owned(x.api.billing.installation(domain)),
        "productVariants" => listing(
            shop.products
                .iter()
                .flat_map(|p| array(p, "variants"))
                .map(Cow::Borrowed),
            args,
        ),
        "inventoryItems" => listing(
            shop.products
                .iter()
                .flat_map(|p| array(p, "variants"))
                .filter_map(|v| v.get("inventoryItem"))
                .map(Cow::Borrowed),
            args,
        ),
        "productByIdentifier"
        | "productByHandle"
        | "collectionByIdentifier"
        | "collectionByHandle" => {
            let list = if name.starts_with("product") {
                &shop.products
            } else {
                &shop.collections
            };
            let identifier = args.get("identifier").unwrap_or(&Value::Null);
            let handle = arg("handle").or_else(|| identifier.get("handle").and_then(Value::as_str));
            match identifier.get("id").and_then(Value::as_str) {
                Some(id) => typed(x, id, ty),
                None => Out::opt(
                    list.iter()
                        .find(|r| handle.is_some_and(|h| r["handle"] == h)),
                ),
            }
        }
        "location" if arg("id").is_none() => Out::opt(shop.locations.first()),
        _ => match (shop.list(name), arg("id")) {
            (Some(list), _) => listing(list.iter().map(Cow::Borrowed), args),
            (None, Some(id)) => typed(x, id, ty),
            (None, None) => Out::null(),
        },
    })
}

fn mutation<'a>(x: &Exec<'a>, name: &str, args: &Vars) -> Result<Out<'a>, String> {
    let domain = x.shop.domain();
    let arg = |key: &str| args.get(key).and_then(Value::as_str).unwrap_or_default();
    Ok(Out::owned(match name {
        "bulkOperationRunQuery" => bulk::run_query(x.api, domain, arg("query")),
        "bulkOperationCancel" => x.api.bulk.cancel(domain, arg("id")),
        "webhookSubscriptionCreate" => x.api.hooks.create(domain, args),
        "webhookSubscriptionUpdate" => x.api.hooks.update(domain, args),
        "webhookSubscriptionDelete" => x.api.hooks.delete(domain, arg("id")),
        "appSubscriptionCreate" => x.api.billing.create(domain, args, &x.api.base_url()),
        "appSubscriptionCancel" => x.api.billing.cancel(domain, arg("id")),
        _ => {
            return Err(format!(
                "The Shopify simulator does not implement the mutation `{name}`"
            ));
        }
    }))
}

/// A field of a record: derived if the table has it, else read generically.
pub(crate) fn field<'a>(
    x: &Exec<'a>,
    obj: &Cow<'a, Value>,
    ty: &str,
    name: &str,
    args: &Vars,
) -> Result<Out<'a>, String> {
    Ok(derived(x, obj, ty, name, args).unwrap_or_else(|| generic(x, obj, name)))
}

/// The fields computed from the store rather than read off the record.
fn derived<'a>(
    x: &Exec<'a>,
    obj: &Cow<'a, Value>,
    ty: &str,
    name: &str,
    args: &Vars,
) -> Option<Out<'a>> {
    let shop = x.shop;
    let v: &Value = obj;
    let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
    let owned = Out::owned;
    Some(match (ty, name) {
        ("Product", "totalInventory") => owned(json!(
            array(v, "variants")
                .iter()
                .map(inventory_quantity)
                .sum::<i64>()
        )),
        ("Product", "onlineStoreUrl") => owned(
            match v["status"] == "ACTIVE" && !v["publishedAt"].is_null() {
                true => json!(product_url(shop, v)),
                false => Value::Null,
            },
        ),
        ("Product", "onlineStorePreviewUrl") => owned(json!(product_url(shop, v))),
        ("Product", "priceRangeV2" | "priceRange") => {
            owned(price_range(shop, v, "price", "VariantPrice"))
        }
        ("Product", "compareAtPriceRange") => owned(price_range(
            shop,
            v,
            "compareAtPrice",
            "VariantCompareAtPrice",
        )),
        ("Product", "collections") => {
            let handles = array(v, "collections");
            let collections = shop
                .collections
                .iter()
                .filter(|c| handles.contains(&c["handle"]));
            listing(collections.map(Cow::Borrowed), args)
        }
        ("Product", "featuredImage") => pick(obj, "/images/0"),
        ("Product", "featuredMedia") => {
            owned(array(v, "images").first().map_or(Value::Null, media))
        }
        ("Product", "media") => Out::items(array(v, "images").iter().map(|i| Cow::Owned(media(i)))),
        ("Product", "description") => {
            let limit = args
                .get("truncateAt")
                .and_then(Value::as_u64)
                .map(|n| n as usize);
            owned(json!(plain_text(
                v["descriptionHtml"].as_str().unwrap_or_default(),
                limit
            )))
        }
        ("Product", "hasOnlyDefaultVariant") => {
            let variants = array(v, "variants");
            owned(json!(
                variants.len() == 1 && variants[0]["title"] == "Default Title"
            ))
        }
        ("Product", "hasOutOfStockVariants") => owned(json!(
            array(v, "variants")
                .iter()
                .any(|var| inventory_quantity(var) <= 0)
        )),
        ("Product", "tracksInventory") => owned(json!(
            array(v, "variants")
                .iter()
                .any(|var| var["inventoryItem"]["tracked"] == true)
        )),
        ("ProductVariant", "inventoryQuantity") => owned(json!(inventory_quantity(v))),
        ("ProductVariant", "sellableOnlineQuantity") => owned(json!(inventory_quantity(v).max(0))),
        ("ProductVariant", "availableForSale") => {
            let active = product_of(shop, id).is_some_and(|p| p["status"] == "ACTIVE");
            let in_stock = inventory_quantity(v) > 0
                || v["inventoryPolicy"] == "CONTINUE"
                || v["inventoryItem"]["tracked"] == false;
            owned(json!(active && in_stock))
        }
        ("ProductVariant", "product") => Out::opt(product_of(shop, id)),
        ("ProductVariant", "displayName") => {
            let product = product_of(shop, id)
                .and_then(|p| p["title"].as_str())
                .unwrap_or_default();
            owned(json!(format!(
                "{product} - {}",
                v["title"].as_str().unwrap_or_default()
            )))
        }
        ("InventoryItem", "sku") => {
            owned(variant_of_item(shop, id).map_or(Value::Null, |var| var["sku"].clone()))
        }
        ("InventoryItem", "variant") => Out::opt(variant_of_item(shop, id)),
        ("InventoryItem", "inventoryLevels") => {
            Out::items(levels(shop, v).into_iter().map(Cow::Owned))
        }
        ("InventoryItem", "inventoryLevel") => {
            let location = args.get("locationId").unwrap_or(&Value::Null);
            owned(
                levels(shop, v)
                    .into_iter()
                    .find(|l| &l["locationId"] == location)
                    .unwrap_or(Value::Null),
            )
        }
        ("InventoryItem", "measurement") => owned(json!({
            "id": format!("gid://shopify/InventoryItemMeasurement/{}", gid_number(id).unwrap_or(0)),
            "weight": { "unit": "GRAMS", "value": v["weightGrams"].as_f64().unwrap_or(0.0) },
        })),
        ("InventoryLevel", "quantities") => owned(quantities(v, args)),
        ("Customer", "defaultEmailAddress") => {
            owned(match v.get("email").and_then(Value::as_str) {
                Some(email) => json!({
                    "emailAddress": email,
                    "marketingState": "NOT_SUBSCRIBED",
                    "validFormat": email.contains('@'),
                }),
                None => Value::Null,
            })
        }
        ("Customer", "defaultPhoneNumber") => owned(match v.get("phone").and_then(Value::as_str) {
            Some(phone) => json!({
                "phoneNumber": phone,
                "marketingState": "NOT_SUBSCRIBED",
            }),
            None => Value::Null,
        }),
        ("Customer", "displayName") => {
            let name = [&v["firstName"], &v["lastName"]]
                .iter()
                .filter_map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            owned(json!(if name.is_empty() {
                v["email"].as_str().unwrap_or_default().to_owned()
            } else {
                name
            }))
        }
        ("Customer", "orders") => listing(orders_of(shop, id).into_iter().map(Cow::Borrowed), args),
        ("Customer", "numberOfOrders") => owned(json!(orders_of(shop, id).len().to_string())),
        ("Customer", "amountSpent") => {
            let total: f64 = orders_of(shop, id)
                .iter()
                .filter_map(|o| amount(&o["totalPrice"]))
                .sum();
            owned(money(shop, &json!(total)))
        }
        ("Customer", "lastOrder") => Out::opt(orders_of(shop, id).last().copied()),
        ("Customer", "defaultAddress") => pick(obj, "/addresses/0"),
        ("Order", "statusPageUrl") => owned(json!(format!(
            "{}/account/orders/{}",
            shop.primary_url(),
            gid_number(id).unwrap_or(0)
        ))),
        ("LineItem", "product") => {
            let variant = v["variantId"].as_str().unwrap_or_default();
            Out::opt(product_of(shop, variant))
        }
        ("LineItem", "currentQuantity") => owned(v["quantity"].clone()),
        ("Fulfillment", "order") => match shop.locate(id) {
            Some(Loc::Fulfillment(o, _)) => Out::opt(shop.at(Loc::Order(o))),
            _ => Out::null(),
        },
        ("Collection", "products") => {
            let handle = &v["handle"];
            let products = shop
                .products
                .iter()
                .filter(|p| array(p, "collections").contains(handle));
            listing(products.map(Cow::Borrowed), args)
        }
        ("Blog", "articles") => {
            let articles = shop.articles.iter().filter(|a| a["blogId"] == id);
            listing(articles.map(Cow::Borrowed), args)
        }
        ("Shop", "shopPolicies") => Out::items(shop.policies.iter().map(Cow::Borrowed)),
        _ => return None,
    })
}

/// The generic rule: the record's own key, then Shopify's naming variants, else null.
fn generic<'a>(x: &Exec<'a>, obj: &Cow<'a, Value>, name: &str) -> Out<'a> {
    if let Some(value) = child(obj, name) {
        return Out::One(Val::Json(value));
    }
    let id = obj.get("id").and_then(Value::as_str);
    match name {
        "legacyResourceId" => {
            return Out::owned(
                id.and_then(gid_number)
                    .map_or(Value::Null, |n| json!(n.to_string())),
            );
        }
        "defaultCursor" => return Out::owned(json!(cursor_for(obj, 0))),
        _ => {}
    }
    if let Some(target) = obj.get(format!("{name}Id")).and_then(Value::as_str) {
        return lookup(x, target).map_or_else(Out::null, Out::One);
    }
    let uncurrent = name.strip_prefix("current").map(|rest| {
        let mut chars = rest.chars();
        chars
            .next()
            .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
            .unwrap_or_default()
    });
    for base in std::iter::once(name.to_owned()).chain(uncurrent) {
        let stems = ["Set", "V2"].iter().filter_map(|s| base.strip_suffix(s));
        for stem in std::iter::once(base.as_str()).chain(stems) {
            if let Some(value) = child(obj, stem) {
                return Out::One(Val::Json(value));
            }
        }
    }
    Out::null()
}

/// The record a gid names: the store's, or the API's own (bulk operations, webhook and app
/// subscriptions), or an inventory level built from its item and location.
pub(crate) fn lookup<'a>(x: &Exec<'a>, id: &str) -> Option<Val<'a>> {
    if let Some(record) = x.shop.get(id) {
        return Some(Val::Json(Cow::Borrowed(record)));
    }
    let domain = x.shop.domain();
    let (kind, n) = gid_parts(id)?;
    let owned = match kind {
        "BulkOperation" => x.api.bulk.get(domain, id),
        "WebhookSubscription" => x.api.hooks.get(domain, id),
        "AppSubscription" => x.api.billing.get(domain, id),
        "InventoryLevel" => {
            let item_number = id.split("inventory_item_id=").nth(1)?.parse().ok()?;
            let item = x.shop.get(&gid("InventoryItem", item_number))?;
            let location = gid("Location", n);
            levels(x.shop, item)
                .into_iter()
                .find(|l| l["locationId"] == location.as_str())
        }
        _ => None,
    }?;
    Some(Val::Json(Cow::Owned(owned)))
}

/// A lookup by id that only answers when the record is of the field's type.
fn typed<'a>(x: &Exec<'a>, id: &str, ty: &Type) -> Out<'a> {
    let declared = ty.inner_named_type().as_str();
    match lookup(x, id) {
        Some(Val::Json(record)) if typename_of(&record).is_some_and(|t| x.fits(declared, t)) => {
            Out::One(Val::Json(record))
        }
        _ => Out::null(),
    }
}

/// Records filtered by `query:` and ordered by `sortKey`/`reverse`.
fn listing<'a>(items: impl Iterator<Item = Cow<'a, Value>>, args: &Vars) -> Out<'a> {
    let query = args.get("query").and_then(Value::as_str).map(Query::parse);
    let mut items: Vec<Cow<'a, Value>> = items
        .filter(|i| query.as_ref().is_none_or(|q| q.matches(i)))
        .collect();
    let sort_key = args.get("sortKey").and_then(Value::as_str);
    sort(
        &mut items,
        sort_key,
        args.get("reverse") == Some(&Value::Bool(true)),
    );
    Out::items(items)
}

/// Money objects where the schema wants them and the record holds a bare amount.
pub(crate) fn wrap<'a>(shop: &ShopData, named: &str, value: Cow<'a, Value>) -> Cow<'a, Value> {
    match (named, value.as_ref()) {
        ("MoneyV2", Value::String(_) | Value::Number(_)) => Cow::Owned(money(shop, &value)),
        ("MoneyBag", Value::String(_) | Value::Number(_)) => {
            let m = money(shop, &value);
            Cow::Owned(json!({ "shopMoney": m, "presentmentMoney": m }))
        }
        ("MoneyBag", Value::Object(o)) if o.contains_key("amount") => {
            Cow::Owned(json!({ "shopMoney": value, "presentmentMoney": value }))
        }
        _ => value,
    }
}

fn money(shop: &ShopData, amount_value: &Value) -> Value {
    let amount = match amount_value {
        Value::Number(n) => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
        Value::String(s) => s.clone(),
        _ => "0.00".to_owned(),
    };
    json!({ "amount": amount, "currencyCode": shop.currency() })
}

fn amount(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => s.parse().ok(),
        other => other.as_f64(),
    }
}

/// `{min<suffix>, max<suffix>}` over the variants' `key` (null when no variant has one).
fn price_range(shop: &ShopData, product: &Value, key: &str, suffix: &str) -> Value {
    let prices: Vec<(f64, &Value)> = array(product, "variants")
        .iter()
        .filter_map(|v| Some((amount(&v[key])?, &v[key])))
        .collect();
    let by = |pick_max: bool| {
        prices
            .iter()
            .copied()
            .reduce(|a, b| {
                if (b.0 > a.0) == pick_max && b.0 != a.0 {
                    b
                } else {
                    a
                }
            })
            .map(|(_, raw)| money(shop, raw))
    };
    match (by(false), by(true)) {
        (Some(min), Some(max)) => {
            json!({ format!("min{suffix}"): min, format!("max{suffix}"): max })
        }
        _ => Value::Null,
    }
}

fn product_url(shop: &ShopData, product: &Value) -> String {
    format!(
        "{}/products/{}",
        shop.primary_url(),
        product["handle"].as_str().unwrap_or_default()
    )
}

/// The product a variant (by gid) belongs to.
fn product_of<'a>(shop: &'a ShopData, variant_id: &str) -> Option<&'a Value> {
    match shop.locate(variant_id)? {
        Loc::Variant(p, _) => shop.at(Loc::Product(p)),
        _ => None,
    }
}

/// The variant an inventory item (by gid) belongs to.
fn variant_of_item<'a>(shop: &'a ShopData, item_id: &str) -> Option<&'a Value> {
    match shop.locate(item_id)? {
        Loc::InventoryItem(p, v) => shop.at(Loc::Variant(p, v)),
        _ => None,
    }
}

fn orders_of<'a>(shop: &'a ShopData, customer_id: &str) -> Vec<&'a Value> {
    shop.orders
        .iter()
        .filter(|o| o["customerId"] == customer_id)
        .collect()
}

/// An inventory item's levels, one per known location in its variant's `inventory` map.
fn levels(shop: &ShopData, item: &Value) -> Vec<Value> {
    let item_id = item["id"].as_str().unwrap_or_default();
    let Some(inventory) = variant_of_item(shop, item_id).and_then(|v| v["inventory"].as_object())
    else {
        return Vec::new();
    };
    shop.locations
        .iter()
        .filter_map(|location| {
            let location_id = location["id"].as_str()?;
            let available = inventory.get(location_id)?.as_i64()?;
            Some(json!({
                "id": inventory_level_gid(item_id, location_id),
                "locationId": location_id,
                "itemId": item_id,
                "available": available,
                "isActive": true,
                "canDeactivate": false,
                "createdAt": item["createdAt"],
                "updatedAt": item["updatedAt"],
            }))
        })
        .collect()
}

/// `InventoryLevel.quantities(names:)`: `available` and `on_hand` are the stored quantity;
/// the simulator has no committed, reserved or incoming stock.
fn quantities(level: &Value, args: &Vars) -> Value {
    let names = args
        .get("names")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let available = level["available"].as_i64().unwrap_or(0);
    let level_id = level["id"].as_str().unwrap_or_default();
    let list: Vec<Value> = names
        .iter()
        .filter_map(Value::as_str)
        .map(|name| {
            let quantity = match name {
                "available" | "on_hand" => available,
                _ => 0,
            };
            json!({
                "id": format!("{}&name={name}", level_id.replacen("InventoryLevel", "InventoryQuantity", 1)),
                "name": name,
                "quantity": quantity,
                "updatedAt": level["updatedAt"],
            })
        })
        .collect();
    Value::Array(list)
}

/// `MediaImage` for a product image.
fn media(image: &Value) -> Value {
    let number = image["id"].as_str().and_then(gid_number).unwrap_or(0);
    json!({
        "__typename": "MediaImage",
        "id": gid("MediaImage", number),
        "alt": image["altText"],
        "mediaContentType": "IMAGE",
        "status": "READY",
        "fileStatus": "READY",
        "image": image,
        "preview": { "image": image, "status": "READY" },
    })
}

/// A pointer into a record, keeping borrowed data borrowed.
fn pick<'a>(obj: &Cow<'a, Value>, pointer: &str) -> Out<'a> {
    match obj {
        Cow::Borrowed(record) => {
            let record: &'a Value = record;
            Out::opt(record.pointer(pointer))
        }
        Cow::Owned(record) => Out::owned(record.pointer(pointer).cloned().unwrap_or(Value::Null)),
    }
}

/// Text of an HTML fragment: tags dropped, common entities decoded, whitespace collapsed.
fn plain_text(html: &str, truncate_at: Option<usize>) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    match truncate_at {
        Some(n) if collapsed.chars().count() > n => {
            let cut: String = collapsed.chars().take(n.saturating_sub(3)).collect();
            format!("{}...", cut.trim_end())
        }
        _ => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain_text(
                "<p>Salt &amp; <b>pepper</b></p>\n<ul><li>one</li></ul>",
                None
            ),
            "Salt & pepper one"
        );
        assert_eq!(plain_text("<p>abcdefghij</p>", Some(8)), "abcde...");
    }
}
