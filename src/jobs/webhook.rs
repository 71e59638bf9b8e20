//! The `webhook` job: does what a stored webhook asks, exactly once per event: the event row
//! is locked, the effect and `processed_at` commit together, and a processed event is
//! skipped.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Job, JobContext, ProductRef, SyncProduct, enqueue};
use crate::shopify::InstallState;
use crate::shopify::topic::WebhookTopic;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessWebhook {
    pub shop_id: i64,
    /// `webhook_events.id`
    pub event: i64,
}

impl Job for ProcessWebhook {
    const QUEUE: &'static str = "webhook";

    #[tracing::instrument(skip_all, fields(shop_id = self.shop_id, event = self.event))]
    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        // The event's row lock serialises any two runs of this job (a worker presumed dead
        // may still be finishing), and the effect commits with `processed_at`: exactly once.
        let mut tx = ctx.db.begin().await?;
        let Some(event) = sqlx::query!(
            "SELECT topic, payload, processed_at FROM webhook_events
             WHERE shop_id = $1 AND id = $2 FOR UPDATE",
            self.shop_id,
            self.event
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            // The shop was erased (shop/redact) after this was queued: nothing left to do.
            return Ok(());
        };
        if event.processed_at.is_some() {
            return Ok(());
        }
        let topic = WebhookTopic::parse(&event.topic)
            .ok_or_else(|| anyhow::anyhow!("stored webhook has unknown topic {}", event.topic))?;
        let outcome = match topic {
            WebhookTopic::AppUninstalled => {
                // Shopify has already revoked the token; forget it, and stop the shop's work.
                sqlx::query!(
                    "UPDATE shops SET install_state = $2, uninstalled_at = now(),
                            access_token_ciphertext = NULL, access_token_expires_at = NULL,
                            refresh_token_ciphertext = NULL, refresh_token_expires_at = NULL,
                            credentials_key_id = NULL
                     WHERE id = $1",
                    self.shop_id,
                    InstallState::Uninstalled as InstallState,
                )
                .execute(&mut *tx)
                .await?;
                let cancelled = super::cancel_pending_for_shop(&mut tx, self.shop_id).await?;
                format!("uninstalled; {cancelled} pending jobs cancelled")
            }
            WebhookTopic::ShopRedact => {
                // Every row of the shop goes: all tenant tables cascade from shops.
                sqlx::query!("DELETE FROM shops WHERE id = $1", self.shop_id)
                    .execute(&mut *tx)
                    .await?;
                super::cancel_pending_for_shop(&mut tx, self.shop_id).await?;
                tx.commit().await?;
                // Its own vector indexes, if it was a large shop (empty now, but still there).
                ctx.state
                    .knowledge
                    .drop_shop_indexes(self.shop_id, None)
                    .await?;
                return Ok(());
            }
            WebhookTopic::CustomersRedact => {
                // The customer's conversations (by customer id, or the email they gave for
                // follow-up) go, with their messages, turns and tool calls.
                let (customer, email) = customer_of(&event.payload);
                let deleted = sqlx::query!(
                    "DELETE FROM conversations WHERE shop_id = $1
                       AND (customer_id = $2 OR lower(contact_email) = lower($3))",
                    self.shop_id,
                    customer,
                    email,
                )
                .execute(&mut *tx)
                .await?;
                format!(
                    "redacted: {} conversations deleted",
                    deleted.rows_affected()
                )
            }
            WebhookTopic::CustomersDataRequest => {
                let (customer, email) = customer_of(&event.payload);
                let conversations: Vec<Value> = sqlx::query_scalar!(
                    r#"SELECT jsonb_build_object(
                         'id', c.id, 'started_at', c.created_at, 'contact_email', c.contact_email,
                         'messages', coalesce((SELECT jsonb_agg(jsonb_build_object(
                             'role', m.role, 'content', m.content, 'at', m.created_at) ORDER BY m.id)
                             FROM messages m WHERE m.shop_id = c.shop_id
                               AND m.conversation_id = c.id), '[]'::jsonb))
                         AS "conversation!"
                     FROM conversations c WHERE c.shop_id = $1
                       AND (c.customer_id = $2 OR lower(c.contact_email) = lower($3))
                     ORDER BY c.created_at"#,
                    self.shop_id,
                    customer,
                    email,
                )
                .fetch_all(&mut *tx)
                .await?;
                let export = customer_export(&event.payload, conversations);
                sqlx::query!(
                    "INSERT INTO compliance_exports (shop_id, data_request_id, customer_id, customer_email, export)
                     VALUES ($1, $2, $3, $4, $5)",
                    self.shop_id,
                    event.payload.pointer("/data_request/id").map(Value::to_string),
                    event.payload.pointer("/customer/id").map(Value::to_string),
                    event.payload.pointer("/customer/email").and_then(Value::as_str),
                    export,
                )
                .execute(&mut *tx)
                .await?;
                "export recorded".to_owned()
            }
            WebhookTopic::ProductsCreate
            | WebhookTopic::ProductsUpdate
            | WebhookTopic::InventoryLevelsUpdate => {
                // The product is read back from Shopify by the sync job: the index holds
                // what Shopify holds then, whatever order deliveries come in.
                let target = if topic == WebhookTopic::InventoryLevelsUpdate {
                    let item = event
                        .payload
                        .get("inventory_item_id")
                        .and_then(Value::as_i64)
                        .ok_or_else(|| {
                            anyhow::anyhow!("inventory_levels/update without inventory_item_id")
                        })?;
                    ProductRef::InventoryItem(format!("gid://shopify/InventoryItem/{item}"))
                } else {
                    ProductRef::Product(gid(&event.payload, "Product")?)
                };
                let job = SyncProduct {
                    shop_id: self.shop_id,
                    target,
                };
                enqueue(&mut tx, &job).await?;
                "product sync queued".to_owned()
            }
            WebhookTopic::ProductsDelete => {
                let deleted = sqlx::query!(
                    "DELETE FROM documents WHERE shop_id = $1 AND kind = 'product' AND external_id = $2",
                    self.shop_id,
                    gid(&event.payload, "Product")?,
                )
                .execute(&mut *tx)
                .await?;
                format!("{} documents deleted", deleted.rows_affected())
            }
            WebhookTopic::CollectionsCreate
            | WebhookTopic::CollectionsUpdate
            | WebhookTopic::CollectionsDelete
            | WebhookTopic::BulkOperationsFinish
            | WebhookTopic::ShopUpdate => "recorded".to_owned(),
        };
        sqlx::query!(
            "UPDATE webhook_events SET processed_at = now(), outcome = $3 WHERE shop_id = $1 AND id = $2",
            self.shop_id,
            self.event,
            outcome
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The resource's gid from a REST-shaped payload (`admin_graphql_api_id`, else `id`).
fn gid(payload: &Value, kind: &str) -> anyhow::Result<String> {
    if let Some(gid) = payload.get("admin_graphql_api_id").and_then(Value::as_str) {
        return Ok(gid.to_owned());
    }
    payload
        .get("id")
        .and_then(Value::as_i64)
        .map(|id| format!("gid://shopify/{kind}/{id}"))
        .ok_or_else(|| anyhow::anyhow!("payload has no {kind} id"))
}

/// What Concierge holds about the customer in a `customers/data_request`.
fn customer_export(payload: &Value, conversations: Vec<Value>) -> Value {
    json!({
        "customer": payload.get("customer").cloned().unwrap_or(Value::Null),
        "orders_requested": payload.get("orders_requested").cloned().unwrap_or(json!([])),
        "conversations": conversations,
    })
}

/// The customer a compliance webhook names: id (as the app proxy gives it) and email.
fn customer_of(payload: &Value) -> (Option<String>, Option<String>) {
    let id = payload.pointer("/customer/id").and_then(|id| match id {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    });
    let email = payload
        .pointer("/customer/email")
        .and_then(Value::as_str)
        .map(str::to_owned);
    (id, email)
}
