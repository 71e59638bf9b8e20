//! Webhook bursts: every delivery acknowledged, each event stored once and processed exactly
//! once, even when the worker is SIGKILLed mid-burst. Timings (every delivery acknowledged
//! within Shopify's 5 s at the first attempt, on 5,000 deliveries) are the benchmark's:
//! `concierge bench webhooks`, figures in `docs/benchmarks.md`; this runs a smaller burst on
//! a machine busy with other tests, where a slow answer is retried as Shopify would.

use secrecy::SecretString;

use crate::helpers::{TestDb, config};

#[tokio::test]
async fn a_burst_with_duplicates_survives_a_killed_worker() {
    let db = TestDb::migrated().await;
    let options = concierge::dev::bench::webhooks::Options {
        count: 600,
        duplicates: 0.1,
        concurrency: 32,
        kill_worker: true,
    };
    let report = concierge::dev::bench::webhooks::run(
        db.pool.clone(),
        &SecretString::from(db.url.clone()),
        std::path::Path::new(env!("CARGO_BIN_EXE_concierge")),
        &config(&[]),
        &options,
    )
    .await
    .unwrap();
    // `run` itself fails unless every delivery was answered 2xx (retries included) and every
    // unique event was stored, enqueued and processed exactly once.
    assert_eq!(report.delivered, 600);
    assert_eq!(report.unique_events, 540);
    assert_eq!(report.stored, 540);
    assert_eq!(report.processed, 540);
}
