//! Sync jobs: a whole source, or one product.
//!
//! A full sync marks its source `syncing` with a start time, writes documents in batches
//! (unchanged content is skipped by hash, so a sync re-run after a crash redoes almost no
//! work), then deletes what it did not see since that start. A re-run of a crashed sync
//! keeps the original start time, so nothing seen before the crash is deleted.

use std::collections::HashMap;
use std::time::Duration;

use connectors::crawl::{Crawl, CrawlOptions, PageOutcome, SkipReason, Validators};

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::shopify::{
    CATALOG_BULK_QUERY, content_documents, fetch_product, product_document,
    product_of_inventory_item,
};
use super::sources::{self, Kind};
use crate::jobs::{Job, JobContext, enqueue};
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

/// Re-reads one product from Shopify after a webhook and updates (or deletes) it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncProduct {
    pub shop_id: i64,
    pub target: ProductRef,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductRef {
    /// A product gid.
    Product(String),
    /// An inventory item gid (`inventory_levels/update`): its product is synced.
    InventoryItem(String),
}

/// Creates the shop's Shopify sources and queues their first sync: called in the
/// transaction that records an install. A source already queued or syncing is left alone.
pub async fn on_install(conn: &mut PgConnection, shop_id: i64) -> anyhow::Result<()> {
    for kind in [Kind::ShopifyCatalog, Kind::ShopifyContent] {
        let source_id = sources::ensure(&mut *conn, shop_id, kind, "default").await?;
        queue(conn, shop_id, source_id).await?;
    }
    Ok(())
}

/// Queues a full sync of the source unless one is already queued or running.
pub async fn queue(conn: &mut PgConnection, shop_id: i64, source_id: i64) -> anyhow::Result<()> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM knowledge_sources WHERE shop_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(shop_id)
    .bind(source_id)
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

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some((kind, name, domain)) = sqlx::query_as::<_, (String, String, String)>(
            "SELECT s.kind, s.name, shops.domain FROM knowledge_sources s JOIN shops ON shops.id = s.shop_id
             WHERE s.shop_id = $1 AND s.id = $2 AND shops.install_state = 'installed'",
        )
        .bind(self.shop_id)
        .bind(self.source_id)
        .fetch_optional(&state.db)
        .await?
        else {
            return Ok(()); // the source or the shop is gone, or uninstalled
        };
        let shop = ShopDomain::parse(&domain)?;
        let since = sources::begin(&state.db, self.shop_id, self.source_id).await?;
        let result = match Kind::parse(&kind) {
            Some(Kind::ShopifyCatalog) => self.catalog(state, &shop).await,
            Some(Kind::ShopifyContent) => self.content(state, &shop).await,
            Some(Kind::Web) => self.crawl(state, &name).await,
            // Files and FAQ entries are written as they arrive.
            Some(Kind::Files | Kind::Faq) | None => Ok(Complete(false)),
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
        let previous: HashMap<String, Validators> =
            sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
                "SELECT external_id, etag, last_modified FROM documents
             WHERE shop_id = $1 AND source_id = $2",
            )
            .bind(self.shop_id)
            .bind(self.source_id)
            .fetch_all(&state.db)
            .await?
            .into_iter()
            .map(|(url, etag, last_modified)| {
                (
                    url,
                    Validators {
                        etag,
                        last_modified,
                    },
                )
            })
            .collect();
        let options = CrawlOptions {
            allow_private: state.knowledge.allow_private_crawl(),
            ..CrawlOptions::default()
        };
        let mut crawl = Crawl::start(&start, options, previous).await?;
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
                    sqlx::query(
                        "UPDATE documents SET etag = $4, last_modified = $5
                         WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
                    )
                    .bind(self.shop_id)
                    .bind(self.source_id)
                    .bind(&document.external_id)
                    .bind(validators.etag)
                    .bind(validators.last_modified)
                    .execute(&state.db)
                    .await?;
                    progress.processed += 1;
                }
                PageOutcome::NotModified { url } => {
                    sqlx::query(
                        "UPDATE documents SET seen_at = now()
                         WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
                    )
                    .bind(self.shop_id)
                    .bind(self.source_id)
                    .bind(&url)
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

impl Job for SyncProduct {
    const QUEUE: &'static str = "knowledge-product";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some(domain) = sqlx::query_scalar::<_, String>(
            "SELECT domain FROM shops WHERE id = $1 AND install_state = 'installed'",
        )
        .bind(self.shop_id)
        .fetch_optional(&state.db)
        .await?
        else {
            return Ok(());
        };
        let shop = ShopDomain::parse(&domain)?;
        let token = state.access_token(&shop).await?;
        let product = match &self.target {
            ProductRef::Product(id) => id.clone(),
            ProductRef::InventoryItem(item) => {
                match product_of_inventory_item(&state.admin, &shop, &token, item).await? {
                    Some(product) => product,
                    None => return Ok(()), // the item is gone with its variant
                }
            }
        };
        let source =
            sources::ensure(&state.db, self.shop_id, Kind::ShopifyCatalog, "default").await?;
        match fetch_product(&state.admin, &shop, &token, &product).await? {
            Some(document) => {
                state
                    .knowledge
                    .ingest(self.shop_id, source, std::slice::from_ref(&document))
                    .await?;
            }
            None => {
                state
                    .knowledge
                    .delete_documents(self.shop_id, source, &[product])
                    .await?;
            }
        }
        Ok(())
    }
}

