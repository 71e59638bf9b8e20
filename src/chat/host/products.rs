//! The catalog tools: `search_products`, `get_product`, `check_inventory`, `add_to_cart`.
//!
//! The search index finds candidates (it is minutes behind at worst); the Admin API then says
//! what is true now: status, price, availability. A product that is not active (a draft, an
//! archived product) is treated as not existing, whatever the index says.

use std::collections::HashSet;

use serde_json::Value;
use tools::io::{
    AddToCartArgs, CartAction, CheckInventoryArgs, GetProductArgs, Inventory, ProductDetail,
    ProductsFound, SearchProductsArgs, VariantStock,
};

use super::live::{LiveProduct, LiveVariant, amount};
use super::variants::{matching, variant_words_in};
use super::{StoreTools, ToolError, as_gid, json};
use crate::chat::settings::ShopSettings;
use crate::knowledge::{Mode, SearchRequest};

/// Product cards a search returns.
const SHOWN: usize = 5;
/// Candidates read live for them (some may have changed since they were indexed).
const CANDIDATES: usize = 6;
/// Chunks asked of the index for them (a product may have several).
const CHUNKS: usize = 30;
/// Most units one cart action may add.
const MAX_QUANTITY: u32 = 20;
/// Variant titles listed when the shopper must choose.
const CHOICES: usize = 12;

