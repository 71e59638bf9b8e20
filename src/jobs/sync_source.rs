//! The `knowledge-sync` job: syncs a whole source (the Shopify catalog by bulk operation, the
//! shop's content pages, or a crawled site), and [`queue_sync`], the one way a sync is asked for.
//!
//! A full sync marks its source `syncing` with a start time, writes documents in batches
//! (unchanged content is skipped by hash, so a sync re-run after a crash redoes almost no
//! work), then deletes what it did not see since that start. A re-run of a crashed sync
//! keeps the original start time, so nothing seen before the crash is deleted.

use std::collections::HashMap;
use std::time::Duration;

use connectors::crawl::{Crawl, CrawlError, CrawlOptions, PageOutcome, SkipReason, Validators};

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::{Job, JobContext, Permanent, enqueue};
use crate::knowledge::shopify::{CATALOG_BULK_QUERY, content_documents, product_document};
use crate::knowledge::sources::{self, Kind};
use crate::shopify::ShopDomain;
use crate::state::AppState;

/// Documents written per transaction during a full sync.
const BATCH: usize = 64;
/// How long a bulk operation may run.
const BULK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Syncs a whole source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncSource {
    pub shop_id: i64,
    pub source_id: i64,
}

/// Creates the shop's Shopify sources and queues their first sync: called in the
/// transaction that records an install. A source already queued or syncing is left alone.
pub async fn on_install(conn: &mut PgConnection, shop_id: i64) -> anyhow::Result<()> {
    for kind in [Kind::ShopifyCatalog, Kind::ShopifyContent] {
        let source_id = sources::ensure(&mut *conn, shop_id, kind, "default").await?;
        queue_sync(conn, shop_id, source_id).await?;
    }
    Ok(())
}

/// Queues a full sync of the source unless one is already queued or running.
pub async fn queue_sync(
    conn: &mut PgConnection,
    shop_id: i64,
    source_id: i64,
) -> anyhow::Result<()> {
    let status = sqlx::query_scalar!(
        "SELECT status FROM knowledge_sources WHERE shop_id = $1 AND id = $2 FOR UPDATE",
        shop_id,
        source_id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if matches!(status.as_deref(), Some("queued" | "syncing") | None) {
        return Ok(());
    }
    sources::mark_queued(&mut *conn, shop_id, source_id).await?;
    enqueue(conn, &SyncSource { shop_id, source_id }).await
}

impl Job for SyncSource {
    const QUEUE: &'static str = "knowledge-sync";

    #[tracing::instrument(skip_all, fields(shop_id = self.shop_id, source = self.source_id, shop = tracing::field::Empty))]
    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some(source) = sqlx::query!(
            r#"SELECT s.kind AS "kind: Kind", s.name, shops.domain FROM knowledge_sources s JOIN shops ON shops.id = s.shop_id
             WHERE s.shop_id = $1 AND s.id = $2 AND shops.install_state = 'installed'"#,
            self.shop_id,
            self.source_id,
        )
        .fetch_optional(&state.db)
        .await?
        else {
            return Ok(()); // the source or the shop is gone, or uninstalled
        };
        let (kind, name, domain) = (source.kind, source.name, source.domain);
        let shop = ShopDomain::parse(&domain)?;
        tracing::Span::current().record("shop", tracing::field::display(&shop));
        let since = sources::begin(&state.db, self.shop_id, self.source_id).await?;
        let result = match kind {
            Kind::ShopifyCatalog => self.catalog(state, &shop).await,
            Kind::ShopifyContent => self.content(state, &shop).await,
            Kind::Web => self.crawl(state, &name).await,
            // Files and FAQ entries are written as they arrive.
            Kind::Files | Kind::Faq => Ok(Complete(false)),
        };
        match result {
            Ok(Complete(complete)) => {
                // Only a sync that saw the whole source may conclude that the rest is gone.
                if complete {
                    state
                        .knowledge
                        .delete_unseen(self.shop_id, self.source_id, since)
                        .await?;
                }
                sources::finish(&state.db, self.shop_id, self.source_id, None).await?;
                Ok(())
            }
            Err(e) => {
                let message = format!("{e:#}");
                sources::finish(&state.db, self.shop_id, self.source_id, Some(&message)).await?;
                Err(e)
            }
        }
    }
}

/// Whether a sync saw its whole source (so that what it did not see is gone).
struct Complete(bool);