/// Parses a stored upload and writes its documents (a file source's document ids are the
/// file's name, so a new upload of the same name replaces the old one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestUpload {
    pub shop_id: i64,
    pub upload_id: i64,
}

impl Job for IngestUpload {
    const QUEUE: &'static str = "knowledge-upload";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some((source, name, content, processed)) =
            sqlx::query_as::<_, (i64, String, Vec<u8>, bool)>(
                "SELECT source_id, name, content, processed_at IS NOT NULL FROM knowledge_uploads
             WHERE shop_id = $1 AND id = $2",
            )
            .bind(self.shop_id)
            .bind(self.upload_id)
            .fetch_optional(&state.db)
            .await?
        else {
            return Ok(());
        };
        if processed {
            return Ok(());
        }
        let parse_name = name.clone();
        // Parsing (a PDF above all) is CPU work: off the async threads.
        let parsed = tokio::task::spawn_blocking(move || {
            connectors::files::parse_file(&parse_name, &content)
        })
        .await?;
        let error = match parsed {
            Ok(documents) => {
                state
                    .knowledge
                    .ingest(self.shop_id, source, &documents)
                    .await?;
                None
            }
            // A file that cannot be read stays unreadable: record why, do not retry.
            Err(e) => Some(e.to_string()),
        };
        // The bytes are not needed once read.
        sqlx::query(
            "UPDATE knowledge_uploads SET processed_at = now(), error = $3, content = ''
             WHERE shop_id = $1 AND id = $2",
        )
        .bind(self.shop_id)
        .bind(self.upload_id)
        .bind(&error)
        .execute(&state.db)
        .await?;
        if let Some(error) = error {
            sources::finish(
                &state.db,
                self.shop_id,
                source,
                Some(&format!("{name}: {error}")),
            )
            .await?;
        }
        Ok(())
    }
}

/// Chunks embedded per round of a re-embedding.
const REEMBED_BATCH: i64 = 128;

/// Embeds a shop's chunks that lack a vector of the current model (after a model change),
/// beside the old vectors, which keep serving its searches; when none is left, switches the
/// shop's search to the current model and drops the old vectors. Resumable: each round
/// commits what it embedded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReembedShop {
    pub shop_id: i64,
}

