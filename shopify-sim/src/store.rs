//! The simulated shops' data. Every record is kept as a JSON object shaped like the Admin
//! GraphQL type it stands for (field names as in the schema), so the GraphQL engine can walk
//! it generically and tests can write fixtures in the API's own vocabulary.
//!
//! A [`Store`] holds any number of shops keyed by their myshopify domain. Each shop is a
//! [`ShopData`]: flat lists (products with their variants nested, orders with their line
//! items and fulfillments nested, ...) plus an index from gid to position, rebuilt after
//! every change, so `node(id:)` and back-references (`ProductVariant.product`) are cheap.

mod csv;
mod normalize;
mod rest;
mod synthetic;

use std::collections::{BTreeMap, HashMap};

pub(crate) use rest::inventory_quantity;

use anyhow::Context as _;
use serde_json::{Map, Value, json};

/// The demo store the project authors, embedded so the binary carries it.
const DEMO_JSON: &str = include_str!("../store/demo.json");

/// Simulated data of one or more shops, keyed by myshopify domain.
#[derive(Debug, Default, Clone)]
pub struct Store {
    shops: BTreeMap<String, ShopData>,
}

/// One shop's records, normalized to Admin GraphQL shapes with every gid assigned.
#[derive(Debug, Clone)]
pub struct ShopData {
    pub(crate) domain: String,
    pub(crate) shop: Value,
    pub(crate) locations: Vec<Value>,
    pub(crate) collections: Vec<Value>,
    pub(crate) products: Vec<Value>,
    pub(crate) customers: Vec<Value>,
    pub(crate) orders: Vec<Value>,
    pub(crate) pages: Vec<Value>,
    pub(crate) blogs: Vec<Value>,
    pub(crate) articles: Vec<Value>,
    pub(crate) policies: Vec<Value>,
    pub(crate) index: HashMap<String, Loc>,
}

/// Builds the [`Loc`] of the i-th record of a top-level list.
type LocOf = fn(usize) -> Loc;

/// Where a gid lives inside a [`ShopData`]; nested records carry their parent's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    Shop,
    Location(usize),
    Collection(usize),
    Product(usize),
    Variant(usize, usize),
    InventoryItem(usize, usize),
    Customer(usize),
    Order(usize),
    LineItem(usize, usize),
    Fulfillment(usize, usize),
    Page(usize),
    Blog(usize),
    Article(usize),
    Policy(usize),
}

impl Store {
    /// An empty store; add shops with [`Store::insert_shop`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The demo store (`store/demo.json`), under the domain its `shop.myshopifyDomain` names.
    pub fn demo() -> anyhow::Result<Self> {
        let raw: Value = serde_json::from_str(DEMO_JSON).context("while parsing demo.json")?;
        let domain = raw
            .pointer("/shop/myshopifyDomain")
            .or_else(|| raw.pointer("/shop/myshopify_domain"))
            .and_then(Value::as_str)
            .context("demo.json has no shop.myshopifyDomain")?
            .to_owned();
        Self::from_json(&domain, raw).context("while loading demo.json")
    }

    /// A store with one shop built from JSON in the demo-store shape.
    pub fn from_json(domain: &str, data: Value) -> anyhow::Result<Self> {
        let mut store = Self::new();
        store.insert_shop(domain, data)?;
        Ok(store)
    }

    /// A store with one shop whose catalog comes from Shopify's product-CSV import format.
    pub fn from_products_csv(domain: &str, csv_text: &str) -> anyhow::Result<Self> {
        let mut store = Self::new();
        store.insert_shop(domain, csv::shop_json(domain, csv_text)?)?;
        Ok(store)
    }

    /// A store with one shop holding `n_products` generated, realistic-looking products.
    pub fn synthetic(domain: &str, n_products: usize) -> Self {
        let mut store = Self::new();
        let data = normalize::shop_data(domain, synthetic::shop_json(domain, n_products));
        // Generated data is well-formed by construction; keep an empty shop rather than panic.
        let data = data.unwrap_or_else(|_| ShopData::empty(domain));
        store.shops.insert(domain.to_owned(), data);
        store
    }

    /// Adds (or replaces) a shop built from JSON in the demo-store shape.
    pub fn insert_shop(&mut self, domain: &str, data: Value) -> anyhow::Result<()> {
        let data = normalize::shop_data(domain, data)
            .with_context(|| format!("while loading the store of {domain}"))?;
        self.shops.insert(domain.to_owned(), data);
        Ok(())
    }

    /// The shop with this domain, if the store has it.
    pub fn shop(&self, domain: &str) -> Option<&ShopData> {
        self.shops.get(domain)
    }

