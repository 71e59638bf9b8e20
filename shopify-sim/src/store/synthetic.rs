//! Generated catalogs for load tests: any number of plausible products (names, vendors,
//! option matrices, prices, stock at two locations, images, collections), deterministic for
//! a given size so failures reproduce, and fast enough to build 10,000 products in a test.

use serde_json::{Value, json};

use super::{gid, normalize::slug};
use crate::rng::SplitMix64;

const ADJECTIVES: [&str; 12] = [
    "Alpine",
    "Harbor",
    "Coastal",
    "Summit",
    "Timber",
    "Granite",
    "Canyon",
    "Prairie",
    "Glacier",
    "Redwood",
    "Meadow",
    "Driftwood",
];
const MATERIALS: [&str; 10] = [
    "Merino",
    "Waxed Canvas",
    "Down",
    "Fleece",
    "Linen",
    "Leather",
    "Organic Cotton",
    "Ripstop",
    "Wool",
    "Hemp",
];
/// (noun, product type, base price in dollars, sized?)
const KINDS: [(&str, &str, u32, bool); 12] = [
    ("Jacket", "Jackets", 180, true),
    ("Hoodie", "Sweatshirts", 78, true),
    ("Beanie", "Hats", 28, false),
    ("Boot", "Footwear", 165, true),
    ("Backpack", "Packs", 120, false),
    ("Mug", "Camp Kitchen", 18, false),
    ("Blanket", "Home", 95, false),
    ("Tee", "Shirts", 32, true),
    ("Sock", "Socks", 16, true),
    ("Vest", "Jackets", 110, true),
    ("Tote", "Bags", 45, false),
    ("Lantern", "Camp Gear", 55, false),
];
const VENDORS: [&str; 5] = [
    "Harbor & Pine",
    "Northbound Goods",
    "Fieldcraft",
    "Tidewater Co.",
    "Stone & Ember",
];
const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];
const COLORS: [&str; 6] = ["Navy", "Olive", "Rust", "Charcoal", "Sand", "Forest"];

/// Store JSON (demo-store shape) for a shop with `n` generated products.
pub(super) fn shop_json(domain: &str, n: usize) -> Value {
    let locations = [gid("Location", 1), gid("Location", 2)];
    let mut rng = SplitMix64::new(0x5eed_0000 ^ n as u64);
    let mut next_variant = 1u64;
    let products: Vec<Value> = (0..n)
        .map(|i| product(i, &mut rng, &mut next_variant, &locations))
        .collect();
    let collections: Vec<Value> = KINDS
        .iter()
        .map(|(_, kind, _, _)| *kind)
        .fold(Vec::<&str>::new(), |mut seen, kind| {
            if !seen.contains(&kind) {
                seen.push(kind);
            }
            seen
        })
        .into_iter()
        .enumerate()
        .map(|(i, kind)| json!({ "id": gid("Collection", i as u64 + 1), "title": kind, "handle": slug(kind) }))
        .collect();
    // `json!` copies interpolated values; the big lists are moved in afterwards.
    let mut root = json!({
        "shop": {
            "name": "Synthetic Outfitters",
            "myshopifyDomain": domain,
            "currencyCode": "USD",
            "primaryDomainUrl": format!("https://{}", domain.replace(".myshopify.com", ".example")),
        },
        "locations": [
            { "id": locations[0], "name": "Main Warehouse" },
            { "id": locations[1], "name": "Downtown Store" },
        ],
    });
    root["collections"] = Value::Array(collections);
    root["products"] = Value::Array(products);
    root
}

fn product(
    i: usize,
    rng: &mut SplitMix64,
    next_variant: &mut u64,
    locations: &[String; 2],
) -> Value {
    let (noun, kind, base, sized) = KINDS[rng.below(KINDS.len())];
    let adjective = ADJECTIVES[rng.below(ADJECTIVES.len())];
    let material = MATERIALS[rng.below(MATERIALS.len())];
    let vendor = VENDORS[rng.below(VENDORS.len())];
    let title = format!("{adjective} {material} {noun}");
    let id = i as u64 + 1;
    let handle = format!("{}-{id}", slug(&title));
    let status = match rng.below(100) {
        0..=89 => "ACTIVE",
        90..=96 => "DRAFT",
        _ => "ARCHIVED",
    };
    let price_cents = u64::from(base) * 100 + rng.below(40) as u64 * 100 - 1;
    let on_sale = rng.below(5) == 0;
    let colors: Vec<&str> = COLORS
        .iter()
        .copied()
        .skip(rng.below(3))
        .take(1 + rng.below(3))
        .collect();
    let sizes: &[&str] = if sized { &SIZES[1..5] } else { &[] };
    let mut options = Vec::new();
    if !sizes.is_empty() {
        options.push(json!({ "name": "Size", "values": sizes }));
    }
    if colors.len() > 1 || sizes.is_empty() {
        options.push(json!({ "name": "Color", "values": colors }));
    }
    let combos: Vec<Vec<(&str, &str)>> = match (sizes.is_empty(), colors.len() > 1) {
        (true, _) => colors.iter().map(|c| vec![("Color", *c)]).collect(),
        (false, false) => sizes.iter().map(|s| vec![("Size", *s)]).collect(),
        (false, true) => sizes
            .iter()
            .flat_map(|s| {
                colors
                    .iter()
                    .map(move |c| vec![("Size", *s), ("Color", *c)])
            })
            .collect(),
    };
    let variants: Vec<Value> = combos
        .into_iter()
        .map(|combo| {
            let n = *next_variant;
            *next_variant += 1;
            let code: String = combo
                .iter()
                .map(|(_, v)| v.chars().take(3).collect::<String>().to_uppercase())
                .collect::<Vec<_>>()
                .join("-");
            json!({
                "id": gid("ProductVariant", n),
                "title": combo.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(" / "),
                "sku": format!("SYN-{id:05}-{code}"),
                "barcode": format!("8{:011}", n),
                "price": format!("{}.{:02}", price_cents / 100, price_cents % 100),
                "compareAtPrice": on_sale.then(|| format!("{}.99", price_cents / 100 + 20)),
                "selectedOptions": combo.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
                "inventoryPolicy": if rng.below(10) == 0 { "CONTINUE" } else { "DENY" },
                "inventory": { locations[0].as_str(): rng.below(40), locations[1].as_str(): rng.below(8) },
                "inventoryItem": { "id": gid("InventoryItem", n), "tracked": true, "weightGrams": 100 + rng.below(1500) },
            })
        })
        .collect();
    let images: Vec<Value> = (0..1 + rng.below(3))
        .map(|k| {
            json!({
                "url": format!("https://cdn.example/products/{handle}-{}.jpg", k + 1),
                "altText": format!("{title}, view {}", k + 1),
            })
        })
        .collect();
    let day = 1 + (i % 28);
    let month = 1 + (i / 28) % 12;
    let mut product = json!({
        "id": gid("Product", id),
        "title": title,
        "handle": handle,
        "descriptionHtml": format!(
            "<p>The {title} by {vendor}: {material}, built for daily use and long trips alike. \
             Care: see label, \"repair, don't replace\".</p>"
        ),
        "vendor": vendor,
        "productType": kind,
        "tags": [slug(kind), slug(material), if on_sale { "sale" } else { "core" }],
        "status": status,
        "createdAt": format!("2025-{month:02}-{day:02}T12:00:00Z"),
        "updatedAt": format!("2026-{month:02}-{day:02}T12:00:00Z"),
        "collections": [slug(kind)],
    });
    product["options"] = Value::Array(options);
    product["images"] = Value::Array(images);
    product["variants"] = Value::Array(variants);
    product
}