impl Job for ReembedShop {
    const QUEUE: &'static str = "knowledge-reembed";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let knowledge = &ctx.state.knowledge;
        let model = knowledge.model().await?.clone();
        let db = knowledge.db();
        // Until it is done, the shop is served by the model most of its vectors are of.
        sqlx::query(
            "INSERT INTO shop_search_models (shop_id, model_id)
             SELECT $1, model_id FROM chunk_embeddings WHERE shop_id = $1
             GROUP BY model_id ORDER BY count(*) DESC LIMIT 1
             ON CONFLICT (shop_id) DO NOTHING",
        )
        .bind(self.shop_id)
        .execute(db)
        .await?;
        loop {
            let missing: Vec<(i64, String)> = sqlx::query_as(
                "SELECT c.id, c.content FROM chunks c
                 WHERE c.shop_id = $1 AND NOT EXISTS (
                     SELECT 1 FROM chunk_embeddings e
                     WHERE e.shop_id = c.shop_id AND e.chunk_id = c.id AND e.model_id = $2)
                 ORDER BY c.id LIMIT $3",
            )
            .bind(self.shop_id)
            .bind(model.id)
            .bind(REEMBED_BATCH)
            .fetch_all(db)
            .await?;
            if missing.is_empty() {
                break;
            }
            let (ids, texts): (Vec<i64>, Vec<String>) = missing.into_iter().unzip();
            let vectors: Vec<pgvector::Vector> = knowledge
                .embedder()
                .embed(texts)
                .await?
                .into_iter()
                .map(pgvector::Vector::from)
                .collect();
            // A chunk replaced meanwhile is gone: the join skips it.
            sqlx::query(
                "INSERT INTO chunk_embeddings (shop_id, chunk_id, model_id, embedding)
                 SELECT $1, c.id, $2, v.embedding
                 FROM unnest($3::bigint[], $4::vector[]) AS v(id, embedding)
                 JOIN chunks c ON c.shop_id = $1 AND c.id = v.id
                 ON CONFLICT DO NOTHING",
            )
            .bind(self.shop_id)
            .bind(model.id)
            .bind(&ids)
            .bind(&vectors)
            .execute(db)
            .await?;
        }
        // A large shop's own index for the new vectors is ready before they serve it.
        knowledge.forget_size(self.shop_id);
        knowledge.index_large_shop(self.shop_id).await?;
        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO shop_search_models (shop_id, model_id) VALUES ($1, $2)
             ON CONFLICT (shop_id) DO UPDATE SET model_id = EXCLUDED.model_id, updated_at = now()",
        )
        .bind(self.shop_id)
        .bind(model.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM chunk_embeddings WHERE shop_id = $1 AND model_id <> $2")
            .bind(self.shop_id)
            .bind(model.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        knowledge
            .drop_shop_indexes(self.shop_id, Some(model.id))
            .await?;
        Ok(())
    }
}

/// Queues a re-embedding for every shop with chunks lacking a vector of the current model
/// (the worker calls this as it starts, so a model change takes effect by itself).
pub async fn queue_reembeds(state: &AppState) -> anyhow::Result<usize> {
    let model = state.knowledge.model().await?;
    let shops: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT c.shop_id FROM chunks c WHERE NOT EXISTS (
             SELECT 1 FROM chunk_embeddings e
             WHERE e.shop_id = c.shop_id AND e.chunk_id = c.id AND e.model_id = $1)",
    )
    .bind(model.id)
    .fetch_all(&state.db)
    .await?;
    let mut tx = state.db.begin().await?;
    for &shop_id in &shops {
        enqueue(&mut tx, &ReembedShop { shop_id }).await?;
    }
    tx.commit().await?;
    Ok(shops.len())
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
/// (installed shops only). Safe from any number of workers: [`queue`] skips a source already
/// queued or syncing.
pub async fn queue_due_refreshes(db: &sqlx::PgPool) -> anyhow::Result<usize> {
    let mut queued = 0;
    for (kind, every) in REFRESH {
        let due: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT s.shop_id, s.id FROM knowledge_sources s JOIN shops ON shops.id = s.shop_id
             WHERE shops.install_state = 'installed' AND s.kind = $1
               AND s.status IN ('idle', 'failed')
               AND coalesce(s.last_synced_at, s.sync_started_at, s.created_at)
                   < now() - make_interval(secs => $2)",
        )
        .bind(kind.as_str())
        .bind(every.as_secs_f64())
        .fetch_all(db)
        .await?;
        for (shop_id, source_id) in due {
            let mut tx = db.begin().await?;
            queue(&mut tx, shop_id, source_id).await?;
            tx.commit().await?;
            queued += 1;
        }
    }
    Ok(queued)
}
