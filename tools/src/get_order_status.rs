//! `get_order_status`: one of the shopper's own orders; who may see which order is
//! [`order_access`](crate::order_access)'s rule.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::OrderStatus;

pub struct GetOrderStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetOrderStatusArgs {
    /// As the shopper wrote it: "#1001", "1001".
    pub order_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Tool for GetOrderStatus {
    const NAME: &'static str = "get_order_status";
    const DESCRIPTION: &'static str = "Status, tracking and items of one of the shopper's own orders. A shopper who is not logged in must give the order's email.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = GetOrderStatusArgs;
    type Output = OrderStatus;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "order_number": {"type": "string", "description": "e.g. #1001"},
                "email": {"type": "string", "description": "the email the order was placed with"}
            },
            "required": ["order_number"],
            "additionalProperties": false
        })
    }
}
