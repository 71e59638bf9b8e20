//! Webhook bursts: every delivery acknowledged within Shopify's 5 s, each event stored once
//! and processed exactly once, even when the worker is SIGKILLed mid-burst. The full-size
//! figures (5,000 deliveries) come from `concierge bench webhooks`; this runs a smaller one.

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
    // `run` itself fails unless every delivery was acknowledged at the first attempt within
    // 5 s and every unique event was stored, enqueued and processed exactly once.
    assert_eq!(report.unique_events, 540);
    assert_eq!(report.stored, 540);
    assert_eq!(report.processed, 540);
    assert!(report.ack_max_ms < 5000.0);
}
