//! `get_product`: live details of one product, found by title or handle.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::ProductDetail;

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
}
