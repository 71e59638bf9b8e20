//! The storefront page a shopper writes from, as the widget reports it with each message: on a
//! product page, what "this" means. The browser says it, so it only ever selects public catalog
//! data, looked up in the shop's own index; it never says who anyone is.

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use llm::PageNote;

/// Longest page URL kept.
const MAX_URL_CHARS: usize = 2_048;
/// Longest template name (`product`, `collection.summer`, `page.contact`, ...).
const MAX_TEMPLATE_CHARS: usize = 64;

/// What the widget says of the page (ids as the theme prints them: numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<u64>,
}

impl Page {
    /// Why the page cannot be kept, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        let template_ok = self.template.as_deref().is_none_or(|t| {
            !t.is_empty()
                && t.len() <= MAX_TEMPLATE_CHARS
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
        });
        if !template_ok {
            return Some("page.template must be a theme template name");
        }
        let url_ok = self.url.as_deref().is_none_or(|u| {
            u.chars().count() <= MAX_URL_CHARS
                && !u.chars().any(char::is_control)
                && (u.starts_with('/') || u.starts_with("https://") || u.starts_with("http://"))
        });
        if !url_ok {
            return Some("page.url must be a path or an http(s) URL of at most 2048 characters");
        }
        None
    }

    /// What the model is told about the page: the product by its title in the shop's catalog
    /// (an id the catalog does not know is left out).
    pub async fn note(&self, db: &PgPool, shop_id: i64) -> Result<PageNote, sqlx::Error> {
        let product_id = self
            .product_id
            .map(|id| format!("gid://shopify/Product/{id}"));
        let product = match &product_id {
            Some(gid) => {
                sqlx::query_scalar!(
                    "SELECT title FROM documents
                 WHERE shop_id = $1 AND kind = 'product' AND external_id = $2",
                    shop_id,
                    gid,
                )
                .fetch_optional(db)
                .await?
            }
            None => None,
        };
        Ok(PageNote {
            template: self.template.clone(),
            product_id: product.as_ref().and(product_id),
            variant_id: product
                .as_ref()
                .and(self.variant_id)
                .map(|id| format!("gid://shopify/ProductVariant/{id}")),
            product,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_templates_and_urls_are_kept() {
        let page = |template: &str, url: &str| Page {
            template: Some(template.into()),
            url: Some(url.into()),
            ..Page::default()
        };
        assert_eq!(page("product", "/products/squall").problem(), None);
        assert_eq!(
            page("collection.summer", "https://shop.example/c/x").problem(),
            None
        );
        assert!(page("product\"><script>", "/p").problem().is_some());
        assert!(page("product", "javascript:alert(1)").problem().is_some());
        assert!(page("product", "/p\u{0}").problem().is_some());
        assert!(page("", "/p").problem().is_some());
        assert!(
            page("product", &format!("/{}", "a".repeat(3000)))
                .problem()
                .is_some()
        );
    }
}
