//! Knowledge sources and their sync progress, as `GET /api/sources` shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};

/// What a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Kind {
    /// Products, by bulk operation and `products/*` webhooks.
    ShopifyCatalog,
    /// Pages, blog articles and the shop's policies, refreshed periodically.
    ShopifyContent,
    /// A crawled site.
    Web,
    /// Uploaded files.
    Files,
    /// FAQ entries the merchant typed.
    Faq,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShopifyCatalog => "shopify_catalog",
            Self::ShopifyContent => "shopify_content",
            Self::Web => "web",
            Self::Files => "files",
            Self::Faq => "faq",
        }
    }
}

/// Where a source's sync stands (`knowledge_sources.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Status {
    /// Synced (or never asked to).
    Idle,
    /// A sync job is enqueued.
    Queued,
    /// A sync is under way (or was, when its worker died: the job resumes it).
    Syncing,
    /// The last sync failed (`last_error` says why).
    Failed,
}

/// A source as the merchant sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: i64,
    pub kind: Kind,
    pub name: String,
    pub config: serde_json::Value,
    pub status: Status,
    pub seen: i32,
    pub processed: i32,
    pub failed: i32,
    pub last_error: Option<String>,
    pub sync_started_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub documents: i64,
    pub chunks: i64,
}

/// The source's id, creating it if needed.
pub async fn ensure(
    db: impl PgExecutor<'_>,
    shop_id: i64,
    kind: Kind,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO knowledge_sources (shop_id, kind, name) VALUES ($1, $2, $3)
         ON CONFLICT (shop_id, kind, name) DO UPDATE SET kind = EXCLUDED.kind
         RETURNING id",
        shop_id,
        kind as Kind,
        name,
    )
    .fetch_one(db)
    .await
}

/// Every source of the shop with its progress and size.
pub async fn list(db: &PgPool, shop_id: i64) -> Result<Vec<Source>, sqlx::Error> {
    sqlx::query_as!(
        Source,
        r#"SELECT s.id, s.kind AS "kind: Kind", s.name, s.config, s.status AS "status: Status",
                s.seen, s.processed, s.failed, s.last_error, s.sync_started_at, s.last_synced_at,
                (SELECT count(*) FROM documents d
                 WHERE d.shop_id = s.shop_id AND d.source_id = s.id) AS "documents!",
                (SELECT count(*) FROM chunks c JOIN documents d
                     ON d.shop_id = c.shop_id AND d.id = c.document_id
                 WHERE d.shop_id = s.shop_id AND d.source_id = s.id) AS "chunks!"
         FROM knowledge_sources s WHERE s.shop_id = $1 ORDER BY s.id"#,
        shop_id,
    )
    .fetch_all(db)
    .await
}

/// Marks a sync as started and returns when it started. A sync already under way (a job
/// run again after a crash) keeps its start time and counters: it resumes, and its
/// deletion of unseen documents still covers everything since that start.
pub async fn begin(
    db: &PgPool,
    shop_id: i64,
    source_id: i64,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE knowledge_sources SET
             seen = CASE WHEN status = $3 THEN seen ELSE 0 END,
             processed = CASE WHEN status = $3 THEN processed ELSE 0 END,
             failed = CASE WHEN status = $3 THEN failed ELSE 0 END,
             sync_started_at = CASE WHEN status = $3 AND sync_started_at IS NOT NULL
                                    THEN sync_started_at ELSE now() END,
             status = $3, last_error = NULL
         WHERE shop_id = $1 AND id = $2
         RETURNING sync_started_at AS "sync_started_at!""#,
        shop_id,
        source_id,
        Status::Syncing as Status,
    )
    .fetch_one(db)
    .await
}

/// Records progress. Counts only grow; a resumed sync counts again what it sees again, so
/// `processed` is set to the larger of the stored and the new figure.
pub async fn progress(
    db: &PgPool,
    shop_id: i64,
    source_id: i64,
    seen: usize,
    processed: usize,
    failed: usize,
) -> Result<(), sqlx::Error> {
    let n = |x: usize| i32::try_from(x).unwrap_or(i32::MAX);
    sqlx::query!(
        "UPDATE knowledge_sources SET seen = greatest(seen, $3), processed = greatest(processed, $4),
             failed = greatest(failed, $5)
         WHERE shop_id = $1 AND id = $2",
        shop_id,
        source_id,
        n(seen),
        n(processed),
        n(failed),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a sync: idle on success, failed with the error otherwise.
pub async fn finish(
    db: &PgPool,
    shop_id: i64,
    source_id: i64,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let status = if error.is_none() {
        Status::Idle
    } else {
        Status::Failed
    };
    sqlx::query!(
        "UPDATE knowledge_sources SET
             status = $4,
             last_error = $3,
             last_synced_at = CASE WHEN $3::text IS NULL THEN now() ELSE last_synced_at END
         WHERE shop_id = $1 AND id = $2",
        shop_id,
        source_id,
        error,
        status as Status,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a source queued (a sync job is enqueued with this, in the same transaction).
pub async fn mark_queued(
    db: impl PgExecutor<'_>,
    shop_id: i64,
    source_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE knowledge_sources SET status = $3
         WHERE shop_id = $1 AND id = $2 AND status <> $4",
        shop_id,
        source_id,
        Status::Queued as Status,
        Status::Syncing as Status,
    )
    .execute(db)
    .await?;
    Ok(())
}