impl StoreTools {
    pub(super) async fn search_products(
        &self,
        args: SearchProductsArgs,
    ) -> Result<Value, ToolError> {
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::Invalid(
                "query is empty: say what the shopper wants".into(),
            ));
        }
        let (min, max) = (args.min_price, args.max_price);
        if min.is_some_and(|p| !p.is_finite() || p < 0.0)
            || max.is_some_and(|p| !p.is_finite() || p < 0.0)
        {
            return Err(ToolError::Invalid("prices must be positive numbers".into()));
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(ToolError::Invalid("min_price is above max_price".into()));
        }
        let in_stock = args.in_stock == Some(true);
        let mut request = SearchRequest::new(query, Mode::Hybrid, CHUNKS);
        request.snippets = false;
        request.filters.kinds = vec!["product".into()];
        request.filters.price_min = min;
        request.filters.price_max = max;
        request.filters.in_stock = in_stock.then_some(true);
        let hits = self
            .state
            .knowledge
            .search(self.shop_id(), &request)
            .await?;
        let mut seen = HashSet::new();
        let ids: Vec<String> = hits
            .into_iter()
            .map(|h| h.external_id)
            .filter(|id| seen.insert(id.clone()))
            .take(CANDIDATES)
            .collect();
        // The index's prices and stock may be stale: the filters apply again on live data.
        let in_range = |v: &LiveVariant| {
            let price = amount(&v.price);
            min.is_none_or(|m| price >= m)
                && max.is_none_or(|m| price <= m)
                && (!in_stock || v.available_for_sale)
        };
        let products = self
            .products_live(&ids)
            .await?
            .into_iter()
            .filter(|p| p.variants.nodes.iter().any(in_range))
            .take(SHOWN)
            .map(|p| p.card(&self.context.shop))
            .collect();
        json(&ProductsFound { products })
    }

    pub(super) async fn get_product(&self, args: GetProductArgs) -> Result<Value, ToolError> {
        let product = self.product_named(&args.product).await?;
        json(&ProductDetail {
            card: product.card(&self.context.shop),
            description: product.description.trim().to_owned(),
            vendor: product.vendor.clone().filter(|v| !v.is_empty()),
            product_type: product.product_type.clone().filter(|t| !t.is_empty()),
            options: product.options(),
            variants: product.variants(),
        })
    }

    pub(super) async fn check_inventory(
        &self,
        args: CheckInventoryArgs,
    ) -> Result<Value, ToolError> {
        let product = self.product_named(&args.product).await?;
        let wanted = args
            .variant
            .as_deref()
            .map(|v| variant_words_in(&product, v))
            .unwrap_or_default();
        let matched = matching(&product, &wanted);
        let variant_matched = !matched.is_empty();
        let variants: Vec<&LiveVariant> = if variant_matched {
            matched
        } else {
            product.variants.nodes.iter().collect()
        };
        let settings = ShopSettings::load(&self.state.db, self.shop_id()).await?;
        let mut stock = if settings.show_inventory_locations {
            let ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
            self.stock_by_location(&ids).await?
        } else {
            Default::default()
        };
        let variants = variants
            .into_iter()
            .map(|v| VariantStock {
                id: v.id.clone(),
                title: v.title.clone(),
                available: v.available_for_sale,
                locations: stock.remove(&v.id).unwrap_or_default(),
            })
            .collect();
        json(&Inventory {
            product: product.card(&self.context.shop),
            variant_matched,
            variants,
        })
    }

    pub(super) async fn add_to_cart(&self, args: AddToCartArgs) -> Result<Value, ToolError> {
        let quantity = args.quantity.unwrap_or(1);
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(ToolError::Invalid(format!(
                "quantity must be between 1 and {MAX_QUANTITY}"
            )));
        }
        let (product, variant_id) = match (args.variant_id.as_deref(), args.product.as_deref()) {
            (Some(id), _) => {
                let not_found =
                    || ToolError::NotFound(format!("no product variant has the id {id}"));
                let id = as_gid("ProductVariant", id).ok_or_else(not_found)?;
                let product_id = self.product_of_variant(&id).await?.ok_or_else(not_found)?;
                let product = self
                    .product_live(&product_id)
                    .await?
                    .ok_or_else(not_found)?;
                (product, id)
            }
            (None, Some(words)) => {
                let product = self.product_named(words).await?;
                let id = chosen_variant(&product, words)?.id.clone();
                (product, id)
            }
            (None, None) => {
                return Err(ToolError::Invalid(
                    "give variant_id, or product with the variant's words (\"Deckhand Tee M White\")"
                        .into(),
                ));
            }
        };
        let variant = product
            .variants
            .nodes
            .iter()
            .find(|v| v.id == variant_id)
            .ok_or_else(|| {
                ToolError::NotFound(format!("no product variant has the id {variant_id}"))
            })?;
        if !variant.available_for_sale {
            return Err(ToolError::NotFound(format!(
                "{} ({}) is sold out; offer another variant or product",
                product.title, variant.title
            )));
        }
        let numeric = super::gid_digits(&variant.id)
            .unwrap_or_default()
            .to_owned();
        json(&CartAction {
            variant_id: numeric,
            quantity,
            product_title: product.title.clone(),
            variant_title: if product.has_only_default_variant() {
                String::new()
            } else {
                variant.title.clone()
            },
            price: amount(&variant.price),
            currency: product.currency().to_owned(),
            available: variant.available_for_sale,
        })
    }

    /// The live, active product `text` names (see [`StoreTools::resolve`]).
    async fn product_named(&self, text: &str) -> Result<LiveProduct, ToolError> {
        let not_found = || {
            ToolError::NotFound(format!(
                "no product matches \"{}\"; search_products can find it by description",
                text.trim()
            ))
        };
        let id = self.resolve(text).await?.ok_or_else(not_found)?;
        self.product_live(&id).await?.ok_or_else(not_found)
    }

    /// The product gid `text` names: a product or variant gid; else the product whose handle is
    /// `text`; else whose title is `text`; else whose title `text` contains (the longest), or
    /// whose title contains `text` (the shortest); else the best search hit.
    async fn resolve(&self, text: &str) -> Result<Option<String>, ToolError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ToolError::Invalid(
                "product is empty: give a title or handle".into(),
            ));
        }
        // Ids from earlier results: a product's, or one of its variants'.
        if text.starts_with("gid://") {
            if let Some(id) = as_gid("Product", text) {
                return Ok(Some(id));
            }
            if let Some(id) = as_gid("ProductVariant", text) {
                return self.product_of_variant(&id).await;
            }
        }
        let phrase = plain_words(text);
        let handle = text.to_lowercase();
        let slug = phrase.replace(' ', "-");
        // Titles are compared as their words, so punctuation and case do not matter.
        let candidates: Vec<(String, Option<String>, String)> = sqlx::query!(
            r#"WITH products AS (
                 SELECT external_id, fields ->> 'handle' AS handle,
                        trim(regexp_replace(lower(title), '[^[:alnum:].]+', ' ', 'g')) AS title
                 FROM documents WHERE shop_id = $1 AND kind = 'product'
             )
             SELECT external_id AS "external_id!", handle, title AS "title!" FROM products
             WHERE handle = $2 OR handle = $3 OR title = $4
                OR strpos(' ' || $4 || ' ', ' ' || title || ' ') > 0
                OR strpos(' ' || title || ' ', ' ' || $4 || ' ') > 0
             LIMIT 200"#,
            self.shop_id(),
            handle,
            slug,
            phrase,
        )
        .fetch_all(&self.state.db)
        .await?
        .into_iter()
        .map(|r| (r.external_id, r.handle, r.title))
        .collect();
        let by_handle = candidates.iter().find(|(_, h, _)| {
            h.as_deref() == Some(handle.as_str()) || h.as_deref() == Some(slug.as_str())
        });
        let by_title = candidates.iter().find(|(_, _, t)| *t == phrase);
        let title_in_text = candidates
            .iter()
            .filter(|(_, _, t)| !t.is_empty() && format!(" {phrase} ").contains(&format!(" {t} ")))
            .max_by_key(|(_, _, t)| t.len());
        let text_in_title = candidates
            .iter()
            .filter(|(_, _, t)| format!(" {t} ").contains(&format!(" {phrase} ")))
            .min_by_key(|(_, _, t)| t.len());
        if let Some((id, _, _)) = by_handle.or(by_title).or(title_in_text).or(text_in_title) {
            return Ok(Some(id.clone()));
        }
        let mut request = SearchRequest::new(text, Mode::Hybrid, 5);
        request.snippets = false;
        request.filters.kinds = vec!["product".into()];
        let hits = self
            .state
            .knowledge
            .search(self.shop_id(), &request)
            .await?;
        Ok(hits.into_iter().next().map(|h| h.external_id))
    }
}

