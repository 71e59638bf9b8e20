//! The storefront's reading of the store: what a shopper may see (active products only),
//! prices in cents as the Ajax API and Liquid count money, and availability as Shopify
//! decides it (tracked + `DENY` sells only what is in stock; anything else always sells).

use serde_json::Value;

use crate::store::{ShopData, array, gid_number};

/// The most of one variant a cart line may hold when stock does not limit it.
pub(crate) const MAX_QUANTITY: u64 = 9_999;

/// A variant as the storefront shows and sells it.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub id: u64,
    pub title: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub sku: String,
    pub grams: i64,
    pub taxable: bool,
    pub requires_shipping: bool,
    pub options: Vec<String>,
    /// How many can be sold (`MAX_QUANTITY` when stock does not limit it).
    pub sellable: u64,
}

impl Variant {
    pub fn available(&self) -> bool {
        self.sellable > 0
    }
}

/// A product as the storefront shows it.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: u64,
    pub handle: String,
    pub title: String,
    pub vendor: String,
    pub product_type: String,
    /// The merchant's HTML, shown as themes show it (unescaped).
    pub description_html: String,
    pub option_names: Vec<String>,
    pub variants: Vec<Variant>,
    /// Alt texts of the product's images; the pictures themselves are placeholders.
    pub image_alts: Vec<String>,
    pub collections: Vec<String>,
    pub tags: Vec<String>,
}

impl Product {
    pub fn from_json(p: &Value) -> Option<Self> {
        let id = gid_number(p.get("id")?.as_str()?)?;
        let title = text(p, "title");
        let variants = array(p, "variants").iter().filter_map(variant).collect();
        let mut image_alts: Vec<String> = array(p, "images")
            .iter()
            .map(|i| {
                i.get("altText")
                    .and_then(Value::as_str)
                    .unwrap_or(&title)
                    .to_owned()
            })
            .collect();
        if image_alts.is_empty() {
            image_alts.push(title.clone());
        }
        Some(Self {
            id,
            handle: text(p, "handle"),
            vendor: text(p, "vendor"),
            product_type: text(p, "productType"),
            description_html: text(p, "descriptionHtml"),
            option_names: array(p, "options")
                .iter()
                .map(|o| text(o, "name"))
                .collect(),
            variants,
            image_alts,
            collections: strings(p, "collections"),
            tags: strings(p, "tags"),
            title,
        })
    }

    pub fn available(&self) -> bool {
        self.variants.iter().any(Variant::available)
    }

    /// The variant `?variant=` names if it is this product's, else the first available.
    pub fn selected(&self, wanted: Option<u64>) -> Option<&Variant> {
        wanted
            .and_then(|id| self.variants.iter().find(|v| v.id == id))
            .or_else(|| self.variants.iter().find(|v| v.available()))
            .or_else(|| self.variants.first())
    }

    /// Shopify's "Default Title" products have a single variant nobody needs to pick.
    pub fn has_only_default_variant(&self) -> bool {
        self.variants.len() == 1 && self.variants[0].title == "Default Title"
    }

    /// The lowest price, which listings show ("from").
    pub fn min_price(&self) -> i64 {
        self.variants.iter().map(|v| v.price).min().unwrap_or(0)
    }

    /// The Ajax Product API's answer (`GET /products/{handle}.js`): prices in cents, as
    /// Shopify gives them.
    pub fn ajax_json(&self, shop: &str) -> Value {
        let variants: Vec<Value> = self
            .variants
            .iter()
            .map(|v| {
                let mut variant = serde_json::json!({
                    "id": v.id,
                    "title": v.title,
                    "price": v.price,
                    "compare_at_price": v.compare_at,
                    "available": v.available(),
                    "sku": v.sku,
                    "options": v.options,
                });
                for (n, option) in v.options.iter().enumerate().take(3) {
                    variant[format!("option{}", n + 1)] = Value::from(option.as_str());
                }
                variant
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "handle": self.handle,
            "vendor": self.vendor,
            "type": self.product_type,
            "tags": self.tags,
            "price": self.min_price(),
            "available": self.available(),
            "options": self.option_names,
            "featured_image": self.image_url(shop, 0),
            "variants": variants,
        })
    }

