//! What the tools record about the conversation, and read of the shop's settings: the failed
//! order proofs and the handoff to the agents.
//!
//! A failed proof counts against the conversation (`conversations.verification_failures`)
//! and, for a day, against its visitor, the address it was started from, the order number and
//! the email claimed (`order_proof_failures`): a guesser who starts a new conversation, makes
//! up a new visitor id or moves to another address is still stopped by the order number or
//! the email being guessed at. (An order number locked this way can still be looked up by its
//! signed-in owner, or through an agent.)
//!
//! The handoff's owner change, contact email and the agents' notification (`pg_notify` on
//! [`AGENTS_CHANNEL`], delivered at commit) happen in one transaction: agents are told exactly
//! when the conversation is theirs, and never about a handoff that did not happen. When nobody
//! is there (outside business hours, or no agent online: `availability = 'online'` and seen in
//! the last 90 seconds), the same transaction queues the team's mail
//! ([`crate::mail::handoff_unattended`]), to the shop's email from the Admin API.

use chrono::Utc;
use serde_json::json;
use tools::StoreError;
use tools::store::{ProofClaim, ToolSettings};

use super::{StoreTools, db, internal};
use crate::chat::settings::ShopSettings;
use crate::chat::store::Owner;

/// How long (hours) a failed proof counts against a visitor, an address, an order number or
/// an email.
const PROOF_WINDOW: i32 = 24;

/// The channel agents' dashboards listen on.
pub const AGENTS_CHANNEL: &str = "concierge_agents";