/// `text` lowercased, as words separated by single spaces: what the SQL in
/// [`StoreTools::resolve`] makes of a title.
fn plain_words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one variant `asked` (a product's name with variant words) means.
fn chosen_variant<'a>(product: &'a LiveProduct, asked: &str) -> Result<&'a LiveVariant, ToolError> {
    if let [only] = product.variants.nodes.as_slice() {
        return Ok(only);
    }
    let wanted = variant_words_in(product, asked);
    match matching(product, &wanted).as_slice() {
        [one] => Ok(one),
        [] => Err(ToolError::Invalid(format!(
            "which variant of {}? ask the shopper to choose: {}",
            product.title,
            choices(product.variants.nodes.iter())
        ))),
        several => Err(ToolError::Invalid(format!(
            "several variants of {} match; ask the shopper to choose: {}",
            product.title,
            choices(several.iter().copied())
        ))),
    }
}

fn choices<'a>(variants: impl Iterator<Item = &'a LiveVariant>) -> String {
    let mut listed: Vec<String> = variants
        .take(CHOICES + 1)
        .map(|v| {
            let sold_out = if v.available_for_sale {
                ""
            } else {
                " (sold out)"
            };
            format!("{}{sold_out}", v.title)
        })
        .collect();
    if listed.len() > CHOICES {
        listed.truncate(CHOICES);
        listed.push("…".into());
    }
    listed.join(", ")
}
