//! What the catalog tools share: which product a shopper's words name, and a product as its
//! card, details and variants.
//!
//! The search index finds candidates (it is minutes behind at worst); Shopify then says what
//! is true now: status, price, availability. A product that is not active (a draft, an
//! archived product) is treated as not existing, whatever the index says.

use crate::call::ToolError;
use crate::gid::as_gid;
use crate::io::{ProductCard, ProductOption, Variant};
use crate::store::{CatalogQuery, LiveProduct, LiveVariant, ProductName, StoreApi};
use crate::text::summary;
use std::collections::HashMap;

/// Characters of a card's summary.
const SUMMARY_CHARS: usize = 240;

/// The product with this id, if it exists and is active.
pub async fn live_product(
    store: &dyn StoreApi,
    id: &str,
) -> Result<Option<LiveProduct>, ToolError> {
    Ok(store.product(id).await?.filter(|p| p.active))
}

/// The live, active product `text` names (see [`resolve`]).
pub async fn product_named(store: &dyn StoreApi, text: &str) -> Result<LiveProduct, ToolError> {
    let not_found = || {
        ToolError::NotFound(format!(
            "no product matches \"{}\"; search_products can find it by description",
            text.trim()
        ))
    };
    let id = resolve(store, text).await?.ok_or_else(not_found)?;
    live_product(store, &id).await?.ok_or_else(not_found)
}

/// The product id `text` names: a product or variant gid; else the product whose handle is
/// `text`; else whose title is `text`; else whose title `text` contains (the longest), or
/// whose title contains `text` (the shortest); else the best search hit.
async fn resolve(store: &dyn StoreApi, text: &str) -> Result<Option<String>, ToolError> {
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
            return Ok(store.product_of_variant(&id).await?);
        }
    }
    let name = product_name(text);
    let ProductName {
        handle,
        slug,
        phrase,
    } = &name;
    // Titles are compared as their words, so punctuation and case do not matter.
    let candidates = store.products_named(&name).await?;
    let by_handle = candidates.iter().find(|c| {
        c.handle.as_deref() == Some(handle.as_str()) || c.handle.as_deref() == Some(slug.as_str())
    });
    let by_title = candidates.iter().find(|c| c.title == *phrase);
    let title_in_text = candidates
        .iter()
        .filter(|c| {
            !c.title.is_empty() && format!(" {phrase} ").contains(&format!(" {} ", c.title))
        })
        .max_by_key(|c| c.title.len());
    let text_in_title = candidates
        .iter()
        .filter(|c| format!(" {} ", c.title).contains(&format!(" {phrase} ")))
        .min_by_key(|c| c.title.len());
    if let Some(found) = by_handle.or(by_title).or(title_in_text).or(text_in_title) {
        return Ok(Some(found.id.clone()));
    }
    if let Some(id) = by_words(store, text).await? {
        return Ok(Some(id));
    }
    let hits = store
        .search_catalog(&CatalogQuery {
            text: text.to_owned(),
            limit: 5,
            ..CatalogQuery::default()
        })
        .await?;
    Ok(hits.into_iter().next())
}

/// "Summit Stiefel", "Lighthouse backpack pack": no title holds the whole phrase, so the
/// titles holding its words, a typed name (capitalised) counting twice; of the best, the
/// shortest title ("Summit Leather Hiking Boot" before "Women's Summit Leather Hiking Boot",
/// as the shopper said nothing of women's). `None` below a name or two plain words.
async fn by_words(store: &dyn StoreApi, text: &str) -> Result<Option<String>, ToolError> {
    let mut scores: HashMap<String, (usize, usize)> = HashMap::new();
    let mut seen = Vec::new();
    for typed in text.split(|c: char| !(c.is_alphanumeric() || c == '.')) {
        let word = plain_words(typed);
        if word.chars().count() < 4 || word.contains(' ') || seen.contains(&word) {
            continue;
        }
        // A model may pass a sentence: the first few words are the name.
        if seen.len() == NAME_WORDS {
            break;
        }
        seen.push(word.clone());
        let weight = if typed.starts_with(|c: char| c.is_uppercase()) {
            2
        } else {
            1
        };
        let candidates = store.products_named(&product_name(&word)).await?;
        for candidate in candidates {
            if format!(" {} ", candidate.title).contains(&format!(" {word} ")) {
                let entry = scores
                    .entry(candidate.id)
                    .or_insert((0, candidate.title.len()));
                entry.0 += weight;
            }
        }
    }
    Ok(scores
        .into_iter()
        .filter(|(_, (score, _))| *score >= 2)
        .max_by(|(a_id, a), (b_id, b)| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(b_id.cmp(a_id)))
        .map(|(id, _)| id))
}

/// The words of a name looked up one by one, at most.
const NAME_WORDS: usize = 6;

/// `text` as the index compares names: lowercased (a handle), its words joined by hyphens (a
/// slug), and its words (a phrase).
fn product_name(text: &str) -> ProductName {
    let phrase = plain_words(text);
    ProductName {
        handle: text.to_lowercase(),
        slug: phrase.replace(' ', "-"),
        phrase,
    }
}

/// `text` lowercased, as words separated by single spaces: how
/// [`NamedProduct::title`](crate::store::NamedProduct::title) spells a title.
fn plain_words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl LiveProduct {
    pub fn available(&self) -> bool {
        self.variants.iter().any(|v| v.available)
    }

    /// Shopify's placeholder for a product without options says nothing to a shopper.
    pub fn has_only_default_variant(&self) -> bool {
        matches!(self.variants.as_slice(), [only] if only.title == "Default Title")
    }

    pub fn card(&self) -> ProductCard {
        ProductCard {
            id: self.id.clone(),
            title: self.title.clone(),
            handle: self.handle.clone(),
            url: self.url.clone(),
            image: self.image.clone(),
            price_min: self.price_min,
            price_max: self.price_max,
            currency: self.currency.clone(),
            available: self.available(),
            summary: summary(&self.description, SUMMARY_CHARS),
        }
    }

    /// The options a shopper chooses from (none for a product without options).
    pub fn choosable_options(&self) -> Vec<ProductOption> {
        self.options
            .iter()
            .filter(|o| !(o.name == "Title" && o.values == ["Default Title"]))
            .cloned()
            .collect()
    }

    pub fn variant_views(&self) -> Vec<Variant> {
        self.variants.iter().map(LiveVariant::view).collect()
    }
}

impl LiveVariant {
    pub fn view(&self) -> Variant {
        Variant {
            id: self.id.clone(),
            title: self.title.clone(),
            price: self.price,
            compare_at_price: self.compare_at_price,
            available: self.available,
            sku: self.sku.clone().filter(|s| !s.is_empty()),
        }
    }
}
