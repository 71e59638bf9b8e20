//! What the tools record about the conversation, and read of the shop's settings: the failed
//! order proofs (`conversations.verification_failures`) and the handoff to the agents.
//!
//! The handoff's owner change, contact email and the agents' notification (`pg_notify` on
//! [`AGENTS_CHANNEL`], delivered at commit) happen in one transaction: agents are told exactly
//! when the conversation is theirs, and never about a handoff that did not happen.

use chrono::Utc;
use serde_json::json;
use tools::StoreError;
use tools::store::ToolSettings;

use super::{StoreTools, db, internal};
use crate::chat::settings::ShopSettings;
use crate::chat::store::Owner;

/// The channel agents' dashboards listen on.
pub const AGENTS_CHANNEL: &str = "concierge_agents";

impl StoreTools {
    /// The conversation's failed proofs so far.
    pub(super) async fn failures(&self) -> Result<u32, StoreError> {
        let failures = sqlx::query_scalar!(
            "SELECT verification_failures FROM conversations WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.conversation_id,
        )
        .fetch_optional(&self.state.db)
        .await
        .map_err(db)?;
        let failures = failures
            .ok_or_else(|| internal("order status", "the turn's conversation does not exist"))?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    pub(super) async fn spend(&self, max: u32) -> Result<Option<u32>, StoreError> {
        let spent = sqlx::query_scalar!(
            "UPDATE conversations SET verification_failures = verification_failures + 1
             WHERE shop_id = $1 AND id = $2 AND verification_failures < $3
             RETURNING verification_failures",
            self.shop_id(),
            self.conversation_id,
            i32::try_from(max).unwrap_or(i32::MAX),
        )
        .fetch_optional(&self.state.db)
        .await
        .map_err(db)?;
        Ok(spent.map(|n| u32::try_from(n).unwrap_or(0)))
    }

    pub(super) async fn refund(&self) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE conversations SET verification_failures = greatest(verification_failures - 1, 0)
             WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.conversation_id,
        )
        .execute(&self.state.db)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn handoff(
        &self,
        reason: &str,
        email: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.state.db.begin().await.map_err(db)?;
        let row = sqlx::query!(
            r#"SELECT owner AS "owner: Owner", contact_email FROM conversations
               WHERE shop_id = $1 AND id = $2 FOR UPDATE"#,
            self.shop_id(),
            self.conversation_id,
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|r| (r.owner, r.contact_email));
        let Some((owner, known_email)) = row else {
            return Err(internal(
                "handoff",
                "the turn's conversation does not exist",
            ));
        };
        if let Some(email) = email {
            sqlx::query!(
                "UPDATE conversations SET contact_email = $3 WHERE shop_id = $1 AND id = $2",
                self.shop_id(),
                self.conversation_id,
                email,
            )
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // Only the assistant hands over: a conversation already with the agents (or closed by
        // them) stays as it is, and they are not notified twice.
        if owner == Owner::Ai {
            sqlx::query!(
                "UPDATE conversations SET owner = 'human' WHERE shop_id = $1 AND id = $2",
                self.shop_id(),
                self.conversation_id,
            )
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let payload = json!({
                "shop_id": self.shop_id(),
                "conversation_id": self.conversation_id,
                "reason": reason,
            });
            sqlx::query!(
                "SELECT pg_notify($1, $2)",
                AGENTS_CHANNEL,
                payload.to_string()
            )
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(known_email)
    }

    pub(super) async fn tool_settings(&self) -> Result<ToolSettings, StoreError> {
        let settings = ShopSettings::load(&self.state.db, self.shop_id())
            .await
            .map_err(db)?;
        let now = Utc::now();
        let agents_available = settings.agents_available(now);
        Ok(ToolSettings {
            show_inventory_locations: settings.show_inventory_locations,
            share_order_notes: settings.share_order_notes,
            agents_available,
            agents_next_open: (!agents_available)
                .then(|| settings.business_hours.as_ref()?.next_open(now))
                .flatten()
                .map(|at| at.to_rfc3339()),
        })
    }
}