    /// Every shop, to rewrite in place (the storefront's URLs, at start).
    pub(crate) fn shops_mut(&mut self) -> impl Iterator<Item = &mut ShopData> {
        self.shops.values_mut()
    }

    /// The domains of all shops in the store.
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.shops.keys().map(String::as_str)
    }

    /// Number of products in a shop (0 for an unknown shop).
    pub fn product_count(&self, domain: &str) -> usize {
        self.shops.get(domain).map_or(0, |s| s.products.len())
    }

    /// The product with this gid, in its GraphQL shape.
    pub fn product(&self, domain: &str, id: &str) -> Option<&Value> {
        let shop = self.shops.get(domain)?;
        match shop.index.get(id)? {
            Loc::Product(i) => shop.products.get(*i),
            _ => None,
        }
    }

    /// The `products/update` webhook payload (REST shape) of a product.
    pub fn product_webhook_payload(&self, domain: &str, id: &str) -> Option<Value> {
        Some(rest::product(self.product(domain, id)?))
    }

    /// Shallow-merges `patch` (GraphQL field names, e.g. `{"title": .., "status": "DRAFT"}`)
    /// into a product and bumps its `updatedAt`. A `variants` array is merged by variant `id`;
    /// variants without an `id` are added. Returns the updated product as the REST-style
    /// `products/update` webhook payload, or `None` if the shop or product is unknown or the
    /// patch is not an object.
    pub fn update_product(&mut self, domain: &str, id: &str, patch: Value) -> Option<Value> {
        let shop = self.shops.get_mut(domain)?;
        let Some(Loc::Product(i)) = shop.index.get(id).copied() else {
            return None;
        };
        let Value::Object(patch) = patch else {
            return None;
        };
        let mut product = shop.products.get(i)?.as_object()?.clone();
        for (key, value) in patch {
            match (key.as_str(), value) {
                ("id", _) => {}
                ("variants", Value::Array(variants)) => merge_variants(&mut product, variants),
                (_, value) => {
                    product.insert(key, value);
                }
            }
        }
        product.insert("updatedAt".into(), Value::String(now_iso()));
        let product = normalize::product_in(shop, Value::Object(product));
        *shop.products.get_mut(i)? = product;
        shop.reindex();
        Some(rest::product(shop.products.get(i)?))
    }

    /// Removes a product. Returns the `products/delete` webhook payload (`{"id": n}`).
    pub fn delete_product(&mut self, domain: &str, id: &str) -> Option<Value> {
        let shop = self.shops.get_mut(domain)?;
        let Some(Loc::Product(i)) = shop.index.get(id).copied() else {
            return None;
        };
        shop.products.remove(i);
        shop.reindex();
        Some(json!({ "id": gid_number(id)? }))
    }

    /// Sets the `available` quantity of an inventory item at a location. Returns the
    /// `inventory_levels/update` webhook payload (REST shape), or `None` if the shop, item or
    /// location is unknown.
    pub fn set_inventory(
        &mut self,
        domain: &str,
        inventory_item_id: &str,
        location_id: &str,
        available: i64,
    ) -> Option<Value> {
        let shop = self.shops.get_mut(domain)?;
        if !matches!(shop.index.get(location_id), Some(Loc::Location(_))) {
            return None;
        }
        let Some(Loc::InventoryItem(p, v)) = shop.index.get(inventory_item_id).copied() else {
            return None;
        };
        let variant = shop.products.get_mut(p)?.get_mut("variants")?.get_mut(v)?;
        let inventory = variant
            .as_object_mut()?
            .entry("inventory")
            .or_insert(json!({}));
        inventory
            .as_object_mut()?
            .insert(location_id.to_owned(), Value::from(available));
        Some(json!({
            "inventory_item_id": gid_number(inventory_item_id)?,
            "location_id": gid_number(location_id)?,
            "available": available,
            "updated_at": now_iso(),
            "admin_graphql_api_id": inventory_level_gid(inventory_item_id, location_id),
        }))
    }

    /// The shop's catalog in Shopify's product-CSV format (one row per variant, extra rows
    /// for extra images); the inverse of [`Store::from_products_csv`].
    pub fn to_products_csv(&self, domain: &str) -> Option<String> {
        Some(csv::write_products(self.shops.get(domain)?))
    }
}

