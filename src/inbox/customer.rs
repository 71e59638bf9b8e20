//! The sidebar of a conversation: for a verified customer (the storefront's logged-in
//! customer, vouched for by Shopify's app proxy) their Shopify record and recent orders, read
//! live from the Admin API; for an anonymous shopper, what the conversation proved (an order
//! number and its email, and that order) and the page they wrote from. Read only: agents see
//! here what the store already shows them in Shopify's admin.
//!
//! The lists name a verified customer too: [`name_customers`] reads the names a list lacks
//! and keeps them on the conversations (the sidebar refreshes them), so a list of fifty rows
//! does not ask Shopify fifty times.

use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use tools::{StoreApi, TurnContext};
use uuid::Uuid;

use super::conversations::Summary;
use crate::chat::Services;
use crate::chat::host::StoreTools;
use crate::shopify::ShopDomain;
use crate::shopify::admin::queries::{InboxCustomer, inbox_customer};

/// Recent orders the sidebar shows.
const RECENT_ORDERS: usize = 5;
/// Customers whose names one list asks Shopify for, at most (the rest on the next list).
const NAMES_PER_LIST: i64 = 10;
/// How long a list waits for a name before answering without it.
const NAME_WAIT: Duration = Duration::from_secs(3);

/// The customer's Shopify record.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub name: String,
    pub first_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub orders_count: i64,
    /// "123.40 USD"
    pub total_spent: String,
}

/// The customer `customer_id` (the number of `gid://shopify/Customer/…`), live.
pub async fn record(
    services: &Services,
    shop: &ShopDomain,
    customer_id: &str,
) -> anyhow::Result<Option<Record>> {
    let token = services.access_token(shop).await?;
    let data = services
        .admin
        .query::<InboxCustomer>(
            shop,
            &token,
            inbox_customer::Variables {
                id: format!("gid://shopify/Customer/{customer_id}"),
            },
        )
        .await?;
    Ok(data.customer.map(|c| Record {
        name: c.display_name,
        first_name: c.first_name,
        email: c.default_email_address.map(|e| e.email_address),
        phone: c.default_phone_number.map(|p| p.phone_number),
        orders_count: c.number_of_orders.parse().unwrap_or(0),
        total_spent: format!(
            "{} {:?}",
            c.amount_spent.amount, c.amount_spent.currency_code
        ),
    }))
}

/// Keeps the customer's name (`None`: the shop has no such customer) on her conversations.
pub async fn remember_name(
    db: &PgPool,
    shop_id: i64,
    customer_id: &str,
    name: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE conversations SET customer_name = $3, customer_named_at = now()
         WHERE shop_id = $1 AND customer_id = $2",
        shop_id,
        customer_id,
        name.filter(|n| !n.trim().is_empty()),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Fills in the names of the verified customers in `conversations` that were never read:
/// asked of the Admin API at once (up to [`NAMES_PER_LIST`], each within [`NAME_WAIT`]) and
/// kept by [`remember_name`]. Best effort: a name Shopify does not give now stays `None` and
/// is asked for again by a later list.
pub async fn name_customers(
    services: &Services,
    shop: &ShopDomain,
    shop_id: i64,
    conversations: &mut [Summary],
) -> Result<(), sqlx::Error> {
    let unnamed: Vec<Uuid> = conversations
        .iter()
        .filter(|c| c.customer.as_ref().is_some_and(|c| c.name.is_none()))
        .map(|c| c.id)
        .collect();
    if unnamed.is_empty() {
        return Ok(());
    }
    let customers = sqlx::query_scalar!(
        r#"SELECT DISTINCT customer_id AS "customer_id!" FROM conversations
           WHERE shop_id = $1 AND id = ANY($2) AND customer_id IS NOT NULL
             AND customer_named_at IS NULL
           LIMIT $3"#,
        shop_id,
        &unnamed,
        NAMES_PER_LIST,
    )
    .fetch_all(&services.db)
    .await?;
    let read = join_all(customers.iter().map(|id| async move {
        let read = tokio::time::timeout(NAME_WAIT, record(services, shop, id)).await;
        (id, read)
    }))
    .await;
    for (id, read) in read {
        let name = match read {
            Ok(Ok(found)) => found.map(|r| r.name),
            Ok(Err(error)) => {
                tracing::warn!(error = ?error, "a customer's name could not be read for the inbox");
                continue;
            }
            Err(_) => continue,
        };
        remember_name(&services.db, shop_id, id, name.as_deref()).await?;
        for c in conversations.iter_mut().filter_map(|c| c.customer.as_mut()) {
            if c.id == *id {
                c.name.clone_from(&name);
            }
        }
    }
    Ok(())
}

fn store_failed(error: tools::StoreError) -> anyhow::Error {
    anyhow::anyhow!("the store could not be read ({error:?})")
}

/// An order as the sidebar shows it.
fn order_view(order: &tools::store::LiveOrder) -> Value {
    let tracking: Vec<Value> = order
        .fulfillments
        .iter()
        .flat_map(|f| &f.tracking)
        .map(|t| json!({ "number": t.number, "url": t.url }))
        .collect();
    json!({
        "name": order.name,
        "status": order.financial_status,
        "fulfillment": order.fulfillment_status,
        "tracking": tracking,
        "total": format!("{} {}", order.total, order.currency),
        "created_at": order.created_at,
    })
}

/// The orders named, read live (those the shop no longer has are left out).
pub async fn orders(
    services: &Services,
    shop: &ShopDomain,
    shop_id: i64,
    conversation: Uuid,
    customer_id: Option<&str>,
    proven: Option<&str>,
) -> anyhow::Result<Vec<Value>> {
    // Read as the store, not as the shopper: the sidebar is the agents'.
    let host = StoreTools::new(
        services.clone(),
        shop.clone(),
        conversation,
        TurnContext {
            shopper: tools::Shopper {
                shop_id,
                customer_id: None,
                verification_failures: 0,
            },
            write_allowed: false,
        },
    );
    let mut names = match customer_id {
        Some(id) => host
            .customer_orders(id, RECENT_ORDERS)
            .await
            .map_err(store_failed)?,
        None => Vec::new(),
    };
    if let Some(name) = proven.filter(|n| !names.iter().any(|m| m == n)) {
        names.push(name.to_owned());
    }
    let mut out = Vec::new();
    for name in names {
        if let Some(order) = host.order(&name).await.map_err(store_failed)? {
            out.push(order_view(&order));
        }
    }
    Ok(out)
}
