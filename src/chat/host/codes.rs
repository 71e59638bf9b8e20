//! The one-time codes of anonymous order look-ups (issue 12): mailed to the order's own
//! email once its number and email matched, and given back in the conversation.
//!
//! One pending code per conversation (`order_codes`), for one order: kept only as an
//! HMAC-SHA256 under the app's secret, bound to the shop and the conversation (a code read
//! from the table, or mailed for another conversation, proves nothing); valid for
//! [`CODE_MINUTES`], with [`CODE_ATTEMPTS`] attempts, spent atomically. A wrong code is also
//! a failed proof in the counters of `conversation.rs` (the tool keeps the attempt it spent).

use hmac::Mac;
use tools::CodeCheck;
use uuid::Uuid;

use super::{StoreTools, db, internal};
use crate::mail::{self, Mail};

/// How long a code is good for.
const CODE_MINUTES: i32 = 10;
/// Attempts a code allows before a new one is due.
const CODE_ATTEMPTS: i32 = 3;
/// A new code for the same order is not mailed sooner than this after the last (seconds).
const RESEND_AFTER: i32 = 60;

impl StoreTools {
    pub(super) async fn mail_code(
        &self,
        order_number: &str,
        email: &str,
    ) -> Result<(), tools::StoreError> {
        let mut tx = self.state.db.begin().await.map_err(db)?;
        // One code at a time per conversation: parallel requests wait here.
        sqlx::query!(
            "SELECT id FROM conversations WHERE shop_id = $1 AND id = $2 FOR UPDATE",
            self.shop_id(),
            self.conversation_id,
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| internal("order code", "the turn's conversation does not exist"))?;
        let recent = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM order_codes
                 WHERE shop_id = $1 AND conversation_id = $2 AND upper(order_number) = upper($3)
                   AND expires_at > now() AND attempts < $4
                   AND created_at > now() - make_interval(secs => $5)) AS "recent!""#,
            self.shop_id(),
            self.conversation_id,
            order_number,
            CODE_ATTEMPTS,
            f64::from(RESEND_AFTER),
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if recent {
            return Ok(());
        }
        // Uniform enough: 2^122 random bits reduced modulo 10^6.
        let code = format!("{:06}", Uuid::new_v4().as_u128() % 1_000_000);
        let hash = self.code_mac(&code).finalize().into_bytes();
        sqlx::query!(
            "INSERT INTO order_codes (shop_id, conversation_id, order_number, code_hash, expires_at)
             VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))
             ON CONFLICT (shop_id, conversation_id) DO UPDATE SET
                 order_number = EXCLUDED.order_number, code_hash = EXCLUDED.code_hash,
                 attempts = 0, expires_at = EXCLUDED.expires_at, created_at = now()",
            self.shop_id(),
            self.conversation_id,
            order_number,
            &hash[..],
            CODE_MINUTES,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        mail::queue(
            &mut tx,
            self.shop_id(),
            code_mail(email, order_number, &code),
        )
        .await
        .map_err(|e| internal("order code mail", format!("{e:#}")))?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    pub(super) async fn verify_code(
        &self,
        order_number: &str,
        code: &str,
    ) -> Result<CodeCheck, tools::StoreError> {
        let mut tx = self.state.db.begin().await.map_err(db)?;
        let stored = sqlx::query_scalar!(
            "UPDATE order_codes SET attempts = attempts + 1
             WHERE shop_id = $1 AND conversation_id = $2 AND upper(order_number) = upper($3)
               AND expires_at > now() AND attempts < $4
             RETURNING code_hash",
            self.shop_id(),
            self.conversation_id,
            order_number,
            CODE_ATTEMPTS,
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let check = match stored {
            Some(hash) if self.code_mac(code).verify_slice(&hash).is_ok() => {
                sqlx::query!(
                    "DELETE FROM order_codes WHERE shop_id = $1 AND conversation_id = $2",
                    self.shop_id(),
                    self.conversation_id,
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                CodeCheck::Valid
            }
            Some(_) => CodeCheck::Wrong,
            // Mailed for this order but expired or out of attempts: a new one is due.
            None => {
                let spent = sqlx::query_scalar!(
                    r#"SELECT EXISTS (SELECT 1 FROM order_codes WHERE shop_id = $1
                         AND conversation_id = $2 AND upper(order_number) = upper($3)) AS "spent!""#,
                    self.shop_id(),
                    self.conversation_id,
                    order_number,
                )
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                if spent {
                    CodeCheck::Expired
                } else {
                    CodeCheck::Wrong
                }
            }
        };
        tx.commit().await.map_err(db)?;
        Ok(check)
    }

    /// The keyed hash of `code`, bound to this shop and conversation.
    fn code_mac(&self, code: &str) -> crate::shopify::signature::HmacSha256 {
        use secrecy::ExposeSecret;
        let mut mac = crate::shopify::signature::hmac_sha256(
            self.state.shopify.api_secret.expose_secret().as_bytes(),
        );
        mac.update(
            format!(
                "order-code:{}:{}:{code}",
                self.shop_id(),
                self.conversation_id
            )
            .as_bytes(),
        );
        mac
    }
}

/// The mail with the code (the order's own email; nothing of the order but its number).
fn code_mail(email: &str, order_number: &str, code: &str) -> Mail {
    Mail {
        to: email.to_owned(),
        subject: format!("Your code for order {order_number}: {code}"),
        text: format!(
            "Your code is {code}\n\n\
             Type it in the store's chat to see order {order_number}. It is good for \
             {CODE_MINUTES} minutes.\n\n\
             If you did not ask about this order, someone may know its number and your email: \
             you can ignore this mail, nothing was shown to them.\n"
        ),
    }
}