impl ShopData {
    fn empty(domain: &str) -> Self {
        Self {
            domain: domain.to_owned(),
            shop: json!({ "myshopifyDomain": domain }),
            locations: Vec::new(),
            collections: Vec::new(),
            products: Vec::new(),
            customers: Vec::new(),
            orders: Vec::new(),
            pages: Vec::new(),
            blogs: Vec::new(),
            articles: Vec::new(),
            policies: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The shop's myshopify domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The `Shop` object.
    pub fn shop(&self) -> &Value {
        &self.shop
    }

    /// All products, in their GraphQL shape (variants nested under `variants`).
    pub fn products(&self) -> &[Value] {
        &self.products
    }

    /// All orders, in their GraphQL shape.
    pub fn orders(&self) -> &[Value] {
        &self.orders
    }

    /// All customers, in their GraphQL shape.
    pub fn customers(&self) -> &[Value] {
        &self.customers
    }

    /// All locations, in their GraphQL shape.
    pub fn locations(&self) -> &[Value] {
        &self.locations
    }

    /// The shop's currency (`USD` unless the data says otherwise).
    pub fn currency(&self) -> &str {
        self.shop
            .get("currencyCode")
            .and_then(Value::as_str)
            .unwrap_or("USD")
    }

    /// The storefront's primary URL, without a trailing slash.
    pub fn primary_url(&self) -> &str {
        self.shop
            .pointer("/primaryDomain/url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_end_matches('/')
    }

    /// A top-level list by its `QueryRoot` connection name (`products`, `orders`, ...).
    pub(crate) fn list(&self, name: &str) -> Option<&[Value]> {
        Some(match name {
            "locations" => &self.locations,
            "collections" => &self.collections,
            "products" => &self.products,
            "customers" => &self.customers,
            "orders" => &self.orders,
            "pages" => &self.pages,
            "blogs" => &self.blogs,
            "articles" => &self.articles,
            _ => return None,
        })
    }

    /// The record a gid names, if this shop has it.
    pub(crate) fn get(&self, gid: &str) -> Option<&Value> {
        self.at(*self.index.get(gid)?)
    }

    pub(crate) fn at(&self, loc: Loc) -> Option<&Value> {
        match loc {
            Loc::Shop => Some(&self.shop),
            Loc::Location(i) => self.locations.get(i),
            Loc::Collection(i) => self.collections.get(i),
            Loc::Product(i) => self.products.get(i),
            Loc::Variant(p, v) => nested(&self.products, p, "variants", v),
            Loc::InventoryItem(p, v) => {
                nested(&self.products, p, "variants", v).and_then(|v| v.get("inventoryItem"))
            }
            Loc::Customer(i) => self.customers.get(i),
            Loc::Order(i) => self.orders.get(i),
            Loc::LineItem(o, l) => nested(&self.orders, o, "lineItems", l),
            Loc::Fulfillment(o, f) => nested(&self.orders, o, "fulfillments", f),
            Loc::Page(i) => self.pages.get(i),
            Loc::Blog(i) => self.blogs.get(i),
            Loc::Article(i) => self.articles.get(i),
            Loc::Policy(i) => self.policies.get(i),
        }
    }

    /// Rebuilds the gid index; called after any change that may move records.
    pub(crate) fn reindex(&mut self) {
        let mut index = HashMap::new();
        let mut put = |value: Option<&Value>, loc: Loc| {
            if let Some(id) = value.and_then(|v| v.get("id")).and_then(Value::as_str) {
                index.insert(id.to_owned(), loc);
            }
        };
        put(Some(&self.shop), Loc::Shop);
        let flat: [(&[Value], LocOf); 9] = [
            (&self.locations, Loc::Location),
            (&self.collections, Loc::Collection),
            (&self.products, Loc::Product),
            (&self.customers, Loc::Customer),
            (&self.orders, Loc::Order),
            (&self.pages, Loc::Page),
            (&self.blogs, Loc::Blog),
            (&self.articles, Loc::Article),
            (&self.policies, Loc::Policy),
        ];
        for (list, loc) in flat {
            for (i, value) in list.iter().enumerate() {
                put(Some(value), loc(i));
            }
        }
        for (p, product) in self.products.iter().enumerate() {
            for (v, variant) in array(product, "variants").iter().enumerate() {
                put(Some(variant), Loc::Variant(p, v));
                put(variant.get("inventoryItem"), Loc::InventoryItem(p, v));
            }
        }
        for (o, order) in self.orders.iter().enumerate() {
            for (l, line) in array(order, "lineItems").iter().enumerate() {
                put(Some(line), Loc::LineItem(o, l));
            }
            for (f, fulfillment) in array(order, "fulfillments").iter().enumerate() {
                put(Some(fulfillment), Loc::Fulfillment(o, f));
            }
        }
        self.index = index;
    }

    /// Where a gid lives, if this shop has it.
    pub(crate) fn locate(&self, gid: &str) -> Option<Loc> {
        self.index.get(gid).copied()
    }
}

fn nested<'v>(list: &'v [Value], i: usize, key: &str, j: usize) -> Option<&'v Value> {
    list.get(i)?.get(key)?.get(j)
}

fn merge_variants(product: &mut Map<String, Value>, patches: Vec<Value>) {
    let variants = product.entry("variants").or_insert_with(|| json!([]));
    let Some(variants) = variants.as_array_mut() else {
        return;
    };
    for patch in patches {
        let Value::Object(patch) = patch else {
            continue;
        };
        let id = patch.get("id").and_then(Value::as_str).map(str::to_owned);
        let existing = id.and_then(|id| {
            variants
                .iter_mut()
                .find(|v| v.get("id").and_then(Value::as_str) == Some(id.as_str()))
        });
        match existing.and_then(Value::as_object_mut) {
            Some(variant) => variant.extend(patch),
            None => variants.push(Value::Object(patch)),
        }
    }
}

/// The array under `key`, or an empty slice when it is missing or not an array.
pub(crate) fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The handle of a policy's storefront page (`REFUND_POLICY` → `refund-policy`), as Shopify
/// spells its `/policies/{handle}` URLs.
pub(crate) fn policy_handle(policy: &Value) -> String {
    policy
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("policy")
        .to_lowercase()
        .replace('_', "-")
}

/// `gid://shopify/<kind>/<n>`.
pub fn gid(kind: &str, n: u64) -> String {
    format!("gid://shopify/{kind}/{n}")
}

/// The type and number of a gid (`gid://shopify/Product/12?x=y` → `("Product", 12)`).
pub fn gid_parts(gid: &str) -> Option<(&str, u64)> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let (kind, n) = rest.split_once('/')?;
    let n = n.split(['?', '/']).next()?;
    Some((kind, n.parse().ok()?))
}

