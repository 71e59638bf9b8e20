//! The `send_mail` job: sends one mail of the outbox, once (see [`crate::mail`]).

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

pub use crate::mail::SendMail;

use super::{Job, JobContext, Permanent};
use crate::state::AppState;

/// How long one SMTP exchange may take before the job tries again later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

impl Job for SendMail {
    const QUEUE: &'static str = crate::mail::SEND_QUEUE;

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        send(&ctx.state, self.shop_id, self.id).await
    }
}

/// Sends the outbox's mail `id` unless it is sent, refused or gone (`send_mail`'s work).
async fn send(state: &AppState, shop_id: i64, id: i64) -> anyhow::Result<()> {
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
