//! Scheduled refreshes: every few minutes a worker queues the source syncs that have come
//! due. Not a queued job itself (it only queues them), so every worker may run it: queueing
//! is idempotent.

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::sync_source::queue_sync;
use crate::knowledge::sources::Kind;

/// Every few minutes, queues the syncs that have come due (content, crawls, the catalog's
/// daily reconciliation) until `shutdown`.
pub(super) async fn refresh_sources(db: PgPool, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        match queue_due_refreshes(&db).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "source refreshes queued"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "queueing refreshes failed"),
        }
    }
}

/// How often each kind of source is synced again without being asked: Shopify sends no
/// webhooks for pages, articles or policies, crawled sites change on their own, and a daily
/// pass over the catalog mends whatever webhooks were missed.
const REFRESH: [(Kind, Duration); 3] = [
    (Kind::ShopifyContent, Duration::from_secs(6 * 3600)),
    (Kind::Web, Duration::from_secs(24 * 3600)),
    (Kind::ShopifyCatalog, Duration::from_secs(24 * 3600)),
];

/// Queues a sync of every source whose last one is older than its kind's refresh interval
/// (installed shops only). Safe from any number of workers: [`queue_sync`] skips a source already
/// queued or syncing.
pub async fn queue_due_refreshes(db: &PgPool) -> anyhow::Result<usize> {
    let mut queued = 0;
    for (kind, every) in REFRESH {
        let due = sqlx::query!(
            "SELECT s.shop_id, s.id FROM knowledge_sources s JOIN shops ON shops.id = s.shop_id
             WHERE shops.install_state = 'installed' AND s.kind = $1
               AND s.status IN ('idle', 'failed')
               AND coalesce(s.last_synced_at, s.sync_started_at, s.created_at)
                   < now() - make_interval(secs => $2)",
            kind.as_str(),
            every.as_secs_f64(),
        )
        .fetch_all(db)
        .await?;
        for source in due {
            let mut tx = db.begin().await?;
            queue_sync(&mut tx, source.shop_id, source.id).await?;
            tx.commit().await?;
            queued += 1;
        }
    }
    Ok(queued)
}
