//! The probe job: proves the queue end to end. `concierge jobs probe` enqueues one and waits
//! for a worker to finish it (a deploy smoke test); with `hold_ms` it occupies a worker for
//! that long, which is how crash recovery is exercised. Each run counts its start and its
//! completion, so a probe that ran twice, or never finished, shows.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Job, JobContext, enqueue};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    pub id: Uuid,
    #[serde(default)]
    pub hold_ms: u32,
}

/// What became of a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    pub starts: i32,
    pub completions: i32,
    pub completed_by: Option<String>,
}

impl Job for Probe {
    const QUEUE: &'static str = "probe";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        sqlx::query!(
            "UPDATE job_probes SET starts = starts + 1 WHERE id = $1",
            self.id
        )
        .execute(&ctx.db)
        .await?;
        tokio::time::sleep(Duration::from_millis(u64::from(self.hold_ms))).await;
        sqlx::query!(
            "UPDATE job_probes SET completions = completions + 1, completed_by = $2 WHERE id = $1",
            self.id,
            ctx.worker,
        )
        .execute(&ctx.db)
        .await?;
        Ok(())
    }
}

impl Probe {
    /// Records and enqueues a probe in one transaction.
    pub async fn start(db: &PgPool, hold: Duration) -> anyhow::Result<Self> {
        let probe = Self {
            id: Uuid::now_v7(),
            hold_ms: u32::try_from(hold.as_millis())
                .unwrap_or(u32::MAX)
                .min(600_000),
        };
        let mut tx = db.begin().await?;
        sqlx::query!(
            "INSERT INTO job_probes (id, hold_ms) VALUES ($1, $2)",
            probe.id,
            probe.hold_ms as i32,
        )
        .execute(&mut *tx)
        .await?;
        enqueue(&mut tx, &probe).await?;
        tx.commit().await?;
        Ok(probe)
    }

    pub async fn outcome(&self, db: &PgPool) -> anyhow::Result<ProbeOutcome> {
        let row = sqlx::query_as!(
            ProbeOutcome,
            "SELECT starts, completions, completed_by FROM job_probes WHERE id = $1",
            self.id
        )
        .fetch_one(db)
        .await?;
        Ok(row)
    }

    /// Polls until the probe has completed or `timeout` passes.
    pub async fn wait(&self, db: &PgPool, timeout: Duration) -> anyhow::Result<ProbeOutcome> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let outcome = self.outcome(db).await?;
            if outcome.completions > 0 || tokio::time::Instant::now() >= deadline {
                return Ok(outcome);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