impl SyncSource {
    async fn catalog(&self, state: &AppState, shop: &ShopDomain) -> anyhow::Result<Complete> {
        let token = state.access_token(shop).await?;
        let url = state
            .admin
            .run_bulk(shop, &token, CATALOG_BULK_QUERY, BULK_TIMEOUT)
            .await?;
        let Some(url) = url else {
            return Ok(Complete(true)); // an empty catalog
        };
        let mut records = state.admin.bulk_records(&url);
        let mut batch = Vec::with_capacity(BATCH);
        let mut progress = Progress::default();
        while let Some(record) = records.try_next().await? {
            progress.seen += 1;
            if let Some(document) = product_document(shop, &record.object, &record.children) {
                batch.push(document);
            }
            if batch.len() == BATCH {
                self.write(state, &mut batch, &mut progress).await?;
            }
        }
        self.write(state, &mut batch, &mut progress).await?;
        Ok(Complete(true))
    }

    async fn content(&self, state: &AppState, shop: &ShopDomain) -> anyhow::Result<Complete> {
        let token = state.access_token(shop).await?;
        let documents = content_documents(&state.admin, shop, &token).await?;
        let mut progress = Progress {
            seen: documents.len(),
            ..Progress::default()
        };
        for chunk in documents.chunks(BATCH) {
            let mut batch = chunk.to_vec();
            self.write(state, &mut batch, &mut progress).await?;
        }
        Ok(Complete(true))
    }

    /// Crawls the site at `start` (the source's name). Pages come back with their HTTP
    /// validators, kept on the document so the next crawl asks "changed since?"; pages that
    /// did not change are marked seen without being fetched again.
    async fn crawl(&self, state: &AppState, start: &str) -> anyhow::Result<Complete> {
        let start = reqwest::Url::parse(start)?;
        let previous: HashMap<String, Validators> = sqlx::query!(
            "SELECT external_id, etag, last_modified FROM documents
             WHERE shop_id = $1 AND source_id = $2",
            self.shop_id,
            self.source_id,
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|page| {
            (
                page.external_id,
                Validators {
                    etag: page.etag,
                    last_modified: page.last_modified,
                },
            )
        })
        .collect();
        let options = CrawlOptions {
            allow_private: state.knowledge.allow_private_crawl(),
            ..CrawlOptions::default()
        };
        let mut crawl = Crawl::start(&start, options, previous)
            .await
            .map_err(|e| match e {
                // The guard will refuse it again: not retried.
                CrawlError::Blocked { .. } | CrawlError::NotHttp(_) => Permanent::new(e).into(),
                e => anyhow::Error::new(e),
            })?;
        let mut progress = Progress::default();
        while let Some(outcome) = crawl.next_page().await {
            progress.seen += 1;
            match outcome {
                PageOutcome::Fetched {
                    document,
                    validators,
                } => {
                    state
                        .knowledge
                        .ingest(
                            self.shop_id,
                            self.source_id,
                            std::slice::from_ref(&document),
                        )
                        .await?;
                    sqlx::query!(
                        "UPDATE documents SET etag = $4, last_modified = $5
                         WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
                        self.shop_id,
                        self.source_id,
                        &document.external_id,
                        validators.etag,
                        validators.last_modified,
                    )
                    .execute(&state.db)
                    .await?;
                    progress.processed += 1;
                }
                PageOutcome::NotModified { url } => {
                    sqlx::query!(
                        "UPDATE documents SET seen_at = now()
                         WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
                        self.shop_id,
                        self.source_id,
                        &url,
                    )
                    .execute(&state.db)
                    .await?;
                    progress.processed += 1;
                }
                PageOutcome::Skipped { url, reason } => {
                    tracing::debug!(%url, ?reason, "page skipped");
                    progress.failed += usize::from(matches!(
                        reason,
                        SkipReason::Failed(_) | SkipReason::Status(500..)
                    ));
                }
            }
            if progress.seen.is_multiple_of(16) {
                self.report(state, &progress).await?;
            }
        }
        self.report(state, &progress).await?;
        Ok(Complete(crawl.summary().complete))
    }

    async fn write(
        &self,
        state: &AppState,
        batch: &mut Vec<connectors::Document>,
        progress: &mut Progress,
    ) -> anyhow::Result<()> {
        if !batch.is_empty() {
            state
                .knowledge
                .ingest(self.shop_id, self.source_id, batch)
                .await?;
            progress.processed += batch.len();
            batch.clear();
        }
        self.report(state, progress).await
    }

    async fn report(&self, state: &AppState, progress: &Progress) -> anyhow::Result<()> {
        sources::progress(
            &state.db,
            self.shop_id,
            self.source_id,
            progress.seen,
            progress.processed,
            progress.failed,
        )
        .await?;
        Ok(())
    }
}

#[derive(Default)]
struct Progress {
    seen: usize,
    processed: usize,
    failed: usize,
}
