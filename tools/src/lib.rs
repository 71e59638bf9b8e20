//! The assistant's tools: what the model may call, with JSON schemas, risk levels and
//! timeouts, what each one does, and the rules that keep a shopper's private data theirs.
//!
//! A tool never takes the shop or the shopper from its arguments: both come in the
//! [`TurnContext`] the chat engine builds from the verified request (app proxy signature,
//! visitor token). The model can ask for any order number; [`order_access`] decides, from that
//! verified identity alone (or an order number proved with the order's email), whether it may
//! see the order; and [`wants_cart`] decides, from the shopper's own words alone (pasted
//! instructions cut out by [`guard`]), whether `add_to_cart` may run. Both rules live here so
//! that every model, hosted or local, is held to them by the engine.
//!
//! Each tool is declared in its own file as a [`Tool`], whose [`run`](Tool::run) decides and
//! composes its typed output over a [`StoreApi`] (data access only: the app's adapter over
//! Shopify and PostgreSQL, or a fake in memory in this crate's tests); [`specs`] registers
//! them, and [`ToolSpec::call`] runs any of them from the model's JSON.

mod add_to_cart;
mod call;
pub mod cart;
mod catalog;
mod check_inventory;
mod compare_products;
mod excerpt;
mod get_order_status;
mod get_product;
pub mod gid;
pub mod guard;
mod handoff_to_human;
pub mod io;
mod list_recent_orders;
pub mod orders;
pub mod relevance;
mod search_knowledge;
mod search_products;
pub mod store;
pub mod text;
mod variants;

#[cfg(test)]
mod fake;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use add_to_cart::AddToCart;
pub use call::{CallFuture, Ran, Shown, Source, ToolError};
pub use cart::wants_cart;
pub use check_inventory::CheckInventory;
pub use compare_products::{CompareProducts, Comparison};
pub use get_order_status::GetOrderStatus;
pub use get_product::GetProduct;
pub use handoff_to_human::HandoffToHuman;
pub use list_recent_orders::{ListRecentOrders, RecentOrders};
pub use orders::{Access, CodeCheck, OrderFacts, order_access};
pub use search_knowledge::{KINDS as KNOWLEDGE_KINDS, SearchKnowledge};
pub use search_products::SearchProducts;
pub use store::{StoreApi, StoreError, StoreFuture};

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
    /// The arguments read as the tool's `Args` and written back: how the tests prove the
    /// hand-written schema and the type agree.
    #[serde(skip)]
    round_trip: fn(Value) -> Result<Value, serde_json::Error>,
    /// [`Tool::run`] from the model's JSON (see [`ToolSpec::call`]).
    #[serde(skip)]
    caller: call::Caller,
}

impl ToolSpec {
    /// `arguments` as the tool's `Args` type reads them (unknown fields refused), written
    /// back as JSON.
    pub fn read_args(&self, arguments: Value) -> Result<Value, serde_json::Error> {
        (self.round_trip)(arguments)
    }
}

/// One tool, declared in one file: what the model is told about it, how risky it is, the
/// types it takes and returns, and what it does. The hand-written
/// [`parameters`](Tool::parameters) schema is checked against `Args` by this crate's tests
/// (schemars would reword the descriptions the model reads).
pub trait Tool: Sized + 'static {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    /// A [`Risk::Write`] tool is refused, before its arguments are even read, unless the
    /// shopper's own message asked for it ([`TurnContext::write_allowed`]).
    const RISK: Risk = Risk::Read;
    const TIMEOUT: Duration;
    /// What the model writes (unknown fields refused).
    type Args: DeserializeOwned + Serialize + Send;
    /// What the tool answers, serialised as the JSON the model reads.
    type Output: DeserializeOwned + Serialize + Send;

    /// JSON schema of [`Args`](Tool::Args).
    fn parameters() -> Value;

    /// Answers `args` for the shopper in `context`, reading and recording only through `store`.
    /// An error is what the model reads (see [`ToolError`]).
    fn run(
        args: Self::Args,
        context: &TurnContext,
        store: &dyn StoreApi,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;

    /// What the shopper is shown of `output` besides the answer's text: nothing, unless the
    /// tool says so.
    fn shown(_output: &Self::Output) -> Shown {
        Shown::Nothing
    }

    fn spec() -> ToolSpec {
        ToolSpec {
            name: Self::NAME,
            description: Self::DESCRIPTION,
            parameters: Self::parameters(),
            risk: Self::RISK,
            timeout: Self::TIMEOUT,
            round_trip: |value| {
                serde_json::from_value::<Self::Args>(value).and_then(serde_json::to_value)
            },
            caller: call::call::<Self>,
        }
    }
}

