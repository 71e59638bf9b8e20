//! `list_recent_orders`: the signed-in customer's own recent orders, the newest in full.
//!
//! "Where's my most recent order?" needs no number when the app proxy says who is asking:
//! the store lists the orders of that customer (the verified id, never an argument), and the
//! newest is read through `get_order_status`, so [`order_access`](crate::order_access) still
//! decides what is shown. An anonymous shopper is told to sign in or give the number and email.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::get_order_status::GetOrderStatusArgs;
use crate::io::OrderStatus;
use crate::store::StoreApi;
use crate::{GetOrderStatus, Tool, ToolError, TurnContext};

/// How many recent orders are listed.
const RECENT: usize = 5;

pub struct ListRecentOrders;

/// No arguments: whose orders is the verified shopper's, not the model's to say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRecentOrdersArgs {}

/// What the tool answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum RecentOrders {
    /// The newest order as `get_order_status` shows it, and the names of the others, newest
    /// first.
    Found {
        latest: OrderStatus,
        others: Vec<String>,
    },
    /// Signed in, no orders.
    NoOrders,
    /// Not signed in: ask for the order number and its email, or to sign in.
    SignInNeeded,
}

impl Tool for ListRecentOrders {
    const NAME: &'static str = "list_recent_orders";
    const DESCRIPTION: &'static str = "The signed-in shopper's own recent orders, newest first, with the newest one's status and tracking. Use when they ask about their latest or recent orders without a number.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = ListRecentOrdersArgs;
    type Output = RecentOrders;

    fn parameters() -> Value {
        json!({"type": "object", "properties": {}, "additionalProperties": false})
    }

    async fn run(
        _args: ListRecentOrdersArgs,
        context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<RecentOrders, ToolError> {
        let Some(customer) = context.shopper.customer_id.as_deref() else {
            return Ok(RecentOrders::SignInNeeded);
        };
        let mut names = store.customer_orders(customer, RECENT).await?;
        if names.is_empty() {
            return Ok(RecentOrders::NoOrders);
        }
        let newest = names.remove(0);
        let latest = GetOrderStatus::run(
            GetOrderStatusArgs {
                order_number: newest,
                ..GetOrderStatusArgs::default()
            },
            context,
            store,
        )
        .await?;
        Ok(RecentOrders::Found {
            latest,
            others: names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context, order};

    #[tokio::test]
    async fn the_signed_in_customer_gets_their_newest_order_and_no_one_elses() {
        let store = FakeStore {
            orders: vec![
                order("#1001", "7", "a@example.com", "2025-01-01T00:00:00Z"),
                order("#1002", "8", "b@example.com", "2025-06-01T00:00:00Z"),
                order("#1003", "7", "a@example.com", "2025-03-01T00:00:00Z"),
            ],
            ..FakeStore::default()
        };
        async fn run(store: &FakeStore, customer: Option<&str>) -> Result<RecentOrders, ToolError> {
            let context = context(customer, false);
            ListRecentOrders::run(ListRecentOrdersArgs {}, &context, store).await
        }
        let Ok(RecentOrders::Found { latest, others }) = run(&store, Some("7")).await else {
            panic!("customer 7 has orders");
        };
        let OrderStatus::Found { order } = latest else {
            panic!("the owner sees their order");
        };
        assert_eq!(order.name, "#1003");
        assert_eq!(others, vec!["#1001".to_owned()]);
        assert_eq!(run(&store, Some("9")).await, Ok(RecentOrders::NoOrders));
        assert_eq!(run(&store, None).await, Ok(RecentOrders::SignInNeeded));
    }
}
