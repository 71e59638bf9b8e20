//! Outgoing mail: one-time codes for order look-ups, the team's notice of a handoff nobody is
//! there to take, and agents' replies to shoppers who have left.
//!
//! [`queue`] writes the mail into `mail_outbox` in the caller's transaction and queues the
//! `send_mail` job with it, so a mail exists exactly when the change that caused it does.
//! The job ([`send`]) holds the row while it hands the mail to the SMTP server
//! (`CONCIERGE_SMTP_URL`) and marks it sent in the same transaction: a run that finds it
//! marked sends nothing, so a retry after a crash does not send it twice (a crash between the
//! server's acceptance and the commit can still resend it; its `Message-ID` stays the same,
//! so mail clients show one). A permanent refusal (5xx, or an address that cannot be one) is
//! recorded and not retried. Without a server the mail stays unsent, with a log line saying
//! so. The text is cleared once sent.

mod notify;

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::PgConnection;

use crate::jobs::{Permanent, SendMail, enqueue};
use crate::state::AppState;

pub use notify::{Unattended, admin_link, handoff_unattended, reply_to_shopper, shopper_link};

/// How long one SMTP exchange may take before the job tries again later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

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
    enqueue(tx, &SendMail { shop_id, id }).await?;
    Ok(id)
}

/// Sends the outbox's mail `id` unless it is sent, refused or gone (`send_mail`'s work).
pub(crate) async fn send(state: &AppState, shop_id: i64, id: i64) -> anyhow::Result<()> {
    let Some(url) = &state.config.mail.smtp_url else {
        tracing::warn!(
            shop_id,
            mail = id,
            "mail not sent: CONCIERGE_SMTP_URL is not set (it stays unsent in mail_outbox)"
        );
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let row = sqlx::query!(
        "SELECT recipient, subject, body, sent_at IS NOT NULL OR failed IS NOT NULL AS done
         FROM mail_outbox WHERE shop_id = $1 AND id = $2 FOR UPDATE",
        shop_id,
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    // Gone with its shop or its customer, or already handled.
    let Some(row) = row.filter(|r| r.done != Some(true)) else {
        return Ok(());
    };
    let message = match message(state, shop_id, id, row.recipient, row.subject, row.body) {
        Ok(message) => message,
        Err(reason) => return refused(tx, shop_id, id, reason).await,
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
        .context("CONCIERGE_SMTP_URL")?
        .timeout(Some(SMTP_TIMEOUT))
        .build();
    match transport.send(message).await {
        Ok(_) => {
            sqlx::query!(
                "UPDATE mail_outbox SET sent_at = now(), body = '' WHERE shop_id = $1 AND id = $2",
                shop_id,
                id,
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            metrics::counter!("concierge_mail_sent_total").increment(1);
            tracing::info!(shop_id, mail = id, "mail sent");
            Ok(())
        }
        Err(error) if error.is_permanent() => {
            refused(
                tx,
                shop_id,
                id,
                format!("the SMTP server refused it: {error}"),
            )
            .await
        }
        Err(error) => Err(anyhow::Error::new(error).context("sending mail")),
    }
}

/// Records why the mail can never be sent and ends the job for good (the record is
/// committed here: the job's error must not undo it).
async fn refused(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    shop_id: i64,
    id: i64,
    reason: String,
) -> anyhow::Result<()> {
    sqlx::query!(
        "UPDATE mail_outbox SET failed = $3 WHERE shop_id = $1 AND id = $2",
        shop_id,
        id,
        reason,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    metrics::counter!("concierge_mail_refused_total").increment(1);
    Err(Permanent::new(reason).into())
}

/// The mail as sent: from the configured sender, with a `Message-ID` fixed by its outbox row.
/// An error is why it can never be sent.
fn message(
    state: &AppState,
    shop_id: i64,
    id: i64,
    recipient: String,
    subject: String,
    body: String,
) -> Result<Message, String> {
    let to: Mailbox = recipient
        .parse()
        .map_err(|_| "the recipient is not an email address".to_owned())?;
    Message::builder()
        .from(state.config.mail.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<concierge.{shop_id}.{id}@concierge.mail>")))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("the mail cannot be built: {e}"))
}
