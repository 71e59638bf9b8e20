//! [`SimConfig::local_storefront`](crate::SimConfig): store data names a primary domain and an
//! image CDN of its own (the demo store: `https://harborandpine.example` and
//! `https://cdn.harborandpine.example`), which resolve nowhere offline, so every product card
//! and "Source:" link the app builds from the Admin API would be broken. Once the simulator
//! knows its address, this rewrites the store so those URLs lead to its storefront instead.
//! It is done once, on the data, rather than at every read: the Admin API, bulk files and
//! webhook payloads all read the same records, so they all agree without knowing about it.

use serde_json::{Value, json};

use super::catalog::{picture_path, text};
use crate::store::{Store, policy_handle};

/// Points every shop's URLs at this simulator's storefront (`base_url` without a trailing
/// slash): the primary domain becomes `{base_url}/{shop}`, so what the Admin API derives from
/// it (`Product.onlineStoreUrl`, `Shop.url`, `ShopPolicy.url`) is a storefront page; and each
/// product picture becomes the storefront's placeholder for it, the same URL the theme shows.
/// Shops and pictures added after the start are kept as given.
pub(crate) fn point_urls_at_storefront(store: &mut Store, base_url: &str) {
    let base_url = base_url.trim_end_matches('/');
    let host = base_url.split("://").nth(1).unwrap_or(base_url);
    for shop in store.shops_mut() {
        let domain = shop.domain.clone();
        let primary = format!("{base_url}/{domain}");
        if let Some(record) = shop.shop.as_object_mut() {
            let domain_id = record
                .get("primaryDomain")
                .and_then(|d| d.get("id"))
                .cloned()
                .unwrap_or(Value::Null);
            record.insert(
                "primaryDomain".into(),
                json!({
                    "id": domain_id, "url": primary, "host": host,
                    "sslEnabled": base_url.starts_with("https://"),
                }),
            );
            record.insert("url".into(), json!(primary));
            if record.contains_key("primaryDomainUrl") {
                record.insert("primaryDomainUrl".into(), json!(primary));
            }
        }
        for policy in &mut shop.policies {
            let url = format!("{primary}/policies/{}", policy_handle(policy));
            policy["url"] = json!(url);
        }
        for product in &mut shop.products {
            let handle = text(product, "handle");
            let title = text(product, "title");
            let Some(images) = product.get_mut("images").and_then(Value::as_array_mut) else {
                continue;
            };
            for (n, image) in images.iter_mut().enumerate() {
                let Some(image) = image.as_object_mut() else {
                    continue;
                };
                let url = json!(format!(
                    "{base_url}{}",
                    picture_path(&domain, &handle, &title, n)
                ));
                // `src` is the REST-era name some fixtures still write; keep both in step.
                if image.contains_key("src") {
                    image.insert("src".into(), url.clone());
                }
                image.insert("url".into(), url);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_domain_policies_and_pictures_point_at_the_storefront() {
        let mut store = Store::from_json(
            "s.myshopify.com",
            json!({
                "shop": {"primaryDomainUrl": "https://s.example"},
                "products": [{"title": "Blue Mug", "handle": "blue-mug",
                    "images": [{"url": "https://cdn.s.example/a.jpg"}, {"src": "https://cdn.s.example/b.jpg"}]}],
                "policies": [{"type": "TERMS_OF_SERVICE", "body": "x",
                    "url": "https://s.example/policies/terms-of-service"}]
            }),
        )
        .unwrap();
        point_urls_at_storefront(&mut store, "http://127.0.0.1:9/");
        let shop = store.shop("s.myshopify.com").unwrap();
        let primary = "http://127.0.0.1:9/s.myshopify.com";
        assert_eq!(shop.primary_url(), primary);
        assert_eq!(shop.shop()["primaryDomain"]["host"], "127.0.0.1:9");
        assert_eq!(shop.shop()["primaryDomain"]["sslEnabled"], false);
        assert_eq!(shop.shop()["url"], primary);
        assert_eq!(
            shop.policies[0]["url"],
            format!("{primary}/policies/terms-of-service")
        );
        let images = &shop.products()[0]["images"];
        let version = super::super::catalog::picture_version("Blue Mug");
        assert_eq!(
            images[0]["url"],
            format!("{primary}/cdn/shop/products/blue-mug-1.svg?v={version}")
        );
        assert_eq!(images[1]["src"], images[1]["url"]);
        assert!(
            images[1]["url"]
                .as_str()
                .unwrap()
                .contains("blue-mug-2.svg")
        );
    }
}
