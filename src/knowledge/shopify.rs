//! The Shopify connectors: the catalog (bulk operation, then one product at a time from
//! webhooks) and the content (pages, blog articles, policies) as documents.
//!
//! A product is read back from the Admin API rather than from the webhook payload, so the
//! index always holds what Shopify holds now, whatever order deliveries arrive in. Only
//! active products are indexed: a draft or archived product is deleted from the index.

use chrono::{DateTime, Utc};
use connectors::{Document, SourceKind, StructuredFields, html};
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::shopify::ShopDomain;
use crate::shopify::admin::queries::{
    ContentArticles, ContentPages, InventoryItemProduct, ProductForIndex, ShopPolicies,
    content_articles, content_pages, inventory_item_product, product_for_index,
};
use crate::shopify::admin::{AdminClient, AdminError};

/// The catalog, as one bulk query: the same fields as `ProductForIndex`.
pub const CATALOG_BULK_QUERY: &str = r#"{
  products(query: "status:active") {
    edges { node {
      id title handle descriptionHtml productType vendor tags status updatedAt onlineStoreUrl
      options { name values }
      featuredImage { url }
      priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
      collections { edges { node { id title } } }
      variants { edges { node { id title price availableForSale } } }
    } }
  }
}"#;

/// Items per page when paging through content.
const PAGE: i64 = 50;

