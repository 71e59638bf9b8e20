//! The product template: pictures, title, price, a variant picker and the add-to-cart form.
//! The picker is a `<select name="id">`, which works without JavaScript (the form posts to
//! `/cart/add` and lands on the cart); `?variant=ID` preselects a variant, as on Shopify.

use super::Shopper;
use super::catalog::{Product, Variant, format_money};
use super::pages::esc;

pub(crate) fn main(
    shopper: &Shopper,
    product: &Product,
    selected: &Variant,
    currency: &str,
) -> String {
    let media: String = product
        .image_alts
        .iter()
        .enumerate()
        .map(|(n, alt)| {
            // The first picture is the page's largest paint: load it first, the rest lazily.
            let loading = if n == 0 {
                r#"fetchpriority="high""#
            } else {
                r#"loading="lazy""#
            };
            format!(
                r#"<img src="{}" alt="{}" width="600" height="600" {loading}>"#,
                esc(&product.image_url(&shopper.shop, n)),
                esc(alt)
            )
        })
        .collect();
    let compare = selected
        .compare_at
        .filter(|c| *c > selected.price)
        .map(|c| format!("<s>{}</s>", format_money(c, currency)))
        .unwrap_or_default();
    let picker = if product.has_only_default_variant() {
        format!(r#"<input type="hidden" name="id" value="{}">"#, selected.id)
    } else {
        let options: String = product
            .variants
            .iter()
            .map(|v| {
                let chosen = if v.id == selected.id { " selected" } else { "" };
                let sold_out = if v.available() { "" } else { " — Sold out" };
                format!(
                    r#"<option value="{}"{chosen}>{} — {}{sold_out}</option>"#,
                    v.id,
                    esc(&v.title),
                    format_money(v.price, currency)
                )
            })
            .collect();
        format!(
            r#"<div><label for="product-variant">{}</label><select id="product-variant" name="id">{options}</select></div>"#,
            esc(&product.option_names.join(" / "))
        )
    };
    let (availability, class) = if selected.available() {
        ("In stock", "availability")
    } else {
        ("Sold out", "availability availability--out")
    };
    let button = if product.available() {
        r#"<button type="submit" name="add">Add to cart</button>"#
    } else {
        r#"<button type="submit" name="add" disabled>Sold out</button>"#
    };
    format!(
        r#"<div class="page-width product">
<div class="product__media">{media}</div>
<div class="product__info">
<p class="product__vendor">{vendor}</p>
<h1>{title}</h1>
<p class="price">{price}{compare}</p>
<form action="{add}" method="post" class="product-form" id="product-form-{id}">
{picker}
<div class="product-form__quantity"><label for="quantity">Quantity</label><input id="quantity" type="number" name="quantity" value="1" min="1"></div>
<p class="{class}">{availability}</p>
{button}
</form>
<div class="rte">{description}</div>
</div>
</div>"#,
        vendor = esc(&product.vendor),
        title = esc(&product.title),
        price = format_money(selected.price, currency),
        add = esc(&shopper.url("/cart/add")),
        id = product.id,
        description = product.description_html,
    )
}
