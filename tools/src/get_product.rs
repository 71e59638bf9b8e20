//! `get_product`: live details of one product, found by title or handle.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::product_named;
use crate::io::ProductDetail;
use crate::store::StoreApi;
use crate::{Shown, Tool, ToolError, TurnContext};

pub struct GetProduct;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetProductArgs {
    /// A title, a handle, or words of either.
    pub product: String,
}

impl Tool for GetProduct {
    const NAME: &'static str = "get_product";
    const DESCRIPTION: &'static str =
        "Live details of one product: variants, prices, options, availability.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = GetProductArgs;
    type Output = ProductDetail;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {"product": {"type": "string", "description": "title or handle"}},
            "required": ["product"],
            "additionalProperties": false
        })
    }

    async fn run(
        args: GetProductArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<ProductDetail, ToolError> {
        let product = product_named(store, &args.product).await?;
        Ok(ProductDetail {
            card: product.card(),
            description: product.description.trim().to_owned(),
            vendor: product.vendor.clone().filter(|v| !v.is_empty()),
            product_type: product.product_type.clone().filter(|t| !t.is_empty()),
            options: product.choosable_options(),
            variants: product.variant_views(),
        })
    }

    fn shown(output: &ProductDetail) -> Shown {
        Shown::Products(vec![output.card.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context, product};

    async fn get(store: &FakeStore, name: &str) -> Result<ProductDetail, ToolError> {
        let args = GetProductArgs {
            product: name.into(),
        };
        GetProduct::run(args, &context(None, false), store).await
    }

    #[tokio::test]
    async fn a_product_is_found_by_handle_title_words_or_id() {
        let mut jacket = product("Harbor Waxed Canvas Field Jacket", &[&["M", "Olive"]]);
        jacket.description = "  Waxed cotton, lined.  ".into();
        jacket.vendor = Some(String::new());
        let store = FakeStore::with_products(vec![
            product("Harbor Flannel Shirt", &[&["M", "Red Plaid"]]),
            jacket.clone(),
        ]);
        for name in [
            "harbor-waxed-canvas-field-jacket",
            "Harbor Waxed Canvas Field Jacket",
            "the harbor waxed canvas field jacket in olive",
            "waxed canvas field",
            jacket.id.as_str(),
            jacket.variants[0].id.as_str(),
        ] {
            let detail = get(&store, name).await.unwrap();
            assert_eq!(detail.card.id, jacket.id, "{name}");
        }
        let detail = get(&store, "harbor waxed canvas field jacket")
            .await
            .unwrap();
        assert_eq!(detail.description, "Waxed cotton, lined.");
        assert_eq!(detail.vendor, None);
        assert_eq!(detail.variants[0].title, "M / Olive");
        assert_eq!(
            GetProduct::shown(&detail),
            Shown::Products(vec![detail.card.clone()])
        );
        // Nothing by name: the best search hit.
        assert_eq!(get(&store, "field coat").await.unwrap().card.id, jacket.id);
    }

    #[tokio::test]
    async fn a_typed_name_beats_kind_words_and_the_plainest_title_wins() {
        let women = product("Women's Summit Leather Hiking Boot", &[&["7"]]);
        let men = product("Summit Leather Hiking Boot", &[&["10"]]);
        let crew = product("Lighthouse Merino Crew Base Layer", &[&["M"]]);
        let daypack = product("Harbor 28L Daypack", &[&["One size"]]);
        let store = FakeStore::with_products(vec![
            women.clone(),
            men.clone(),
            daypack.clone(),
            crew.clone(),
        ]);
        // "Summit Stiefel": the name, in no title whole; nothing said of women's.
        assert_eq!(get(&store, "Summit Stiefel").await.unwrap().card.id, men.id);
        assert_eq!(
            get(&store, "women's summit boot").await.unwrap().card.id,
            women.id
        );
        // "la maglia Lighthouse … per lo zaino": the name, not the kind words added to it.
        let found = get(&store, "Lighthouse backpack pack daypack")
            .await
            .unwrap();
        assert_eq!(found.card.id, crew.id);
    }

    #[tokio::test]
    async fn a_sentence_for_a_name_costs_a_few_look_ups() {
        let boot = product("Summit Leather Hiking Boot", &[&["10"]]);
        let store = FakeStore::with_products(vec![boot.clone()]);
        // A model passing a whole paragraph: six words are looked up, then the search.
        let words: Vec<String> = (0..2_000).map(|i| format!("leather{i}")).collect();
        let long = format!("Summit {}", words.join(" "));
        assert_eq!(get(&store, &long).await.unwrap().card.id, boot.id);
        let look_ups = store
            .calls()
            .iter()
            .filter(|c| **c == "products_named")
            .count();
        assert!(look_ups <= 7, "{look_ups} look-ups");
    }

    #[tokio::test]
    async fn an_unknown_or_inactive_product_is_not_found() {
        let mut draft = product("Secret Prototype Boot", &[&["10"]]);
        draft.active = false;
        let store = FakeStore::with_products(vec![draft.clone()]);
        for name in [
            "Nimbus Rain Poncho",
            "Secret Prototype Boot",
            draft.id.as_str(),
        ] {
            let error = get(&store, name).await.unwrap_err();
            assert_eq!(
                error,
                ToolError::NotFound(format!(
                    "no product matches \"{name}\"; search_products can find it by description"
                )),
            );
        }
        assert!(matches!(
            get(&store, "  ").await,
            Err(ToolError::Invalid(_))
        ));
    }
}
