//! `compare_products`: two or three named products side by side ("Squall or Ridgeline, which
//! is lighter?"), each as `get_product` shows it, so the answer can set the asked attribute of
//! one beside the other's.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::get_product::GetProductArgs;
use crate::io::ProductDetail;
use crate::store::StoreApi;
use crate::{GetProduct, Shown, Tool, ToolError, TurnContext};

/// The most products compared at once.
const MAX_PRODUCTS: usize = 3;

pub struct CompareProducts;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareProductsArgs {
    /// Titles, handles or words of either, two or three.
    pub products: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub products: Vec<ProductDetail>,
}

impl Tool for CompareProducts {
    const NAME: &'static str = "compare_products";
    const DESCRIPTION: &'static str = "Live details of two or three products side by side, to compare weight, price, materials, warmth and the like.";
    const TIMEOUT: Duration = Duration::from_secs(8);
    type Args = CompareProductsArgs;
    type Output = Comparison;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "products": {
                    "type": "array",
                    "items": {"type": "string", "description": "title or handle"},
                    "minItems": 2,
                    "maxItems": MAX_PRODUCTS
                }
            },
            "required": ["products"],
            "additionalProperties": false
        })
    }

    async fn run(
        args: CompareProductsArgs,
        context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<Comparison, ToolError> {
        if !(2..=MAX_PRODUCTS).contains(&args.products.len()) {
            return Err(ToolError::Invalid(format!(
                "products should name 2 to {MAX_PRODUCTS} products"
            )));
        }
        let mut products: Vec<ProductDetail> = Vec::with_capacity(args.products.len());
        for name in args.products {
            let detail = GetProduct::run(GetProductArgs { product: name }, context, store).await?;
            if !products.iter().any(|p| p.card.id == detail.card.id) {
                products.push(detail);
            }
        }
        Ok(Comparison { products })
    }

    fn shown(output: &Comparison) -> Shown {
        Shown::Products(output.products.iter().map(|p| p.card.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context, product};

    #[tokio::test]
    async fn two_named_products_come_back_side_by_side() {
        let store = FakeStore::with_products(vec![
            product("Squall Rain Shell", &[&["M"]]),
            product("Ridgeline Down Jacket", &[&["M"]]),
        ]);
        let anonymous = context(None, false);
        let compare = |names: &[&str]| {
            CompareProducts::run(
                CompareProductsArgs {
                    products: names.iter().map(|n| (*n).to_owned()).collect(),
                },
                &anonymous,
                &store,
            )
        };
        let found = compare(&["squall", "ridgeline"]).await.unwrap();
        let titles: Vec<&str> = found
            .products
            .iter()
            .map(|p| p.card.title.as_str())
            .collect();
        assert_eq!(titles, ["Squall Rain Shell", "Ridgeline Down Jacket"]);
        assert!(matches!(
            compare(&["squall"]).await,
            Err(ToolError::Invalid(_))
        ));
        assert!(matches!(
            compare(&["squall", "nimbus poncho"]).await,
            Err(ToolError::NotFound(_))
        ));
    }
}
