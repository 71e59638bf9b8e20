//! The `send_mail` job: sends one mail of the outbox, once (see [`crate::mail`]).

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMail {
    pub shop_id: i64,
    /// Its row in `mail_outbox`.
    pub id: i64,
}

impl Job for SendMail {
    const QUEUE: &'static str = "send_mail";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        crate::mail::send(&ctx.state, self.shop_id, self.id).await
    }
}