/// A product (with its variants and collections as `children`, as a bulk result stitches
/// them) as a document; `None` unless the product is active.
pub fn product_document(
    shop: &ShopDomain,
    product: &Map<String, Value>,
    children: &[Map<String, Value>],
) -> Option<Document> {
    let text = |key: &str| product.get(key).and_then(Value::as_str).unwrap_or_default();
    if text("status") != "ACTIVE" {
        return None;
    }
    let money = |path: &str| {
        product
            .get("priceRangeV2")
            .and_then(|r| r.pointer(path))
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<f64>().ok())
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let handle = text("handle");
    let options = product
        .get("options")
        .and_then(Value::as_array)
        .map(|options| {
            options
                .iter()
                .filter_map(|o| {
                    let name = o.get("name")?.as_str()?.to_owned();
                    let values = strings(o.get("values"));
                    // Shopify's placeholder option on single-variant products says nothing.
                    (name != "Title" || values != ["Default Title"]).then_some((name, values))
                })
                .collect()
        })
        .unwrap_or_default();
    let variants: Vec<&Map<String, Value>> = of_type(children, "ProductVariant").collect();
    let fields = StructuredFields {
        price_min: money("/minVariantPrice/amount"),
        price_max: money("/maxVariantPrice/amount"),
        currency: product
            .get("priceRangeV2")
            .and_then(|r| r.pointer("/minVariantPrice/currencyCode"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        available: Some(
            variants
                .iter()
                .any(|v| v.get("availableForSale").and_then(Value::as_bool) == Some(true)),
        ),
        options,
        tags: strings(product.get("tags")),
        vendor: Some(text("vendor").to_owned()).filter(|s| !s.is_empty()),
        product_type: Some(text("productType").to_owned()).filter(|s| !s.is_empty()),
        handle: Some(handle.to_owned()).filter(|s| !s.is_empty()),
        image: product
            .get("featuredImage")
            .and_then(|i| i.get("url"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        collections: of_type(children, "Collection")
            .filter_map(|c| c.get("title").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        variant_count: Some(variants.len()),
    };
    let url = product
        .get("onlineStoreUrl")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://{}/products/{handle}", shop.as_str()));
    Some(Document {
        source_kind: SourceKind::Product,
        external_id: text("id").to_owned(),
        url: Some(url),
        title: text("title").to_owned(),
        blocks: html::fragment_blocks(text("descriptionHtml")),
        fields,
        updated_at: timestamp(product.get("updatedAt")),
    })
}

/// The children whose gid names `kind`.
fn of_type<'a>(
    children: &'a [Map<String, Value>],
    kind: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    let prefix = format!("gid://shopify/{kind}/");
    children.iter().filter(move |c| {
        c.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.starts_with(&prefix))
    })
}

fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    value
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The product as Shopify holds it now: `Ok(None)` when it is gone or not active.
pub async fn fetch_product(
    admin: &AdminClient,
    shop: &ShopDomain,
    token: &SecretString,
    id: &str,
) -> Result<Option<Document>, AdminError> {
    let data = admin
        .query::<ProductForIndex>(
            shop,
            token,
            product_for_index::Variables { id: id.to_owned() },
        )
        .await?;
    let Some(product) = data.product else {
        return Ok(None);
    };
    let Ok(Value::Object(mut object)) = serde_json::to_value(&product) else {
        return Err(AdminError::Decode("product did not serialise".into()));
    };
    // Reshape the connections into bulk-style children, so one function reads both.
    let mut children = Vec::new();
    for key in ["variants", "collections"] {
        if let Some(Value::Object(mut connection)) = object.remove(key)
            && let Some(Value::Array(nodes)) = connection.remove("nodes")
        {
            children.extend(nodes.into_iter().filter_map(|n| match n {
                Value::Object(map) => Some(map),
                _ => None,
            }));
        }
    }
    Ok(product_document(shop, &object, &children))
}

/// The product an inventory item belongs to.
pub async fn product_of_inventory_item(
    admin: &AdminClient,
    shop: &ShopDomain,
    token: &SecretString,
    item: &str,
) -> Result<Option<String>, AdminError> {
    let data = admin
        .query::<InventoryItemProduct>(
            shop,
            token,
            inventory_item_product::Variables {
                id: item.to_owned(),
            },
        )
        .await?;
    Ok(data
        .inventory_item
        .and_then(|i| i.variants)
        .and_then(|v| v.nodes.into_iter().next())
        .map(|v| v.product.id))
}

/// Every published page and article, and every policy, as documents.
pub async fn content_documents(
    admin: &AdminClient,
    shop: &ShopDomain,
    token: &SecretString,
) -> Result<Vec<Document>, AdminError> {
    // Pages and articles have no URL field: they live on the storefront's primary domain.
    let mut base = format!("https://{}", shop.as_str());
    let mut documents = Vec::new();
    let mut after = None;
    loop {
        let data = admin
            .query::<ContentPages>(shop, token, content_pages::Variables { first: PAGE, after })
            .await?;
        base = data
            .shop
            .primary_domain
            .url
            .trim_end_matches('/')
            .to_owned();
        for page in data.pages.nodes.into_iter().filter(|p| p.is_published) {
            documents.push(Document {
                source_kind: SourceKind::Page,
                external_id: page.id,
                url: Some(format!("{base}/pages/{}", page.handle)),
                blocks: html::fragment_blocks(&page.body),
                title: page.title,
                fields: StructuredFields::default(),
                updated_at: timestamp(Some(&Value::String(page.updated_at))),
            });
        }
        if !data.pages.page_info.has_next_page {
            break;
        }
        after = data.pages.page_info.end_cursor;
    }
    let mut after = None;
    loop {
        let data = admin
            .query::<ContentArticles>(
                shop,
                token,
                content_articles::Variables { first: PAGE, after },
            )
            .await?;
        for article in data.articles.nodes.into_iter().filter(|a| a.is_published) {
            documents.push(Document {
                source_kind: SourceKind::Article,
                external_id: article.id,
                url: Some(format!(
                    "{base}/blogs/{}/{}",
                    article.blog.handle, article.handle
                )),
                blocks: html::fragment_blocks(&article.body),
                title: article.title,
                fields: StructuredFields {
                    tags: article.tags,
                    ..StructuredFields::default()
                },
                updated_at: article
                    .updated_at
                    .and_then(|t| timestamp(Some(&Value::String(t)))),
            });
        }
        if !data.articles.page_info.has_next_page {
            break;
        }
        after = data.articles.page_info.end_cursor;
    }
    let policies = admin
        .query::<ShopPolicies>(
            shop,
            token,
            crate::shopify::admin::queries::shop_policies::Variables {},
        )
        .await?;
    for policy in policies.shop.shop_policies {
        let blocks = html::fragment_blocks(&policy.body);
        if blocks.is_empty() {
            continue;
        }
        documents.push(Document {
            source_kind: SourceKind::Policy,
            external_id: format!("policy:{:?}", policy.type_),
            url: Some(policy.url),
            title: policy.title,
            blocks,
            fields: StructuredFields::default(),
            updated_at: None,
        });
    }
    Ok(documents)
}