/// Who is asking and what they may do, for one turn. Built by the chat engine from verified
/// sources only (the app proxy's signature, the visitor token, the conversation row, the
/// shopper's own message); nothing the model writes can change it, and the tools' argument
/// types have no field for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnContext {
    pub shopper: Shopper,
    /// Whether the shopper's own message asked for a cart action ([`wants_cart`]): without
    /// it, `add_to_cart` refuses whatever the model was talked into.
    pub write_allowed: bool,
}

/// Who is asking, from verified sources only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shopper {
    pub shop_id: i64,
    /// The Shopify customer id the app proxy's signature vouched for (logged in).
    pub customer_id: Option<String>,
    /// Failed order-number-and-email proofs the engine last saw in this conversation (the order
    /// tool reads the current count from the store).
    pub verification_failures: u32,
}

pub const SEARCH_PRODUCTS: &str = SearchProducts::NAME;
pub const GET_PRODUCT: &str = GetProduct::NAME;
pub const CHECK_INVENTORY: &str = CheckInventory::NAME;
pub const GET_ORDER_STATUS: &str = GetOrderStatus::NAME;
pub const SEARCH_KNOWLEDGE: &str = SearchKnowledge::NAME;
pub const ADD_TO_CART: &str = AddToCart::NAME;
pub const HANDOFF_TO_HUMAN: &str = HandoffToHuman::NAME;
pub const LIST_RECENT_ORDERS: &str = ListRecentOrders::NAME;
pub const COMPARE_PRODUCTS: &str = CompareProducts::NAME;

/// Every tool, in the order the model is shown them: where a tool is registered.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        SearchProducts::spec(),
        GetProduct::spec(),
        CheckInventory::spec(),
        GetOrderStatus::spec(),
        ListRecentOrders::spec(),
        CompareProducts::spec(),
        SearchKnowledge::spec(),
        AddToCart::spec(),
        HandoffToHuman::spec(),
    ]
}

/// The spec of a tool by name.
pub fn spec(name: &str) -> Option<ToolSpec> {
    specs().into_iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    /// A value of the JSON type a schema property declares.
    fn sample(property: &Value) -> Value {
        match property["type"].as_str() {
            Some("string") => json!("x"),
            Some("number") => json!(1.5),
            Some("integer") => json!(1),
            Some("boolean") => json!(true),
            Some("array") => json!([sample(&property["items"]), sample(&property["items"])]),
            other => panic!("no sample for {other:?}"),
        }
    }

    /// Every schema property is a field of the tool's `Args` of the declared type and back,
    /// every field is in the schema, and exactly the `required` ones cannot be left out.
    #[test]
    fn every_schema_agrees_with_its_argument_type() {
        for spec in specs() {
            let properties = spec.parameters["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{}: no properties", spec.name));
            let full: serde_json::Map<String, Value> = properties
                .iter()
                .map(|(name, property)| (name.clone(), sample(property)))
                .collect();
            let back = spec
                .read_args(Value::Object(full.clone()))
                .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            assert_eq!(back, Value::Object(full.clone()), "{}", spec.name);
            let mut unknown = full.clone();
            unknown.insert("not_in_schema".into(), json!("x"));
            assert!(
                spec.read_args(Value::Object(unknown)).is_err(),
                "{}: unknown fields are refused",
                spec.name
            );
            let required: Vec<&str> = spec.parameters["required"]
                .as_array()
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for name in properties.keys() {
                let mut without = full.clone();
                without.remove(name);
                assert_eq!(
                    spec.read_args(Value::Object(without)).is_err(),
                    required.contains(&name.as_str()),
                    "{}: is {name} required?",
                    spec.name
                );
            }
        }
    }
}