/// The number at the end of a gid.
pub fn gid_number(gid: &str) -> Option<u64> {
    gid_parts(gid).map(|(_, n)| n)
}

/// Shopify's gid for an inventory level: the location's number, the item as a parameter.
pub(crate) fn inventory_level_gid(inventory_item_id: &str, location_id: &str) -> String {
    format!(
        "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
        gid_number(location_id).unwrap_or(0),
        gid_number(inventory_item_id).unwrap_or(0)
    )
}

/// Now, as Shopify writes timestamps (`2026-10-01T12:00:00Z`).
pub(crate) fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_parse_with_and_without_parameters() {
        assert_eq!(gid_parts("gid://shopify/Product/12"), Some(("Product", 12)));
        assert_eq!(
            gid_parts("gid://shopify/InventoryLevel/7?inventory_item_id=9"),
            Some(("InventoryLevel", 7))
        );
        assert_eq!(gid_parts("gid://shopify/Product/x"), None);
        assert_eq!(gid_parts("Product/1"), None);
    }

    #[test]
    fn demo_store_loads_with_every_gid_indexed() {
        let store = Store::demo().unwrap();
        let domain = store.domains().next().unwrap().to_owned();
        let shop = store.shop(&domain).unwrap();
        assert!(shop.products().len() >= 10);
        for product in shop.products() {
            let id = product["id"].as_str().unwrap();
            assert_eq!(shop.locate(id), shop.index.get(id).copied());
            for variant in array(product, "variants") {
                assert!(shop.get(variant["id"].as_str().unwrap()).is_some());
                assert!(
                    shop.get(variant["inventoryItem"]["id"].as_str().unwrap())
                        .is_some()
                );
            }
        }
        for policy in &shop.policies {
            assert!(
                policy["id"]
                    .as_str()
                    .unwrap()
                    .starts_with("gid://shopify/ShopPolicy/")
            );
        }
    }

    #[test]
    fn update_delete_and_inventory_helpers_change_the_store() {
        let mut store = Store::synthetic("s.myshopify.com", 3);
        let domain = "s.myshopify.com";
        let product = store.shop(domain).unwrap().products()[0].clone();
        let id = product["id"].as_str().unwrap();
        let payload = store
            .update_product(domain, id, json!({"title": "Renamed", "status": "DRAFT"}))
            .unwrap();
        assert_eq!(payload["title"], "Renamed");
        assert_eq!(payload["status"], "draft");
        assert_eq!(store.product(domain, id).unwrap()["status"], "DRAFT");

        let variant = &product["variants"][0];
        let item = variant["inventoryItem"]["id"].as_str().unwrap();
        let location = store.shop(domain).unwrap().locations()[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let level = store.set_inventory(domain, item, &location, 42).unwrap();
        assert_eq!(level["available"], 42);
        assert!(
            store
                .set_inventory(domain, item, "gid://shopify/Location/0", 1)
                .is_none()
        );

        assert!(store.delete_product(domain, id).is_some());
        assert_eq!(store.product_count(domain), 2);
        assert!(store.product(domain, id).is_none());
        assert!(store.update_product(domain, id, json!({})).is_none());
    }
}
