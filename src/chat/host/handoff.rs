//! `handoff_to_human`: the conversation moves to the shop's agents.
//!
//! The owner change, the contact email and the agents' notification (`pg_notify` on
//! `concierge_agents`, delivered at commit) happen in one transaction: agents are told exactly
//! when the conversation is theirs, and never about a handoff that did not happen.

use chrono::Utc;
use serde_json::{Value, json};
use tools::io::{Handoff, HandoffArgs};

use super::live::summary;
use super::{StoreTools, ToolError, json as output};
use crate::chat::settings::ShopSettings;
use crate::chat::store::Owner;

/// The channel agents' dashboards listen on.
pub const AGENTS_CHANNEL: &str = "concierge_agents";
/// Characters of the reason sent with the notification (its payload is limited to 8000 bytes).
const REASON_CHARS: usize = 500;

impl StoreTools {
    pub(super) async fn handoff(&self, args: HandoffArgs) -> Result<Value, ToolError> {
        let reason = args.reason.trim();
        if reason.is_empty() {
            return Err(ToolError::Invalid(
                "reason is empty: say why the shopper needs a person".into(),
            ));
        }
        let email = args
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(email) = email
            && !tools::text::looks_like_email(email)
        {
            return Err(ToolError::Invalid(format!(
                "\"{email}\" does not look like an email address; ask the shopper to check it"
            )));
        }
        let settings = ShopSettings::load(&self.state.db, self.shop_id()).await?;
        let mut tx = self.state.db.begin().await?;
        let row = sqlx::query!(
            r#"SELECT owner AS "owner: Owner", contact_email FROM conversations
               WHERE shop_id = $1 AND id = $2 FOR UPDATE"#,
            self.shop_id(),
            self.context.conversation_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.owner, r.contact_email));
        let Some((owner, known_email)) = row else {
            return Err(ToolError::internal(
                "handoff",
                "the turn's conversation does not exist",
            ));
        };
        if let Some(email) = email {
            sqlx::query!(
                "UPDATE conversations SET contact_email = $3 WHERE shop_id = $1 AND id = $2",
                self.shop_id(),
                self.context.conversation_id,
                email,
            )
            .execute(&mut *tx)
            .await?;
        }
        // Only the assistant hands over: a conversation already with the agents (or closed by
        // them) stays as it is, and they are not notified twice.
        if owner == Owner::Ai {
            sqlx::query!(
                "UPDATE conversations SET owner = 'human' WHERE shop_id = $1 AND id = $2",
                self.shop_id(),
                self.context.conversation_id,
            )
            .execute(&mut *tx)
            .await?;
            let payload = json!({
                "shop_id": self.shop_id(),
                "conversation_id": self.context.conversation_id,
                "reason": summary(reason, REASON_CHARS),
            });
            sqlx::query!(
                "SELECT pg_notify($1, $2)",
                AGENTS_CHANNEL,
                payload.to_string()
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let now = Utc::now();
        let agents_available = settings.agents_available(now);
        let next_open = (!agents_available)
            .then(|| settings.business_hours.as_ref()?.next_open(now))
            .flatten()
            .map(|at| at.to_rfc3339());
        let email = email.map(str::to_owned).or(known_email);
        output(&Handoff {
            agents_available,
            email_needed: !agents_available && email.is_none(),
            email,
            next_open,
        })
    }
}
