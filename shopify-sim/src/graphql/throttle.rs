//! Per-shop leaky buckets of query-cost points, as Shopify meters the Admin GraphQL API:
//! a request takes its requested cost up front (or is throttled with the wait until enough
//! points are back), and gets the unused part refunded once its actual cost is known.
//! Time is tokio's, so tests can pause and advance it.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Limits;

pub(crate) struct Buckets {
    limits: Limits,
    shops: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    available: f64,
    at: Instant,
}

/// A request the bucket could not afford: seconds until it could.
pub(crate) struct Throttled {
    pub retry_after: f64,
    pub available: f64,
}

impl Buckets {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            shops: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` points from the shop's bucket; returns the points left.
    pub fn take(&self, shop: &str, cost: f64) -> Result<f64, Throttled> {
        self.with(shop, |bucket, limits| {
            if cost > bucket.available {
                let missing = cost - bucket.available;
                return Err(Throttled {
                    retry_after: missing / limits.restore_rate.max(f64::EPSILON),
                    available: bucket.available,
                });
            }
            bucket.available -= cost;
            Ok(bucket.available)
        })
    }

    /// Gives back points a request reserved but did not use; returns the points left.
    pub fn refund(&self, shop: &str, points: f64) -> f64 {
        self.with(shop, |bucket, limits| {
            bucket.available = (bucket.available + points.max(0.0)).min(limits.bucket_size);
            bucket.available
        })
    }

    /// Shopify's `throttleStatus` object.
    pub fn status(&self, available: f64) -> Value {
        json!({
            "maximumAvailable": self.limits.bucket_size,
            "currentlyAvailable": available.floor() as i64,
            "restoreRate": self.limits.restore_rate,
        })
    }

    fn with<T>(&self, shop: &str, f: impl FnOnce(&mut Bucket, &Limits) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update; the numbers are
        // still usable.
        let mut shops = self.shops.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let bucket = shops.entry(shop.to_owned()).or_insert(Bucket {
            available: self.limits.bucket_size,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.available =
            (bucket.available + elapsed * self.limits.restore_rate).min(self.limits.bucket_size);
        bucket.at = now;
        f(bucket, &self.limits)
    }
}
