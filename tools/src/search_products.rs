//! `search_products`: finds products in the catalog: the search index picks candidates, the Admin
//! API says their live price and availability.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::ProductsFound;

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
}
