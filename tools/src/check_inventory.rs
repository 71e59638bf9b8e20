//! `check_inventory`: stock of a product or one of its variants, per location where the shop shows
//! it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::Inventory;

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
}
