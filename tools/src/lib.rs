//! The assistant's tools: what the model may call, with JSON schemas, risk levels and
//! timeouts, and the rules that keep a shopper's private data theirs.
//!
//! A tool never takes the shop or the shopper from its arguments: both come in a [`Shopper`]
//! built from the verified request (app proxy signature, visitor token). The model can ask
//! for any order number; [`order_access`] decides, from that verified identity alone (or
//! an order number proved with the order's email), whether it may see the order.

pub mod io;
pub mod orders;

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

pub use orders::{Access, OrderFacts, order_access};

/// Whether a tool's effect stays inside the conversation (`Read`: look-ups, and a handoff,
/// which only moves the conversation to the shop's agents), or reaches the shopper's cart,
/// orders or the store (`Write`). No prompt, however crafted, may trigger a write the
/// shopper did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Read,
    Write,
}

/// A tool as the model sees it (name, description, parameters) and as we run it.
#[derive(Debug, Clone, Serialize)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON schema of the arguments.
    pub parameters: Value,
    pub risk: Risk,
    #[serde(skip)]
    pub timeout: Duration,
}

/// Who is asking, from verified sources only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shopper {
    pub shop_id: i64,
    /// The Shopify customer id the app proxy's signature vouched for (logged in).
    pub customer_id: Option<String>,
    /// Failed order-number-and-email proofs so far in this conversation.
    pub verification_failures: u32,
}

pub const SEARCH_PRODUCTS: &str = "search_products";
pub const GET_PRODUCT: &str = "get_product";
pub const CHECK_INVENTORY: &str = "check_inventory";
pub const GET_ORDER_STATUS: &str = "get_order_status";
pub const SEARCH_KNOWLEDGE: &str = "search_knowledge";
pub const ADD_TO_CART: &str = "add_to_cart";
pub const HANDOFF_TO_HUMAN: &str = "handoff_to_human";

/// Every tool, in the order the model is shown them.
pub fn specs() -> Vec<ToolSpec> {
    let read = |name, description, parameters, secs| ToolSpec {
        name,
        description,
        parameters,
        risk: Risk::Read,
        timeout: Duration::from_secs(secs),
    };
    vec![
        read(
            SEARCH_PRODUCTS,
            "Find products in this store's catalog, with live price and availability.",
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
            }),
            8,
        ),
        read(
            GET_PRODUCT,
            "Live details of one product: variants, prices, options, availability.",
            json!({
                "type": "object",
                "properties": {"product": {"type": "string", "description": "title or handle"}},
                "required": ["product"],
                "additionalProperties": false
            }),
            5,
        ),
        read(
            CHECK_INVENTORY,
            "Whether a product (or one of its variants) is in stock, per location where the shop shows it.",
            json!({
                "type": "object",
                "properties": {
                    "product": {"type": "string"},
                    "variant": {"type": "string", "description": "e.g. a size or colour"}
                },
                "required": ["product"],
                "additionalProperties": false
            }),
            5,
        ),
        read(
            GET_ORDER_STATUS,
            "Status, tracking and items of one of the shopper's own orders. A shopper who is not logged in must give the order's email.",
            json!({
                "type": "object",
                "properties": {
                    "order_number": {"type": "string", "description": "e.g. #1001"},
                    "email": {"type": "string", "description": "the email the order was placed with"}
                },
                "required": ["order_number"],
                "additionalProperties": false
            }),
            5,
        ),
        read(
            SEARCH_KNOWLEDGE,
            "Search the store's policies, help pages, FAQ and articles; answers cite what this returns.",
            json!({
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
                "additionalProperties": false
            }),
            5,
        ),
        ToolSpec {
            name: ADD_TO_CART,
            description: "Offer to add a product variant to the shopper's cart (the shopper's browser does it).",
            parameters: json!({
                "type": "object",
                "properties": {
                    "variant_id": {"type": "string"},
                    "product": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 20}
                },
                "additionalProperties": false
            }),
            risk: Risk::Write,
            timeout: Duration::from_secs(5),
        },
        ToolSpec {
            name: HANDOFF_TO_HUMAN,
            description: "Hand the conversation to the shop's support team.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "reason": {"type": "string"},
                    "email": {"type": "string", "description": "for a reply outside business hours"}
                },
                "required": ["reason"],
                "additionalProperties": false
            }),
            risk: Risk::Read,
            timeout: Duration::from_secs(5),
        },
    ]
}

/// The spec of a tool by name.
pub fn spec(name: &str) -> Option<ToolSpec> {
    specs().into_iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_an_object_schema_and_a_unique_name() {
        let specs = specs();
        let names: std::collections::HashSet<_> = specs.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), specs.len());
        for spec in &specs {
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
            assert_eq!(
                spec.parameters["additionalProperties"], false,
                "{}",
                spec.name
            );
            assert!(spec.timeout > Duration::ZERO);
        }
        assert_eq!(spec(ADD_TO_CART).map(|s| s.risk), Some(Risk::Write));
        assert_eq!(spec(GET_ORDER_STATUS).map(|s| s.risk), Some(Risk::Read));
        assert!(spec("delete_everything").is_none());
    }
}
