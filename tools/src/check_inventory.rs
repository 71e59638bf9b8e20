//! `check_inventory`: stock of a product or one of its variants, per location where the shop shows
//! it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::product_named;
use crate::io::{Inventory, VariantStock};
use crate::store::{LiveVariant, StoreApi};
use crate::variants::{matching, variant_words_in};
use crate::{Tool, ToolError, TurnContext};

pub struct CheckInventory;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInventoryArgs {
    pub product: String,
    /// Words of a variant's title or options ("M / Olive", "size 10 brown").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Tool for CheckInventory {
    const NAME: &'static str = "check_inventory";
    const DESCRIPTION: &'static str = "Whether a product (or one of its variants) is in stock, per location where the shop shows it.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = CheckInventoryArgs;
    type Output = Inventory;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "product": {"type": "string"},
                "variant": {"type": "string", "description": "e.g. a size or colour"}
            },
            "required": ["product"],
            "additionalProperties": false
        })
    }

    async fn run(
        args: CheckInventoryArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<Inventory, ToolError> {
        let product = product_named(store, &args.product).await?;
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
            product.variants.iter().collect()
        };
        let settings = store.settings().await?;
        let mut stock = if settings.show_inventory_locations {
            let ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
            store.stock(&ids).await?
        } else {
            Default::default()
        };
        let variants = variants
            .into_iter()
            .map(|v| VariantStock {
                id: v.id.clone(),
                title: v.title.clone(),
                available: v.available,
                locations: stock.remove(&v.id).unwrap_or_default(),
            })
            .collect();
        Ok(Inventory {
            product: product.card(),
            variant_matched,
            variants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context, product};
    use crate::io::LocationStock;
    use crate::store::ToolSettings;

    #[tokio::test]
    async fn the_asked_variant_with_its_stock_per_location() {
        let jacket = product(
            "Harbor Field Jacket",
            &[&["M", "Olive"], &["M", "Tobacco"], &["L", "Olive"]],
        );
        let olive_m = jacket.variants[0].id.clone();
        let mut store = FakeStore::with_products(vec![jacket]);
        let portland = vec![LocationStock {
            location: "Portland".into(),
            available: 3,
        }];
        store.stock.insert(olive_m.clone(), portland.clone());
        let check = |variant: &str| CheckInventoryArgs {
            product: "Harbor Field Jacket".into(),
            variant: Some(variant.into()),
        };

        let inventory = CheckInventory::run(check("medium olive"), &context(None, false), &store)
            .await
            .unwrap();
        assert!(inventory.variant_matched);
        assert_eq!(inventory.variants.len(), 1);
        assert_eq!(inventory.variants[0].id, olive_m);
        assert_eq!(inventory.variants[0].locations, portland);

        // No such variant: every variant, and says so.
        let inventory = CheckInventory::run(check("purple"), &context(None, false), &store)
            .await
            .unwrap();
        assert!(!inventory.variant_matched);
        assert_eq!(inventory.variants.len(), 3);

        // A shop that shows no locations is not asked for them.
        store.settings = ToolSettings {
            show_inventory_locations: false,
            ..ToolSettings::default()
        };
        let before = store.calls().iter().filter(|c| **c == "stock").count();
        let inventory = CheckInventory::run(check("M olive"), &context(None, false), &store)
            .await
            .unwrap();
        assert!(inventory.variants[0].locations.is_empty());
        assert_eq!(
            store.calls().iter().filter(|c| **c == "stock").count(),
            before
        );
    }
}
