//! `search_products`: finds products in the catalog: the search index picks candidates, the Admin
//! API says their live price and availability.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::io::ProductsFound;
use crate::store::{CatalogQuery, LiveVariant, StoreApi};
use crate::{Shown, Tool, ToolError, TurnContext};

/// Product cards a search returns.
const SHOWN: usize = 5;
/// Candidates read live for them (some may have changed since they were indexed).
const CANDIDATES: usize = 6;
/// Passages asked of the index for them (a product may have several).
const CHUNKS: usize = 30;

pub struct SearchProducts;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchProductsArgs {
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_stock: Option<bool>,
}

impl Tool for SearchProducts {
    const NAME: &'static str = "search_products";
    const DESCRIPTION: &'static str =
        "Find products in this store's catalog, with live price and availability.";
    const TIMEOUT: Duration = Duration::from_secs(8);
    type Args = SearchProductsArgs;
    type Output = ProductsFound;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "what the shopper is looking for"},
                "min_price": {"type": "number"},
                "max_price": {"type": "number"},
                "in_stock": {"type": "boolean", "description": "only products available now"}
            },
            "required": ["query"],
            "additionalProperties": false
        })
    }

    async fn run(
        args: SearchProductsArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<ProductsFound, ToolError> {
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
        let hits = store
            .search_catalog(&CatalogQuery {
                text: query.to_owned(),
                limit: CHUNKS,
                price_min: min,
                price_max: max,
                in_stock,
            })
            .await?;
        let mut seen = HashSet::new();
        let ids: Vec<String> = hits
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .take(CANDIDATES)
            .collect();
        // The index's prices and stock may be stale: the filters apply again on live data.
        let in_range = |v: &LiveVariant| {
            min.is_none_or(|m| v.price >= m)
                && max.is_none_or(|m| v.price <= m)
                && (!in_stock || v.available)
        };
        let products = store
            .products(&ids)
            .await?
            .into_iter()
            .filter(|p| p.active && p.variants.iter().any(in_range))
            .take(SHOWN)
            .map(|p| p.card())
            .collect();
        Ok(ProductsFound { products })
    }

    fn shown(output: &ProductsFound) -> Shown {
        Shown::Products(output.products.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context, product};

    async fn search(
        store: &FakeStore,
        args: SearchProductsArgs,
    ) -> Result<ProductsFound, ToolError> {
        SearchProducts::run(args, &context(None, false), store).await
    }

    fn query(text: &str) -> SearchProductsArgs {
        SearchProductsArgs {
            query: text.into(),
            ..SearchProductsArgs::default()
        }
    }

    #[tokio::test]
    async fn cards_come_from_live_data_once_each() {
        let mut cheap = product("Camp Mug", &[&["Pine"], &["Red"]]);
        cheap.variants[1].available = false;
        let mut dear = product("Camp Table", &[&["Oak"]]);
        dear.variants[0].price = 150.0;
        dear.price_min = 150.0;
        dear.price_max = 150.0;
        let mut draft = product("Camp Stove", &[&["Steel"]]);
        draft.active = false;
        let store = FakeStore::with_products(vec![cheap.clone(), dear.clone(), draft]);

        let found = search(&store, query("camp gear")).await.unwrap();
        let ids: Vec<&str> = found.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [cheap.id.as_str(), dear.id.as_str()],
            "one card per product, no draft"
        );
        assert_eq!(
            SearchProducts::shown(&found),
            Shown::Products(found.products.clone())
        );

        let under_100 = SearchProductsArgs {
            max_price: Some(100.0),
            ..query("camp")
        };
        let found = search(&store, under_100).await.unwrap();
        assert_eq!(found.products.len(), 1);
        assert_eq!(found.products[0].id, cheap.id);

        let none = search(&store, query("poncho")).await.unwrap();
        assert!(none.products.is_empty());
    }

    #[tokio::test]
    async fn unusable_queries_say_why() {
        let store = FakeStore::default();
        for args in [
            query(" "),
            SearchProductsArgs {
                min_price: Some(-1.0),
                ..query("mug")
            },
            SearchProductsArgs {
                min_price: Some(50.0),
                max_price: Some(10.0),
                ..query("mug")
            },
        ] {
            assert!(matches!(
                search(&store, args).await,
                Err(ToolError::Invalid(_))
            ));
        }
        assert!(store.calls().is_empty());
    }
}
