//! Rate limits on shoppers' messages, per visitor, per network address (within a shop) and
//! per shop, taken in that order so that a request one refuses spends nothing of the next:
//! visitor ids are free, so without the address's budget one client making them up could
//! spend the shop's and silence it (`http::client::ClientAddress` says where a request comes
//! from).
//!
//! Counted in PostgreSQL, so a budget holds however many web nodes a shopper's requests reach:
//! GCRA (a token bucket kept as one timestamp, the "theoretical arrival time" of the next
//! message), one atomic upsert per check (`rate_limits`). Expired rows mean a full budget and
//! are pruned now and then.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// `burst` messages at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// One kind of budget (`bucket`: visitor, address, shop), keyed within a shop.
pub struct Limiter {
    bucket: &'static str,
    rate: Rate,
    pruned: Mutex<Option<Instant>>,
}

/// How often a node prunes expired budgets.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

impl Limiter {
    pub fn new(bucket: &'static str, rate: Rate) -> Self {
        Self {
            bucket,
            rate,
            pruned: Mutex::new(None),
        }
    }

    /// Seconds between two messages at the steady rate, and the most a budget runs ahead.
    fn intervals(&self) -> (f64, f64) {
        let emission = 60.0 / f64::from(self.rate.per_minute.max(1));
        (emission, emission * f64::from(self.rate.burst.max(1)))
    }

    /// Takes a message from `key`'s budget in `shop_id`, or says how long until one is free.
    pub async fn check(
        &self,
        db: &PgPool,
        shop_id: i64,
        key: &str,
    ) -> Result<Result<(), Duration>, sqlx::Error> {
        self.prune(db);
        let (emission, tolerance) = self.intervals();
        // Taken only if the new arrival time stays within the burst from now.
        let taken = sqlx::query_scalar!(
            r#"INSERT INTO rate_limits AS r (shop_id, bucket, key, tat)
               VALUES ($1, $2, $3, now() + make_interval(secs => $4))
               ON CONFLICT (shop_id, bucket, key) DO UPDATE
                   SET tat = greatest(r.tat, now()) + make_interval(secs => $4)
                   WHERE greatest(r.tat, now()) + make_interval(secs => $4)
                         <= now() + make_interval(secs => $5)
               RETURNING 1 AS "taken!""#,
            shop_id,
            self.bucket,
            key,
            emission,
            tolerance,
        )
        .fetch_optional(db)
        .await?;
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let wait = sqlx::query_scalar!(
            r#"SELECT extract(epoch FROM tat - now())::float8 AS "wait!" FROM rate_limits
               WHERE shop_id = $1 AND bucket = $2 AND key = $3"#,
            shop_id,
            self.bucket,
            key,
        )
        .fetch_optional(db)
        .await?
        .unwrap_or(0.0);
        Ok(Err(Duration::from_secs_f64(
            (wait + emission - tolerance).clamp(0.0, 86_400.0),
        )))
    }

    /// Deletes expired budgets, at most every [`PRUNE_EVERY`] per node, in the background.
    fn prune(&self, db: &PgPool) {
        {
            let mut pruned = self.pruned.lock().unwrap_or_else(PoisonError::into_inner);
            if pruned.is_some_and(|at| at.elapsed() < PRUNE_EVERY) {
                return;
            }
            *pruned = Some(Instant::now());
        }
        let db = db.clone();
        let bucket = self.bucket;
        tokio::spawn(async move {
            let pruned = sqlx::query!(
                "DELETE FROM rate_limits WHERE bucket = $1 AND tat < now()",
                bucket
            )
            .execute(&db)
            .await;
            if let Err(error) = pruned {
                tracing::warn!(%error, "pruning rate limits");
            }
        });
    }
}
