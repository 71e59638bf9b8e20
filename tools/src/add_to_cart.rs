//! `add_to_cart`: the one write: an offer to add a variant to the shopper's cart, which the widget
//! makes after asking. The engine lets it through only when the shopper's own message asked for it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::io::CartAction;
use crate::{Risk, Tool};

pub struct AddToCart;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddToCartArgs {
    /// A variant id (`gid://shopify/ProductVariant/…` or its digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// A product title or handle, with variant words ("Deckhand Tee M White").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

impl Tool for AddToCart {
    const NAME: &'static str = "add_to_cart";
    const DESCRIPTION: &'static str =
        "Offer to add a product variant to the shopper's cart (the shopper's browser does it).";
    const RISK: Risk = Risk::Write;
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = AddToCartArgs;
    type Output = CartAction;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "variant_id": {"type": "string"},
                "product": {"type": "string"},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 20}
            },
            "additionalProperties": false
        })
    }
}
