//! `concierge bench ...`: repeatable measurements, run against real parts (embedded
//! PostgreSQL, the app on a loopback port, the Shopify simulator, worker processes).
//! Results are recorded in `docs/benchmarks.md`.

pub mod chat;
pub mod freshness;
pub mod ingest;
pub mod search;
pub mod webhooks;

use std::time::Duration;

/// The `q`-quantile of `sorted` (ascending).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
