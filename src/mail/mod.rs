//! Outgoing mail: one-time codes for order look-ups, the team's notice of a handoff nobody is
//! there to take, and agents' replies to shoppers who have left.
//!
//! [`queue`] writes the mail into `mail_outbox` in the caller's transaction and queues the
//! `send_mail` job with it, so a mail exists exactly when the change that caused it does.
//! The job (`jobs::send_mail`) holds the row while it hands the mail to the SMTP server
//! (`CONCIERGE_SMTP_URL`) and marks it sent in the same transaction: a run that finds it
//! marked sends nothing, so a retry after a crash does not send it twice (a crash between the
//! server's acceptance and the commit can still resend it; its `Message-ID` stays the same,
//! so mail clients show one). A permanent refusal (5xx, or an address that cannot be one) is
//! recorded and not retried. Without a server the mail stays unsent, with a log line saying
//! so. The text is cleared once sent. A reply's link back to the storefront carries a signed
//! token that reopens the conversation on any device (`resume.rs`).

mod notify;
pub mod resume;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

pub use notify::{Unattended, admin_link, handoff_unattended, reply_to_shopper, shopper_link};

/// The queue of the `send_mail` job (`jobs::send_mail`), which sends one outbox row.
pub const SEND_QUEUE: &str = "send_mail";

/// The `send_mail` job's payload: one row of the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMail {
    pub shop_id: i64,
    /// Its row in `mail_outbox`.
    pub id: i64,
}

/// A plain-text mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Queues `mail` for `shop_id` on `tx` (the caller's transaction): it is sent once that
/// commits. Returns its outbox id.
pub async fn queue(tx: &mut PgConnection, shop_id: i64, mail: Mail) -> anyhow::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO mail_outbox (shop_id, recipient, subject, body) VALUES ($1, $2, $3, $4)
         RETURNING id",
        shop_id,
        mail.to.trim(),
        mail.subject,
        mail.text,
    )
    .fetch_one(&mut *tx)
    .await?;
    crate::db::push_job(tx, SEND_QUEUE, &SendMail { shop_id, id }).await?;
    Ok(id)
}