impl StoreTools {
    /// The most failed proofs counted against the conversation, its visitor or the address
    /// it was started from (in their window).
    pub(super) async fn failures(&self) -> Result<u32, StoreError> {
        let failures = sqlx::query_scalar!(
            r#"SELECT greatest(c.verification_failures, coalesce((
                   SELECT max(f.failures) FROM order_proof_failures f
                   WHERE f.shop_id = c.shop_id AND f.window_start > now() - make_interval(hours => $3)
                     AND f.key IN ('visitor:' || c.visitor_id, 'address:' || c.client_address)
               ), 0)) AS "failures!"
               FROM conversations c WHERE c.shop_id = $1 AND c.id = $2"#,
            self.shop_id(),
            self.conversation_id,
            PROOF_WINDOW,
        )
        .fetch_optional(&self.state.db)
        .await
        .map_err(db)?;
        let failures = failures
            .ok_or_else(|| internal("order status", "the turn's conversation does not exist"))?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    /// Counts a failed proof against the conversation and every key of [`proof_keys`], unless
    /// one is at `max`; the highest count with it. Serialised per shop (an advisory lock), so
    /// that parallel attempts cannot get past `max` on keys that have no row yet.
    pub(super) async fn spend(
        &self,
        max: u32,
        claim: &ProofClaim<'_>,
    ) -> Result<Option<u32>, StoreError> {
        let max = i32::try_from(max).unwrap_or(i32::MAX);
        let mut tx = self.state.db.begin().await.map_err(db)?;
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(hashtextextended('order-proof:' || $1::int8::text, 0))",
            self.shop_id(),
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let keys = self.proof_keys(&mut tx, claim).await?;
        let counted = sqlx::query_scalar!(
            r#"SELECT greatest(
                   (SELECT verification_failures FROM conversations WHERE shop_id = $1 AND id = $2),
                   (SELECT max(failures) FROM order_proof_failures
                    WHERE shop_id = $1 AND key = ANY($3) AND window_start > now() - make_interval(hours => $4))
               ) AS "counted!""#,
            self.shop_id(),
            self.conversation_id,
            &keys,
            PROOF_WINDOW,
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if counted >= max {
            return Ok(None);
        }
        sqlx::query!(
            "UPDATE conversations SET verification_failures = verification_failures + 1
             WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.conversation_id,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query!(
            "INSERT INTO order_proof_failures AS f (shop_id, key, failures)
             SELECT $1, k, 1 FROM unnest($2::text[]) k
             ON CONFLICT (shop_id, key) DO UPDATE SET
                 failures = CASE WHEN f.window_start > now() - make_interval(hours => $3)
                                 THEN f.failures + 1 ELSE 1 END,
                 window_start = CASE WHEN f.window_start > now() - make_interval(hours => $3)
                                     THEN f.window_start ELSE now() END",
            self.shop_id(),
            &keys,
            PROOF_WINDOW,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(u32::try_from(counted + 1).unwrap_or(0)))
    }

    /// Gives back the attempt `spend` took for `claim`.
    pub(super) async fn refund(&self, claim: &ProofClaim<'_>) -> Result<(), StoreError> {
        let mut tx = self.state.db.begin().await.map_err(db)?;
        let keys = self.proof_keys(&mut tx, claim).await?;
        sqlx::query!(
            "UPDATE conversations SET verification_failures = greatest(verification_failures - 1, 0)
             WHERE shop_id = $1 AND id = $2",
            self.shop_id(),
            self.conversation_id,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query!(
            "UPDATE order_proof_failures SET failures = greatest(failures - 1, 0)
             WHERE shop_id = $1 AND key = ANY($2)",
            self.shop_id(),
            &keys,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    /// What a failed proof is counted under beyond the conversation: its visitor, the address
    /// it was started from, the order number and the email (hashed, see the migration).
    async fn proof_keys(
        &self,
        tx: &mut sqlx::PgConnection,
        claim: &ProofClaim<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let keys = sqlx::query_scalar!(
            r#"SELECT ARRAY['visitor:' || c.visitor_id, 'order:' || upper($3),
                            order_proof_email_key(c.shop_id, $4)]
                      || CASE WHEN c.client_address IS NULL THEN '{}'::text[]
                              ELSE ARRAY['address:' || c.client_address] END AS "keys!"
               FROM conversations c WHERE c.shop_id = $1 AND c.id = $2"#,
            self.shop_id(),
            self.conversation_id,
            claim.order_number,
            claim.email,
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| internal("order status", "the turn's conversation does not exist"))?;
        Ok(keys)
    }

    pub(super) async fn handoff(
        &self,
        reason: &str,
        email: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        // Asked before the transaction (the Admin API is not called while rows are locked).
        let team = if self.tool_settings().await?.agents_available {
            None
        } else {
            self.team_email().await
        };
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
            if let Some(team) = team.as_deref() {
                let unattended = crate::mail::Unattended {
                    shop_id: self.shop_id(),
                    shop: &self.shop,
                    conversation_id: self.conversation_id,
                    team,
                    reason,
                    contact: email.or(known_email.as_deref()),
                };
                crate::mail::handoff_unattended(&mut tx, &self.state.shopify, unattended)
                    .await
                    .map_err(|e| internal("handoff mail", format!("{e:#}")))?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(known_email)
    }

    pub(super) async fn tool_settings(&self) -> Result<ToolSettings, StoreError> {
        let settings = ShopSettings::load(&self.state.db, self.shop_id())
            .await
            .map_err(db)?;
        let now = Utc::now();
        let open = settings.agents_available(now);
        let agents_available = open && self.agent_online().await?;
        Ok(ToolSettings {
            show_inventory_locations: settings.show_inventory_locations,
            share_order_notes: settings.share_order_notes,
            agents_available,
            agents_next_open: (!open)
                .then(|| settings.business_hours.as_ref()?.next_open(now))
                .flatten()
                .map(|at| at.to_rfc3339()),
        })
    }

    /// Whether an agent of the shop is online: available, and their inbox seen within 90 s.
    async fn agent_online(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM agents WHERE shop_id = $1 AND availability = 'online'
                              AND last_seen_at > now() - interval '90 seconds') AS "online!""#,
            self.shop_id(),
        )
        .fetch_one(&self.state.db)
        .await
        .map_err(db)
    }
}
