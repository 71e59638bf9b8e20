//! The `webhook` job: does what a stored webhook asks, exactly once per event: the event row
//! is locked, the effect and `processed_at` commit together, and a processed event is
//! skipped. `app/uninstalled` and `shop/redact` are irreversible and their topic and shop
//! headers unsigned: they are acted on only once the Admin API refuses the shop's token.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Job, JobContext, ProductRef, SyncProduct, enqueue};
use sqlx::PgConnection;

use crate::shopify::admin::AdminError;
use crate::shopify::admin::queries::{ShopIdentity, shop_identity};
use crate::shopify::tokens::TokenError;
use crate::shopify::topic::WebhookTopic;
use crate::shopify::{InstallState, ShopDomain};

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
                if standing(&ctx, self.shop_id).await? == Standing::Installed {
                    tracing::warn!(
                        "app/uninstalled ignored: the shop's token still works (forged or replayed)"
                    );
                    IGNORED.to_owned()
                } else {
                    uninstall(&mut tx, self.shop_id).await?
                }
            }
            WebhookTopic::ShopRedact
                if standing(&ctx, self.shop_id).await? == Standing::Installed =>
            {
                // It comes 48 hours after an uninstall: a shop still installed is not erased.
                tracing::warn!(
                    "shop/redact refused: the shop is installed and its token works (forged or replayed)"
                );
                IGNORED.to_owned()
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
                let (customer, email) = customer_of(&event.payload);
                redact_customer(&mut tx, self.shop_id, customer, email).await?
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

/// The outcome of an irreversible request the Admin API contradicts.
const IGNORED: &str = "ignored: the shop's token still works";

/// Whether Shopify still honours the shop's token, asked before an irreversible topic
/// (`app/uninstalled`, `shop/redact`) is acted on: the body of those is signed but their
/// topic and shop headers are not, and a real uninstall has revoked the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Installed,
    Gone,
}

async fn standing(ctx: &JobContext, shop_id: i64) -> anyhow::Result<Standing> {
    let domain = sqlx::query_scalar!("SELECT domain FROM shops WHERE id = $1", shop_id)
        .fetch_one(&ctx.db)
        .await?;
    let shop = ShopDomain::parse(&domain)?;
    let token = match ctx.state.access_token(&shop).await {
        Ok(token) => token,
        // No token held (the uninstall was processed) or its refresh refused: none works.
        Err(TokenError::NoCredentials | TokenError::Refused(_)) => return Ok(Standing::Gone),
        Err(e) => return Err(e.into()),
    };
    let asked = ctx
        .state
        .admin
        .query::<ShopIdentity>(&shop, &token, shop_identity::Variables {})
        .await;
    match asked {
        Ok(_) => Ok(Standing::Installed),
        // 403 is a token that works without the scope asked for: still installed.
        Err(AdminError::Unauthorized(401)) => Ok(Standing::Gone),
        Err(AdminError::Unauthorized(_)) => Ok(Standing::Installed),
        Err(e) => Err(e.into()),
    }
}

/// Forgets the shop's credentials and stops its work: Shopify has revoked the token.
async fn uninstall(tx: &mut PgConnection, shop_id: i64) -> anyhow::Result<String> {
    sqlx::query!(
        "UPDATE shops SET install_state = $2, uninstalled_at = now(),
                access_token_ciphertext = NULL, access_token_expires_at = NULL,
                refresh_token_ciphertext = NULL, refresh_token_expires_at = NULL,
                credentials_key_id = NULL
         WHERE id = $1",
        shop_id,
        InstallState::Uninstalled as InstallState,
    )
    .execute(&mut *tx)
    .await?;
    let cancelled = super::cancel_pending_for_shop(tx, shop_id).await?;
    Ok(format!("uninstalled; {cancelled} pending jobs cancelled"))
}

/// Erases a customer: her conversations (by customer id, or the email she gave for
/// follow-up) with their messages, turns and tool calls; the exports made for her data
/// requests; her identity in the stored compliance webhooks that named her (this one
/// included: it commits with `processed_at`, so it is never read again); the mail to her
/// in the outbox; and the failed order proofs counted under her email.
async fn redact_customer(
    tx: &mut PgConnection,
    shop_id: i64,
    customer: Option<String>,
    email: Option<String>,
) -> anyhow::Result<String> {
    let conversations = sqlx::query!(
        "DELETE FROM conversations WHERE shop_id = $1
           AND (customer_id = $2 OR lower(contact_email) = lower($3))",
        shop_id,
        customer,
        email,
    )
    .execute(&mut *tx)
    .await?;
    let exports = sqlx::query!(
        "DELETE FROM compliance_exports WHERE shop_id = $1
           AND (export -> 'customer' ->> 'id' = $2 OR lower(customer_email) = lower($3))",
        shop_id,
        customer,
        email,
    )
    .execute(&mut *tx)
    .await?;
    let events = sqlx::query!(
        r#"UPDATE webhook_events SET payload = jsonb_set(payload, '{customer}', '"[redacted]"')
           WHERE shop_id = $1 AND topic IN ('customers/data_request', 'customers/redact')
             AND (payload -> 'customer' ->> 'id' = $2
                  OR lower(payload -> 'customer' ->> 'email') = lower($3))"#,
        shop_id,
        customer,
        email,
    )
    .execute(&mut *tx)
    .await?;
    // Mail to her (one-time codes, agents' replies) still in the outbox.
    sqlx::query!(
        "DELETE FROM mail_outbox WHERE shop_id = $1 AND lower(recipient) = lower($2)",
        shop_id,
        email,
    )
    .execute(&mut *tx)
    .await?;
    // Her failed order proofs, counted under her email's hash.
    sqlx::query!(
        "DELETE FROM order_proof_failures WHERE shop_id = $1 AND key = order_proof_email_key($1, $2)",
        shop_id,
        email,
    )
    .execute(&mut *tx)
    .await?;
    Ok(format!(
        "redacted: {} conversations deleted, {} exports deleted, {} webhooks scrubbed",
        conversations.rows_affected(),
        exports.rows_affected(),
        events.rows_affected()
    ))
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
