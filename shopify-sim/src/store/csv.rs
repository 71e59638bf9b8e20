//! Shopify's product-CSV import format, both ways: reading it seeds large catalogs (tests
//! load 10,000 products this way), writing it lets tests produce such files from a
//! generated store. One row per variant; rows that repeat the Handle with an empty Title
//! carry the product's further variants and images.

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use super::{ShopData, array, gid, normalize::slug, rest::inventory_quantity};

/// The columns written, in Shopify's order; reading accepts any order and extra columns.
const COLUMNS: [&str; 32] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Status",
];

/// Store JSON (demo-store shape) for a shop whose products come from a product CSV.
pub(super) fn shop_json(domain: &str, text: &str) -> anyhow::Result<Value> {
    let mut records = parse(text)?.into_iter();
    let header = records.next().context("the CSV is empty")?;
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let handle_col = col("Handle").context("the CSV has no Handle column")?;
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|c| col(c)).collect();
    let location = gid("Location", 1);

    let mut products: Vec<Value> = Vec::new();
    for (line, record) in records.enumerate() {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row = Row {
            record: &record,
            cols: &cols,
        };
        let handle = record.get(handle_col).map_or("", |h| h.trim());
        let title = row.get("Title");
        let same = products.last().is_some_and(|p| p["handle"] == handle);
        if !same || !title.is_empty() {
            if handle.is_empty() && title.is_empty() {
                bail!("row {} has neither Handle nor Title", line + 2);
            }
            products.push(new_product(&row, handle, title));
        }
        let Some(product) = products.last_mut() else {
            continue;
        };
        if !(row.get("Option1 Value").is_empty()
            && row.get("Variant SKU").is_empty()
            && row.get("Variant Price").is_empty())
        {
            add_variant(product, &row, &location);
        }
        if !row.get("Image Src").is_empty() {
            let image =
                json!({ "url": row.get("Image Src"), "altText": row.opt("Image Alt Text") });
            push(product, "images", image);
        }
    }
    // `json!` copies interpolated values; the catalog is moved in afterwards.
    let mut shop = json!({
        "shop": { "name": domain.split('.').next().unwrap_or(domain), "myshopifyDomain": domain },
        "locations": [{ "id": location, "name": "Shop location" }],
    });
    shop["products"] = Value::Array(products);
    Ok(shop)
}

struct Row<'r> {
    record: &'r [String],
    cols: &'r [Option<usize>],
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.cols.get(i).copied().flatten())
            .and_then(|i| self.record.get(i))
            .map_or("", |s| s.trim())
    }

    fn opt(&self, column: &str) -> Value {
        match self.get(column) {
            "" => Value::Null,
            s => json!(s),
        }
    }

    fn flag(&self, column: &str, default: bool) -> bool {
        match self.get(column).to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => default,
        }
    }
}

fn new_product(row: &Row<'_>, handle: &str, title: &str) -> Value {
    let handle = if handle.is_empty() {
        slug(title)
    } else {
        handle.to_owned()
    };
    let status = match row.get("Status").to_ascii_uppercase().as_str() {
        s @ ("ACTIVE" | "DRAFT" | "ARCHIVED") => s.to_owned(),
        _ if row.flag("Published", true) => "ACTIVE".to_owned(),
        _ => "DRAFT".to_owned(),
    };
    let options: Vec<Value> = (1..=3)
        .map(|i| row.get(&format!("Option{i} Name")).to_owned())
        .filter(|name| !name.is_empty() && name != "Title")
        .map(|name| json!({ "name": name, "values": [] }))
        .collect();
    json!({
        "title": if title.is_empty() { handle.clone() } else { title.to_owned() },
        "handle": handle,
        "descriptionHtml": row.get("Body (HTML)"),
        "vendor": row.get("Vendor"),
        "productType": row.get("Type"),
        "tags": row.get("Tags"),
        "status": status,
        "isGiftCard": row.flag("Gift Card", false),
        "seo": { "title": row.opt("SEO Title"), "description": row.opt("SEO Description") },
        "options": options,
        "images": [],
        "variants": [],
    })
}

fn add_variant(product: &mut Value, row: &Row<'_>, location: &str) {
    let names: Vec<String> = array(product, "options")
        .iter()
        .filter_map(|o| o.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut selected = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let value = row.get(match i {
            0 => "Option1 Value",
            1 => "Option2 Value",
            _ => "Option3 Value",
        });
        if value.is_empty() {
            continue;
        }
        selected.push(json!({ "name": name, "value": value }));
        if let Some(values) = product["options"][i]["values"].as_array_mut()
            && !values.iter().any(|v| v == value)
        {
            values.push(json!(value));
        }
    }
    if selected.is_empty() {
        selected.push(json!({ "name": "Title", "value": "Default Title" }));
    }
    let quantity: i64 = row.get("Variant Inventory Qty").parse().unwrap_or(0);
    let grams: f64 = row.get("Variant Grams").parse().unwrap_or(0.0);
    let variant = json!({
        "sku": row.opt("Variant SKU"),
        "barcode": row.opt("Variant Barcode"),
        "price": if row.get("Variant Price").is_empty() { "0.00" } else { row.get("Variant Price") },
        "compareAtPrice": row.opt("Variant Compare At Price"),
        "inventoryPolicy": if row.get("Variant Inventory Policy").is_empty() { "deny" } else { row.get("Variant Inventory Policy") },
        "taxable": row.flag("Variant Taxable", true),
        "selectedOptions": selected,
        "inventory": { location: quantity },
        "inventoryItem": {
            "tracked": row.get("Variant Inventory Tracker") == "shopify",
            "requiresShipping": row.flag("Variant Requires Shipping", true),
            "weightGrams": grams,
        },
    });
    push(product, "variants", variant);
}