    /// The placeholder image of the `n`-th picture (0-based), served by this simulator;
    /// versioned by the title it shows, so it can be cached as Shopify's CDN images are.
    pub fn image_url(&self, shop: &str, n: usize) -> String {
        picture_path(shop, &self.handle, &self.title, n)
    }
}

/// Where the `n`-th (0-based) placeholder picture of a product is served, as a path.
pub(crate) fn picture_path(shop: &str, handle: &str, title: &str, n: usize) -> String {
    format!(
        "/{shop}/cdn/shop/products/{handle}-{}.svg?v={}",
        n + 1,
        picture_version(title)
    )
}

/// What a placeholder picture's URL changes with: the title its initials come from.
pub(crate) fn picture_version(title: &str) -> String {
    use sha2::Digest as _;
    hex::encode(&sha2::Sha256::digest(title.as_bytes())[..4])
}

fn variant(v: &Value) -> Option<Variant> {
    let tracked = v
        .pointer("/inventoryItem/tracked")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let deny = v.get("inventoryPolicy").and_then(Value::as_str) != Some("CONTINUE");
    let sellable = if tracked && deny {
        u64::try_from(crate::store::inventory_quantity(v).max(0)).unwrap_or(0)
    } else {
        MAX_QUANTITY
    };
    Some(Variant {
        id: gid_number(v.get("id")?.as_str()?)?,
        title: text(v, "title"),
        price: v.get("price").and_then(cents).unwrap_or(0),
        compare_at: v.get("compareAtPrice").and_then(cents),
        sku: text(v, "sku"),
        grams: v
            .pointer("/inventoryItem/weightGrams")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        taxable: v.get("taxable").and_then(Value::as_bool).unwrap_or(true),
        requires_shipping: v
            .pointer("/inventoryItem/requiresShipping")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        options: array(v, "selectedOptions")
            .iter()
            .map(|o| text(o, "value"))
            .collect(),
        sellable: sellable.min(MAX_QUANTITY),
    })
}

/// Whether a shopper may see the product: Shopify hides drafts and archived products.
fn visible(p: &Value) -> bool {
    p.get("status").and_then(Value::as_str) == Some("ACTIVE")
}

/// The visible products, in store order.
pub(crate) fn products(shop: &ShopData) -> Vec<Product> {
    shop.products()
        .iter()
        .filter(|p| visible(p))
        .filter_map(Product::from_json)
        .collect()
}

pub(crate) fn product_by_handle(shop: &ShopData, handle: &str) -> Option<Product> {
    shop.products()
        .iter()
        .filter(|p| visible(p))
        .find(|p| p.get("handle").and_then(Value::as_str) == Some(handle))
        .and_then(Product::from_json)
}

/// The title a product's placeholder pictures show. Any product's, drafts included: Shopify's
/// CDN serves a draft's pictures too, and the Admin API hands out their URLs.
pub(crate) fn picture_title(shop: &ShopData, handle: &str) -> Option<String> {
    shop.products()
        .iter()
        .find(|p| p.get("handle").and_then(Value::as_str) == Some(handle))
        .map(|p| text(p, "title"))
}

/// The visible product holding a variant, with that variant's position in it.
pub(crate) fn product_of_variant(shop: &ShopData, variant_id: u64) -> Option<(Product, usize)> {
    let gid = crate::store::gid("ProductVariant", variant_id);
    let crate::store::Loc::Variant(p, v) = shop.locate(&gid)? else {
        return None;
    };
    let product = shop.products().get(p).filter(|p| visible(p))?;
    Some((Product::from_json(product)?, v))
}