fn push(product: &mut Value, key: &str, item: Value) {
    if let Some(list) = product.get_mut(key).and_then(Value::as_array_mut) {
        list.push(item);
    }
}

/// Splits CSV text into records: RFC 4180 quoting (commas, newlines and doubled quotes
/// inside quoted fields), CRLF or LF line ends.
pub(super) fn parse(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut line = 1;
    let mut quote_line = 0;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match (in_quotes, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => in_quotes = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => {
                in_quotes = true;
                quote_line = line;
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if in_quotes {
        bail!("unterminated quoted field starting on line {quote_line}");
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// The shop's catalog as a product CSV.
pub(super) fn write_products(shop: &ShopData) -> String {
    let mut out = String::new();
    write_row(&mut out, COLUMNS.iter().map(|c| c.to_string()));
    for p in &shop.products {
        let s = |v: &Value, key: &str| match v.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let tags = array(p, "tags")
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let images = array(p, "images");
        let options = array(p, "options");
        let rows = array(p, "variants").len().max(images.len());
        for i in 0..rows {
            let mut row = vec![String::new(); COLUMNS.len()];
            let mut set = |column: &str, value: String| {
                if let Some(at) = COLUMNS.iter().position(|c| *c == column) {
                    row[at] = value;
                }
            };
            set("Handle", s(p, "handle"));
            if i == 0 {
                set("Title", s(p, "title"));
                set("Body (HTML)", s(p, "descriptionHtml"));
                set("Vendor", s(p, "vendor"));
                set("Type", s(p, "productType"));
                set("Tags", tags.clone());
                set("Published", (p["status"] == "ACTIVE").to_string());
                set("Gift Card", s(p, "isGiftCard"));
                set(
                    "SEO Title",
                    p.get("seo").map(|seo| s(seo, "title")).unwrap_or_default(),
                );
                set(
                    "SEO Description",
                    p.get("seo")
                        .map(|seo| s(seo, "description"))
                        .unwrap_or_default(),
                );
                set("Status", s(p, "status").to_lowercase());
            }
            if let Some(v) = array(p, "variants").get(i) {
                let selected = array(v, "selectedOptions");
                for (n, label) in ["Option1", "Option2", "Option3"].iter().enumerate() {
                    if let Some(o) = selected.get(n) {
                        let name = options
                            .get(n)
                            .map_or_else(|| s(o, "name"), |o| s(o, "name"));
                        if i == 0 {
                            set(&format!("{label} Name"), name);
                        }
                        set(&format!("{label} Value"), s(o, "value"));
                    }
                }
                let item = v.get("inventoryItem").cloned().unwrap_or(Value::Null);
                let tracked = item.get("tracked").and_then(Value::as_bool).unwrap_or(true);
                set("Variant SKU", s(v, "sku"));
                set("Variant Grams", s(&item, "weightGrams"));
                set(
                    "Variant Inventory Tracker",
                    if tracked { "shopify" } else { "" }.into(),
                );
                set("Variant Inventory Qty", inventory_quantity(v).to_string());
                set(
                    "Variant Inventory Policy",
                    s(v, "inventoryPolicy").to_lowercase(),
                );
                set("Variant Fulfillment Service", "manual".into());
                set("Variant Price", s(v, "price"));
                set("Variant Compare At Price", s(v, "compareAtPrice"));
                set("Variant Requires Shipping", "true".into());
                set("Variant Taxable", s(v, "taxable"));
                set("Variant Barcode", s(v, "barcode"));
            }
            if let Some(img) = images.get(i) {
                set("Image Src", s(img, "url"));
                set("Image Position", (i + 1).to_string());
                set("Image Alt Text", s(img, "altText"));
            }
            write_row(&mut out, row.into_iter());
        }
    }
    out
}

fn write_row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_newlines_and_quotes() {
        let rows = parse("a,\"b, \"\"c\"\"\nd\",e\r\n1,2,3").unwrap();
        assert_eq!(
            rows,
            vec![vec!["a", "b, \"c\"\nd", "e"], vec!["1", "2", "3"]]
        );
        assert!(parse("a,\"open").is_err());
    }

    #[test]
    fn continuation_rows_add_variants_and_images() {
        let csv = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Variant Inventory Tracker,Image Src,Status\n\
                   mug,\"Mug, large\",Color,Blue,M-B,12.5,3,shopify,https://x/1.jpg,active\n\
                   mug,,,Red,M-R,13,0,shopify,https://x/2.jpg,\n\
                   mug,,,,,,,,https://x/3.jpg,\n";
        let json = shop_json("t.myshopify.com", csv).unwrap();
        let product = &json["products"][0];
        assert_eq!(json["products"].as_array().unwrap().len(), 1);
        assert_eq!(product["title"], "Mug, large");
        assert_eq!(product["variants"].as_array().unwrap().len(), 2);
        assert_eq!(product["images"].as_array().unwrap().len(), 3);
        assert_eq!(product["options"][0]["values"], json!(["Blue", "Red"]));
        assert_eq!(product["variants"][1]["selectedOptions"][0]["value"], "Red");
    }
}