/// A collection as the storefront lists it.
#[derive(Debug, Clone)]
pub(crate) struct Collection {
    pub id: u64,
    pub handle: String,
    pub title: String,
    pub description_html: String,
}

pub(crate) fn collections(shop: &ShopData) -> Vec<Collection> {
    shop.collections
        .iter()
        .filter_map(|c| {
            Some(Collection {
                id: gid_number(c.get("id")?.as_str()?)?,
                handle: text(c, "handle"),
                title: text(c, "title"),
                description_html: text(c, "descriptionHtml"),
            })
        })
        .collect()
}

/// A collection and its visible products; `all` is Shopify's built-in catalog collection.
pub(crate) fn collection(shop: &ShopData, handle: &str) -> Option<(Collection, Vec<Product>)> {
    let all = products(shop);
    if handle == "all" {
        let catalog = Collection {
            id: 0,
            handle: "all".into(),
            title: "Products".into(),
            description_html: String::new(),
        };
        return Some((catalog, all));
    }
    let found = collections(shop).into_iter().find(|c| c.handle == handle)?;
    let members = all
        .into_iter()
        .filter(|p| p.collections.iter().any(|c| c == handle))
        .collect();
    Some((found, members))
}

/// Money as the store writes it (`"298.00"`, `19.5`) in cents; exact, no floating point.
pub(crate) fn cents(value: &Value) -> Option<i64> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (units, fraction) = text.split_once('.').unwrap_or((text, ""));
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().ok()?
    };
    let mut digits = fraction.chars().chain(std::iter::repeat('0')).take(2);
    let tens = digits.next()?.to_digit(10)?;
    let ones = digits.next()?.to_digit(10)?;
    let amount = units
        .checked_mul(100)?
        .checked_add(i64::from(tens * 10 + ones))?;
    Some(if negative { -amount } else { amount })
}

/// `$298.00`, `€12.50`, `¥1200`: enough of Shopify's money formats for a demo store.
pub(crate) fn format_money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let (symbol, decimals) = match currency {
        "USD" | "CAD" | "AUD" | "NZD" => ("$", true),
        "EUR" => ("€", true),
        "GBP" => ("£", true),
        "JPY" => ("¥", false),
        _ => ("", true),
    };
    let suffix = if symbol.is_empty() {
        format!(" {currency}")
    } else {
        String::new()
    };
    if decimals {
        format!("{sign}{symbol}{}.{:02}{suffix}", cents / 100, cents % 100)
    } else {
        format!("{sign}{symbol}{}{suffix}", cents / 100)
    }
}

/// The string under `key`, or an empty one.
pub(crate) fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    array(value, key)
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_is_parsed_exactly_and_formatted_by_currency() {
        assert_eq!(cents(&json!("298.00")), Some(29_800));
        assert_eq!(cents(&json!("19.5")), Some(1_950));
        assert_eq!(cents(&json!(7)), Some(700));
        assert_eq!(cents(&json!("-0.05")), Some(-5));
        assert_eq!(cents(&json!("x")), None);
        assert_eq!(format_money(29_800, "USD"), "$298.00");
        assert_eq!(format_money(120_000, "JPY"), "¥1200");
        assert_eq!(format_money(5, "CHF"), "0.05 CHF");
    }

    #[test]
    fn stock_limits_only_tracked_deny_variants() {
        let tracked = json!({"id": "gid://shopify/ProductVariant/1", "inventoryPolicy": "DENY",
            "inventoryItem": {"tracked": true}, "inventory": {"a": 2, "b": 1}});
        assert_eq!(variant(&tracked).unwrap().sellable, 3);
        let oversell = json!({"id": "gid://shopify/ProductVariant/2", "inventoryPolicy": "CONTINUE",
            "inventory": {"a": 0}});
        assert_eq!(variant(&oversell).unwrap().sellable, MAX_QUANTITY);
    }
}
